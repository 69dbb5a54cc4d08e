/**
 * Direct Redis access for assertions: what is really in the queues, read with
 * a plain client rather than through the code under test.
 */
import { createClient, type RedisClient } from 'redis';
import type { DeadLetter } from '../../src/deadletter/dead-letter-store';
import type { Lane } from '../../src/queue/lane';
import { QueueKeys } from '../../src/queue/queue-keys';
import { sendCommand } from '../../src/redis/send-command';
import { allShards, buildShards } from '../../src/queue/shards';
import { SHARED_REDIS_URL } from './env';

/** Runs `fn` with a connected client to `url`, then quits it. */
export async function withRedis<T>(url: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = createClient({ url });
  try {
    return await fn(client);
  } finally {
    await new Promise<void>((resolve) => client.quit(() => resolve()));
  }
}

/** Sends one command and returns its reply. */
export function call<T>(client: RedisClient, command: string, ...args: (string | number)[]): Promise<T> {
  return sendCommand(client, command, args) as Promise<T>;
}

/** Counts of one Bee-Queue structure summed over every shard (of one lane, if given). */
export async function countJobs(
  url: string,
  prefix: string,
  shardCount: number,
  lane?: Lane,
): Promise<{ waiting: number; jobs: number; failed: number; delayed: number; active: number }> {
  const keys = new QueueKeys(prefix);
  return withRedis(url, async (client) => {
    const totals = { waiting: 0, jobs: 0, failed: 0, delayed: 0, active: 0 };
    for (const shard of lane ? buildShards(shardCount, lane) : allShards(shardCount)) {
      totals.waiting += await call<number>(client, 'LLEN', keys.beeKey(shard, 'waiting'));
      totals.active += await call<number>(client, 'LLEN', keys.beeKey(shard, 'active'));
      totals.jobs += await call<number>(client, 'HLEN', keys.beeKey(shard, 'jobs'));
      totals.failed += await call<number>(client, 'SCARD', keys.beeKey(shard, 'failed'));
      totals.delayed += await call<number>(client, 'ZCARD', keys.beeKey(shard, 'delayed'));
    }
    return totals;
  });
}

/** Deletes every key under `prefix` (SCAN, so it is safe on a shared server). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  await withRedis(url, async (client) => {
    let cursor = '0';
    do {
      const [next, found] = await call<[string, string[]]>(client, 'SCAN', cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (found.length > 0) await call(client, 'DEL', ...found);
      cursor = next;
    } while (cursor !== '0');
  });
}

/** Every dead letter under `env`'s prefix, read straight from Redis. */
export async function deadLetters(env: Record<string, string>): Promise<DeadLetter[]> {
  const keys = new QueueKeys(env['QUEUE_PREFIX']!);
  return withRedis(env['REDIS_URL'] ?? SHARED_REDIS_URL, async (client) => {
    const all: DeadLetter[] = [];
    for (const shard of allShards(Number(env['QUEUE_SHARDS'] ?? 16))) {
      const values = await call<Record<string, string> | null>(client, 'HGETALL', keys.deadLetterDataKey(shard));
      for (const v of Object.values(values ?? {})) all.push(JSON.parse(v) as DeadLetter);
    }
    return all;
  });
}

/** Connects a client to `url` (errors are the test's to observe through replies) and resolves once it is ready. */
export async function connectClient(url: string): Promise<RedisClient> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

/** Quits `client`, resolving once it has. */
export function quitClient(client: RedisClient): Promise<void> {
  return new Promise((resolve) => client.quit(() => resolve()));
}
