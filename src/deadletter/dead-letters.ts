/**
 * Listing and replaying dead letters across all shards, for the API and the
 * CLI alike. A replay re-enqueues the original push under its original job
 * id; the consumer's delivery marker makes a replay of a push that has been
 * delivered since send nothing. Both read each shard's store a page at a
 * time, so memory is bounded by the page size (and the list's limit), not by
 * how many letters are stored.
 */
import type { JobRetryConfig } from '../config/config';
import { jobJson } from '../bee/job-json';
import { onShard } from '../routing/on-shard';
import { retryOptions } from '../retry/retry-policy';
import type { ShardQueue } from '../routing/shard-queue';
import type { ShardSet } from '../routing/shard-set';
import type { DeadLetter, DeadLetterReason, DeadLetterStore, StoredLetter } from './dead-letter-store';

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

/** What a replay did. */
export interface ReplayResult {
  /** Letters re-enqueued and removed. */
  replayed: number;
  /** Letters kept because a job with their id is still queued or running. */
  skipped: number;
  /** The first {@link MAX_REPORTED_SKIPS} of those job ids. */
  skippedJobIds: string[];
}

/** Letters read per Redis call (HSCAN COUNT, and one replay script per page). */
const PAGE_SIZE = 200;
/** Skipped job ids named in a replay's result; the rest are only counted. */
const MAX_REPORTED_SKIPS = 100;

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (
    (filter.messageId === undefined || letter.push.messageId === filter.messageId) &&
    (filter.reason === undefined || letter.reason === filter.reason)
  );
}

/**
 * Calls `visit` with each page of the shard's letters matching `filter`. Each
 * page is read in its own call, so a re-route repeats one page, not the scan.
 */
async function eachPage(deps: DeadLetterDeps, router: ShardQueue, filter: DeadLetterFilter, deadline: number, visit: (page: StoredLetter[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const page = await onShard(router, deadline, (client) => deps.store.page(client, router.shard, cursor, PAGE_SIZE));
    await visit(page.letters.filter((l) => matches(l.letter, filter)));
    cursor = page.cursor;
  } while (cursor !== '0');
}

/** Matching dead letters, newest first, at most `limit`, with the total count. */
export async function listDeadLetters(
  deps: DeadLetterDeps,
  filter: DeadLetterFilter,
  limit: number,
): Promise<{ total: number; items: DeadLetter[] }> {
  const deadline = Date.now() + deps.timeoutMs;
  if (filter.messageId === undefined && filter.reason === undefined) return newestPage(deps, limit, deadline);
  const perShard = await Promise.all(deps.shards.queues.map((router) => newestMatches(deps, router, filter, limit, deadline)));
  const items = newest(perShard.flatMap((s) => s.items), limit);
  return { total: perShard.reduce((n, s) => n + s.total, 0), items };
}

/** One shard's `limit` newest matches and its count of matches, holding at most a page plus 2 × `limit` letters. */
async function newestMatches(deps: DeadLetterDeps, router: ShardQueue, filter: DeadLetterFilter, limit: number, deadline: number): Promise<{ total: number; items: DeadLetter[] }> {
  let total = 0;
  let items: DeadLetter[] = [];
  await eachPage(deps, router, filter, deadline, async (page) => {
    total += page.length;
    items.push(...page.map((l) => l.letter));
    if (items.length > 2 * limit) items = newest(items, limit);
  });
  return { total, items: newest(items, limit) };
}

/** The `limit` newest of `letters`, each job id once (a scan may return a letter twice). */
function newest(letters: DeadLetter[], limit: number): DeadLetter[] {
  const unique = [...new Map(letters.map((l) => [l.jobId, l])).values()];
  return unique.sort((a, b) => b.failedAt - a.failedAt).slice(0, limit);
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

/**
 * Re-enqueues matching dead letters, a page at a time. A letter is removed
 * in the same atomic step that re-enqueues it, and only if it is unchanged
 * since it was read, so a letter written while the replay runs (the push
 * failed again) stays. One whose job id is still queued is kept and reported.
 */
export async function replayDeadLetters(deps: DeadLetterDeps, filter: DeadLetterFilter): Promise<ReplayResult> {
  const deadline = Date.now() + deps.timeoutMs;
  const result: ReplayResult = { replayed: 0, skipped: 0, skippedJobIds: [] };
  await Promise.all(
    deps.shards.queues.map((router) =>
      eachPage(deps, router, filter, deadline, async (page) => {
        const jobs = page.map((stored) => ({ stored, jobJson: jobJson(stored.letter.push, { ...retryOptions(deps.retry), timestamp: Date.now() }) }));
        const done = await onShard(router, deadline, (client) => deps.store.replay(client, router.shard, jobs));
        result.replayed += done.replayed.length;
        result.skipped += done.skipped.length;
        result.skippedJobIds.push(...done.skipped.slice(0, MAX_REPORTED_SKIPS - result.skippedJobIds.length));
      }),
    ),
  );
  return result;
}
