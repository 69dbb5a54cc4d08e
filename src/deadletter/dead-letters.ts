/**
 * Listing and replaying dead letters across all shards, for the API and the
 * CLI alike. A replay re-enqueues the original push under its original job
 * id; the consumer's delivery marker makes a replay of a push that has been
 * delivered since send nothing.
 */
import type BeeQueue = require('bee-queue');
import type { JobRetryConfig } from '../config/config';
import { onShard } from '../queue/redis-command';
import { applyRetryPolicy } from '../queue/retry-backoff';
import type { ShardSet } from '../queue/shard-set';
import type { DeadLetter, DeadLetterReason, DeadLetterStore } from './dead-letter-store';

/** Which dead letters to act on; an empty filter means all. */
export interface DeadLetterFilter {
  messageId?: string;
  reason?: DeadLetterReason;
}

/** What listing and replay need. */
export interface DeadLetterDeps {
  shards: ShardSet;
  store: DeadLetterStore;
  retry: JobRetryConfig;
  timeoutMs: number;
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (
    (filter.messageId === undefined || letter.push.messageId === filter.messageId) &&
    (filter.reason === undefined || letter.reason === filter.reason)
  );
}

/** Matching dead letters, newest first, at most `limit`, with the total count. */
export async function listDeadLetters(
  deps: DeadLetterDeps,
  filter: DeadLetterFilter,
  limit: number,
): Promise<{ total: number; items: DeadLetter[] }> {
  const deadline = Date.now() + deps.timeoutMs;
  if (filter.messageId === undefined && filter.reason === undefined) return newestPage(deps, limit, deadline);
  const perShard = await Promise.all(
    deps.shards.queues.map((router) =>
      onShard(router, deadline, async (client) => (await deps.store.list(client, router.shard)).filter((l) => matches(l, filter))),
    ),
  );
  const all = perShard.flat().sort((a, b) => b.failedAt - a.failedAt);
  return { total: all.length, items: all.slice(0, limit) };
}

/**
 * The unfiltered page (what the dashboard polls): each shard's `limit` newest
 * and its count, so a poll costs `limit` reads per shard, not the whole store.
 */
async function newestPage(deps: DeadLetterDeps, limit: number, deadline: number): Promise<{ total: number; items: DeadLetter[] }> {
  const pages = await Promise.all(
    deps.shards.queues.map((router) => onShard(router, deadline, (client) => deps.store.newest(client, router.shard, limit))),
  );
  const items = pages.flatMap((p) => p.letters).sort((a, b) => b.failedAt - a.failedAt);
  return { total: pages.reduce((n, p) => n + p.total, 0), items: items.slice(0, limit) };
}

/** Re-enqueues matching dead letters and removes them from the store; resolves with how many. */
export async function replayDeadLetters(deps: DeadLetterDeps, filter: DeadLetterFilter): Promise<number> {
  const deadline = Date.now() + deps.timeoutMs;
  const counts = await Promise.all(
    deps.shards.queues.map((router) =>
      onShard(router, deadline, async (client, queue) => {
        const letters = (await deps.store.list(client, router.shard)).filter((l) => matches(l, filter));
        const saved = await requeue(queue, letters, deps.retry);
        await deps.store.remove(client, router.shard, saved);
        return saved.length;
      }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Saves one job per letter; returns the ids saved without error. */
async function requeue(queue: BeeQueue, letters: DeadLetter[], retry: JobRetryConfig): Promise<string[]> {
  const jobs = letters.map((letter) => {
    const job = queue.createJob<unknown>(letter.push).setId(letter.jobId);
    applyRetryPolicy(job, retry);
    return job;
  });
  const errors = await queue.saveAll(jobs);
  const [firstError] = errors.values();
  if (firstError) throw firstError;
  return letters.map((l) => l.jobId);
}
