/**
 * Redis memory per push (issue 14): what a backlog costs while queued, and what its pushes leave
 * behind once delivered (for IDEMPOTENCY_TTL_SECONDS): the used_memory delta over an empty
 * (flushed) server, and MEMORY USAGE summed over the outcome keys (markers and counters).
 */
import type { RedisClient } from 'redis';
import { waitFor } from '../src/core/wait-for';
import { sendCommand } from '../src/redis/send-command';

/** Bytes per push, measured on one drain. */
export interface MemoryPerPush {
  /** used_memory with the backlog queued and no consumer, minus used_memory after the flush. */
  queuedBytes: number;
  /** used_memory after the drain (every job gone), minus used_memory after the flush. */
  retainedBytes: number;
  /** MEMORY USAGE of every marker (`out:`, `outb:`) and counter (`stat:`) key after the drain. */
  outcomeKeyBytes: number;
  /** MEMORY USAGE of every key under the prefix after the drain: what of `retainedBytes` is keys at all. */
  allKeyBytes: number;
  /** Per 1:1 message of a drain of {@link SMALL_MESSAGES} of them: MEMORY USAGE of every key under the prefix. */
  smallMessageKeyBytes?: number;
  /** Per 1:1 message: MEMORY USAGE of its outcome keys (markers and counters). */
  smallMessageOutcomeKeyBytes?: number;
}

/** 1:1 messages (the commonest chat message) posted for the small-message figure. */
export const SMALL_MESSAGES = 1000;

/**
 * The server's used_memory without its clients' buffers (mem_clients_normal and _slaves). That is
 * not all a connection costs (an idle node-redis connection holds ~37 KB of used_memory, mostly
 * outside mem_clients_normal, on Redis 7.0), so readings to compare are taken with the same
 * connections open: see {@link connectedClients}. The slow log is emptied first: it keeps up to 128 slow commands with up to 32 arguments of up
 * to 128 bytes each (the intake's bulk writes fill it, ~0.7 MB), bounded, and no push's state.
 */
export async function usedMemory(client: RedisClient): Promise<number> {
  await sendCommand(client, 'SLOWLOG', ['RESET']);
  const info = String(await sendCommand(client, 'INFO', ['memory']));
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_memory') - field('mem_clients_normal') - field('mem_clients_slaves');
}

/** How many clients the server has. */
export async function connectedClients(client: RedisClient): Promise<number> {
  const info = String(await sendCommand(client, 'INFO', ['clients']));
  return Number(/^connected_clients:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

/** Every key under `prefix` whose name matches `pattern` (SCAN, so a running server is not blocked). */
async function keysOf(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, names] = (await sendCommand(client, 'SCAN', [cursor, 'MATCH', pattern, 'COUNT', 10_000])) as [string, string[]];
    found.push(...names);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** MEMORY USAGE summed over the keys matching each of `patterns`. */
export async function keyBytes(client: RedisClient, patterns: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const pattern of patterns) {
    for (const key of await keysOf(client, pattern)) bytes += Number((await sendCommand(client, 'MEMORY', ['USAGE', key, 'SAMPLES', 0])) ?? 0);
  }
  return bytes;
}

/** Bytes of the outcome keys (markers and counters) under `prefix`. */
export function outcomeKeyBytes(client: RedisClient, prefix: string): Promise<number> {
  return keyBytes(client, ['out', 'outb', 'stat'].map((kind) => `${prefix}:*:${kind}:*`));
}

/** Resolves once no Bee-Queue jobs hash under `prefix` holds a job: every push has finished (marker written). */
export async function jobsGone(client: RedisClient, prefix: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      for (const key of await keysOf(client, `${prefix}:*:jobs`)) if (Number(await sendCommand(client, 'HLEN', [key])) > 0) return false;
      return true;
    },
    { timeoutMs, description: 'every job to leave Redis after the drain' },
  );
}
