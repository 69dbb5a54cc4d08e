import { expect } from 'chai';
import { createClient, type RedisClient } from 'redis';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import { isEnded } from '../../../src/bee/node-redis-internals';
import { IntakeConnections } from '../../../src/routing/intake-connections';
import { endpointOf, IntakeSession } from '../../../src/routing/intake-session';
import { sendCommand } from '../../../src/redis/send-command';
import { type RedisServerHandle, startRedisServer } from '../../../scripts/support/redis-server';

describe('intake-session (real redis-servers)', function () {
  this.timeout(20_000);
  let nodes: RedisServerHandle[];
  let shared: RedisClient[];
  let connections: IntakeConnections;
  const ready = (client: RedisClient) => new Promise((resolve) => client.once('ready', resolve));

  before(async () => {
    nodes = await Promise.all([startRedisServer(), startRedisServer()]);
    // Stand-ins for the shards' shared command connections, one per node.
    shared = nodes.map((n) => createClient({ host: '127.0.0.1', port: n.port }));
    await Promise.all(shared.map(ready));
  });
  after(async () => {
    shared.forEach((c) => c.end(false));
    await Promise.all(nodes.map((n) => n.stop()));
  });
  beforeEach(() => {
    const redis = { mode: 'standalone' as const, endpoint: endpointOf(shared[0]!), db: 0, tls: false, username: undefined, password: undefined };
    connections = new IntakeConnections(redis, 4, silentLogger());
  });
  afterEach(() => connections.closeAll(1000));

  it('leases one connection per node, shared by the intake\'s shards there, and gives them back when done', async () => {
    const session = new IntakeSession(connections, Date.now() + 2000);
    const [a1, a2, b] = await Promise.all([session.connectionFor(shared[0]!), session.connectionFor(shared[0]!), session.connectionFor(shared[1]!)]);
    expect(a1).to.equal(a2);
    expect(b).not.to.equal(a1);
    expect(endpointOf(b!).port).to.equal(nodes[1]!.port);
    expect(connections.stats(endpointOf(shared[0]!))).to.deep.equal({ open: 1, idle: 0 });
    session.finish(true);
    expect(connections.stats(endpointOf(shared[0]!))).to.deep.equal({ open: 1, idle: 1 });
    expect(connections.stats(endpointOf(shared[1]!))).to.deep.equal({ open: 1, idle: 1 });
  });

  it('ends its connections when the intake failed, and refuses a connection to a chunk still running', async () => {
    const session = new IntakeSession(connections, Date.now() + 2000);
    const leased = await session.connectionFor(shared[0]!);
    const late = session.connectionFor(shared[1]!);
    session.finish(false);
    expect(isEnded(leased)).to.equal(true);
    expect(await late.catch((err: unknown) => (err as Error).message)).to.equal('the intake has ended');
    // The lease that arrived after the end went back unused, ready for the next intake.
    expect(connections.stats(endpointOf(shared[1]!))).to.deep.equal({ open: 1, idle: 1 });
    expect(connections.stats(endpointOf(shared[0]!))).to.deep.equal({ open: 0, idle: 0 });
  });

  it('replaces a connection that broke during the intake', async () => {
    const session = new IntakeSession(connections, Date.now() + 2000);
    const first = await session.connectionFor(shared[0]!);
    await nodes[0]!.command('CLIENT', 'KILL', 'ID', String(await sendCommand(first, 'CLIENT', ['ID'])));
    await waitFor(() => isEnded(first), { timeoutMs: 5000, description: 'the killed connection to end' });
    const second = await session.connectionFor(shared[0]!);
    expect(second).not.to.equal(first);
    session.finish(true);
    expect(connections.stats(endpointOf(shared[0]!))).to.deep.equal({ open: 1, idle: 1 });
  });
});
