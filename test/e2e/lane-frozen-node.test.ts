import { expect } from 'chai';
import type { RedisEndpoint } from '../../src/config/redis-config';
import { waitFor } from '../../src/core/wait-for';
import type { EndpointResolver } from '../../src/routing/endpoint-resolver';
import { buildShards } from '../../src/queue/shards';
import { shardIndexFor } from '../../src/routing/shard-index';
import type { Consumer } from '../../consumer/consumer';
import { type RedisServerHandle, startRedisServer } from '../../scripts/support/redis-server';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

const SHARDS = 4;
/** Interactive shards 0 and 1 live on node B, everything else on node A. */
const ON_B = new Set(buildShards(SHARDS, 'interactive').filter((s) => s.index < 2).map((s) => s.slot));

/** The first `count` ids `u<n>` whose shard satisfies `where`. */
function idsOnShards(where: (shard: number) => boolean, count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (where(shardIndexFor(`${prefix}${i}`, SHARDS))) ids.push(`${prefix}${i}`);
  return ids;
}

/** A message id whose record lives on node A (interactive shard 2 or 3), so intake never needs B. */
function idOnA(prefix: string): string {
  return idsOnShards((s) => s >= 2, 1, prefix)[0]!;
}

describe('lanes: one frozen Redis node does not stall conversations on the healthy ones (real redis-servers, SIGSTOP)', function () {
  this.timeout(60_000);
  let nodeA: RedisServerHandle;
  let nodeB: RedisServerHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;
  let slowOnB = true;

  before(async () => {
    [nodeA, nodeB] = await Promise.all([startRedisServer(), startRedisServer()]);
    const endpoint = (node: RedisServerHandle): RedisEndpoint => ({ host: node.host, port: node.port });
    const resolver: EndpointResolver = { ownerOf: async (slot) => endpoint(ON_B.has(slot) ? nodeB : nodeA), invalidate: () => undefined };
    // Pushes of B's shards take 800 ms at the proxy: enough to fill every interactive slot at once.
    proxy = await startStandInProxy({
      reply: (push) => ({ status: 200, delayMs: slowOnB && shardIndexFor(String(push.body['recipientId']), SHARDS) < 2 ? 800 : 0 }),
    });
    const env = baseEnv({ REDIS_URL: nodeA.url, QUEUE_SHARDS: String(SHARDS), PUSH_PROXY_URL: proxy.url, CONSUMER_CONCURRENCY: '10' });
    producer = await runProducer(env, resolver);
    consumer = await runConsumer(env, resolver);
  });

  after(async () => {
    if (nodeB?.running) process.kill(nodeB.pid, 'SIGCONT');
    await consumer?.close(1000);
    await producer?.close();
    await proxy?.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  });

  it('delivers DMs on node A while the jobs taken from frozen node B hang on their Redis writes', async () => {
    const post = (messageId: string, recipientIds: string[]) =>
      postJson(`${producer.url}/v1/messages`, { messageId, roomId: 'r', senderId: 's', recipientIds, notification: { body: 'hi' } }, TEST_TOKEN);
    const busy = idsOnShards((s) => s < 2, 60, 'b');
    expect((await post(idOnA('busy'), busy)).status).to.equal(202);
    // All 8 interactive slots (10 minus the bulk minimum of 2) are sending B's pushes.
    await waitFor(() => consumer!.gate.inFlight('interactive') === 8, { timeoutMs: 10_000, description: 'the interactive slots full of B pushes' });
    process.kill(nodeB.pid, 'SIGSTOP');
    const frozenRequests = proxy.requests;

    const dm = idsOnShards((s) => s >= 2, 5, 'dm');
    const dmStart = Date.now();
    expect((await post(idOnA('dm'), dm)).status).to.equal(202);
    const delivered = (): number => proxy.delivered.filter((p) => dm.includes(String(p.body['recipientId']))).length;
    // Before the gate held slots around sends only, jobs hanging on B's marker writes kept every slot: 0 of 5.
    await waitFor(() => delivered() === dm.length, { timeoutMs: 6000, description: () => `the DMs on node A (${delivered()} of ${dm.length})` });
    process.stdout.write(`      DMs on the healthy node delivered ${Date.now() - dmStart} ms after their POST, with B frozen (B requests: ${frozenRequests})\n`);
    slowOnB = false;
    process.kill(nodeB.pid, 'SIGCONT');
    await waitFor(() => proxy.deliveries.size === busy.length + dm.length, { timeoutMs: 20_000, description: 'every push once B is back' });
  });
});
