import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { QueueUnavailableError } from '../../../src/core/errors';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import { isEnded } from '../../../src/bee/node-redis-internals';
import { IntakeConnections } from '../../../src/routing/intake-connections';
import { sendCommand } from '../../../src/redis/send-command';
import { type RedisServerHandle, startRedisServer } from '../../../scripts/support/redis-server';

describe('intake-connections (real redis-server)', function () {
  this.timeout(20_000);
  let redis: RedisServerHandle;
  let connections: IntakeConnections;
  const endpoint = () => ({ host: '127.0.0.1', port: redis.port });
  const soon = () => Date.now() + 2000;

  before(async () => {
    redis = await startRedisServer();
  });
  after(() => redis.stop());
  beforeEach(() => {
    connections = new IntakeConnections({ mode: 'standalone', endpoint: endpoint(), db: 0, tls: false, username: undefined, password: undefined }, 2, silentLogger());
  });
  afterEach(() => connections.closeAll(1000));

  it('reuses a returned connection instead of opening another', async () => {
    const first = await connections.lease(endpoint(), soon());
    expect(await sendCommand(first, 'PING', [])).to.equal('PONG');
    connections.release(first, true);
    expect(await connections.lease(endpoint(), soon())).to.equal(first);
    expect(connections.stats(endpoint())).to.deep.equal({ open: 1, idle: 0 });
  });

  it('opens at most maxPerNode; the next lease waits for a return, or fails with 503 at its deadline', async () => {
    const a = await connections.lease(endpoint(), soon());
    await connections.lease(endpoint(), soon());
    const late = await connections.lease(endpoint(), Date.now() + 100).catch((err: unknown) => err);
    expect(late).to.be.instanceOf(QueueUnavailableError);
    const waiting = connections.lease(endpoint(), soon());
    connections.release(a, true);
    expect(await waiting).to.equal(a);
    expect(connections.stats(endpoint()).open).to.equal(2);
  });

  it('ends a connection returned as not reusable (a reply may be pending), and one that broke', async () => {
    const pending = await connections.lease(endpoint(), soon());
    connections.release(pending, false);
    expect(isEnded(pending)).to.equal(true);

    const killed = await connections.lease(endpoint(), soon());
    const id = String(await sendCommand(killed, 'CLIENT', ['ID']));
    await redis.command('CLIENT', 'KILL', 'ID', id);
    await waitFor(() => isEnded(killed), { timeoutMs: 5000, description: 'the killed connection to end' });
    connections.release(killed, true);
    const next: RedisClient = await connections.lease(endpoint(), soon());
    expect(next).not.to.equal(killed);
    expect(await sendCommand(next, 'PING', [])).to.equal('PONG');
    expect(connections.stats(endpoint())).to.deep.equal({ open: 1, idle: 0 });
  });

  it('closes every connection on shutdown and refuses leases after', async () => {
    const leased = await connections.lease(endpoint(), soon());
    const idle = await connections.lease(endpoint(), soon());
    connections.release(idle, true);
    await connections.closeAll(1000);
    expect([isEnded(leased), isEnded(idle)]).to.deep.equal([true, true]);
    const after = await connections.lease(endpoint(), soon()).catch((err: unknown) => err);
    expect(after).to.be.instanceOf(QueueUnavailableError);
  });
});
