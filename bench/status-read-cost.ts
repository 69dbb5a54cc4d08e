/**
 * What one status read (GET /v1/messages/:id) costs per shard read, side by side: the counters
 * read of versions before issue 14 part 5 (an HMGET of a counters hash per shard) against the
 * markers read (read-outcomes.lua per shard, slots counted in Node), interleaved on a
 * redis-server of its own, for one message of 100,000 pushes (or `one`: a 1:1 message) on 16
 * shards. Redis CPU from INFO commandstats, Node CPU from process.cpuUsage. Not part of
 * `npm run bench`: run `node dist/bench/status-read-cost.js [one]` after a build.
 */
import fs from 'node:fs';
import type { RedisClient } from 'redis';
import { startRedisServer } from '../scripts/support/redis-server';
import { DeliveryMarkers, type Outcome } from '../src/delivery/delivery-markers';
import { groupByShard } from '../src/message/expand';
import { QueueKeys } from '../src/queue/queue-keys';
import { buildShards, type Shard } from '../src/queue/shards';
import { sendCommand } from '../src/redis/send-command';
import { connectRedis, quit } from './redis-client';

const READS = 300;
const OUTCOMES: readonly Outcome[] = ['delivered', 'delivered', 'delivered', 'failed', 'expired', 'collapsed'];

/** Records every push of message `m` as the service would, and a counters hash per shard as the previous version kept. */
async function seed(c: RedisClient, markers: DeliveryMarkers, keys: QueueKeys, shards: Shard[], pushes: number): Promise<void> {
  const groups = groupByShard(Array.from({ length: pushes }, (_, i) => `user-${i}`), shards.length);
  const recordExpiresAt = Date.now() + 3_600_000;
  for (const [s, group] of groups.entries()) {
    const shard = shards[s] as Shard;
    for (let start = 0; start < group.length; start += 1000) {
      const batch = group.slice(start, start + 1000);
      await Promise.all(batch.map((recipientId, j) => markers.record(c, shard, { messageId: 'm', recipientId, epoch: 'e1', recordExpiresAt, index: start + j }, OUTCOMES[(start + j) % 6] as Outcome)));
    }
    await sendCommand(c, 'HSET', [keys.statsKey(shard, 'm', 'e1'), 'd', 1, 'f', 1, 'e', 1, 'c', 1]);
  }
}

/** Microseconds Redis spent in `command` so far. */
async function redisUsec(c: RedisClient, command: string): Promise<number> {
  const info = String(await sendCommand(c, 'INFO', ['commandstats']));
  return Number(new RegExp(`cmdstat_${command}:calls=\\d+,usec=(\\d+)`).exec(info)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const pushes = process.argv[2] === 'one' ? 1 : 100_000;
  const server = await startRedisServer();
  const c = await connectRedis(server.host, server.port);
  try {
    const keys = new QueueKeys('sr');
    const markers = new DeliveryMarkers(keys, 60);
    const shards = buildShards(16);
    await seed(c, markers, keys, shards, pushes);
    const reads = [
      { name: 'counters (16 HMGET)', command: 'hmget', read: () => Promise.all(shards.map((s) => sendCommand(c, 'HMGET', [keys.statsKey(s, 'm', 'e1'), 'd', 'f', 'e', 'c']))) },
      { name: 'markers (16 read-outcomes + count)', command: 'evalsha', read: () => Promise.all(shards.map((s) => markers.counts(c, s, 'm', 'e1'))) },
    ].map((r) => ({ ...r, wall: [] as number[], node: 0, redis: 0 }));
    for (let i = 0; i < READS; i++) {
      for (const f of i % 2 ? reads : [...reads].reverse()) {
        const [usec, cpu, start] = [await redisUsec(c, f.command), process.cpuUsage(), performance.now()];
        await f.read();
        f.wall.push((performance.now() - start) * 1000);
        const used = process.cpuUsage(cpu);
        f.node += used.user + used.system;
        f.redis += (await redisUsec(c, f.command)) - usec;
      }
    }
    const load = fs.readFileSync('/proc/loadavg', 'utf8').trim();
    process.stdout.write(`${pushes} push(es) on 16 shards, ${READS} status reads each, interleaved; load ${load}\n`);
    for (const f of reads) {
      const wall = f.wall.sort((a, b) => a - b);
      const median = wall[wall.length >> 1] ?? Number.NaN;
      process.stdout.write(`${f.name}: wall median ${median.toFixed(0)} us; Node CPU ${(f.node / READS).toFixed(0)} us; Redis CPU ${(f.redis / READS).toFixed(0)} us per status read\n`);
    }
  } finally {
    await quit(c);
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
