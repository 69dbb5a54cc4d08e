/**
 * Bee-Queue's (2.0.0) job format: the JSON `Job#toData` stores in the jobs
 * hash, and the job options the service sets (retries, backoff, failure
 * history). Built by hand so that intake and dead-letter replay can write
 * jobs in bulk; test/src/bee/bulk-writer.test.ts checks it against
 * Bee-Queue's own `saveAll`.
 */

/** What the service stores in a job's `options.backoff`: Bee-Queue's `{strategy, delay}` plus a cap. */
export interface BackoffOptions {
  strategy: string;
  /** Base delay in ms: the first retry waits about this long. */
  delay: number;
  /** Cap in ms for the exponential part. */
  max: number;
}

/** The retry part of a job's options, as Bee-Queue reads it (`retries`, `backoff`, `stacktraces`). */
export interface RetryJobOptions {
  retries: number;
  backoff: BackoffOptions;
  stacktraces: string[];
}

/**
 * The Bee-Queue JSON of a message's jobs, cut around the recipient (and its
 * index): a job's JSON is `head + JSON.stringify(recipientId) + afterRecipient`,
 * or with an index `… + afterRecipient + String(index) + afterIndex`.
 * Everything but the recipient and index is serialised once per message, so
 * the bulk writer can have Redis assemble each job from these parts.
 */
export interface JobJsonTemplate {
  head: string;
  afterRecipient: string;
  /** Undefined for jobs without an index (then `afterRecipient` ends the JSON). */
  afterIndex: string | undefined;
}

/** Cuts the JSON of a job with `data` (plus recipientId, and index if `indexed`) and `options` into a {@link JobJsonTemplate}. */
export function jobJsonTemplate(data: Record<string, unknown>, options: Record<string, unknown>, indexed: boolean): JobJsonTemplate {
  // A marker that cannot occur in JSON text produced from real data: it is
  // unique per call, and the \u0001 is escaped by JSON.stringify.
  const marker = `\u0001${Math.random().toString(36).slice(2)}\u0001`;
  const quoted = JSON.stringify(marker);
  if (!indexed) {
    const [head, afterRecipient] = jobJson({ ...data, recipientId: marker }, options).split(quoted) as [string, string];
    return { head, afterRecipient, afterIndex: undefined };
  }
  const [head, afterRecipient, afterIndex] = jobJson({ ...data, recipientId: marker, index: marker }, options).split(quoted) as [string, string, string];
  return { head, afterRecipient, afterIndex };
}

/**
 * Returns a function that builds the Bee-Queue JSON of one job per
 * recipient. Everything but the recipient (and its `index`, if given) is
 * serialised once per message; both are spliced in, so a 100k-recipient
 * message costs one JSON.stringify of the template, not 100k. With an index,
 * the data ends `…,"recipientId":…,"index":N}`; without, `…,"recipientId":…}`
 * exactly as before.
 */
export function jobJsonFactory(data: Record<string, unknown>, options: Record<string, unknown>): (recipientId: string, index?: number) => string {
  const plain = jobJsonTemplate(data, options, false);
  const withIndex = jobJsonTemplate(data, options, true);
  return (recipientId, index) => {
    if (index === undefined) return plain.head + JSON.stringify(recipientId) + plain.afterRecipient;
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`push index must be a whole number >= 0, got ${index}`);
    return withIndex.head + JSON.stringify(recipientId) + withIndex.afterRecipient + String(index) + (withIndex.afterIndex ?? '');
  };
}

/** The Bee-Queue JSON of one new job, as `Job#toData` writes it. */
export function jobJson(data: unknown, options: Record<string, unknown>): string {
  return JSON.stringify({ data, options, status: 'created', progress: 0 });
}

/**
 * How long the job in `json` has been due at `now`: since it was created
 * (`options.timestamp`, set by Bee-Queue), or since its data's `sendAt`. A
 * retried job counts from when it was first due, so the figure errs towards
 * more lag, never less.
 */
export function waitingAgeMs(json: unknown, now: number): number {
  if (typeof json !== 'string') return 0;
  try {
    const job = JSON.parse(json) as { options?: { timestamp?: unknown }; data?: { sendAt?: unknown } };
    const created = Number(job.options?.timestamp ?? now);
    const due = Math.max(created, Number(job.data?.sendAt ?? 0));
    return Number.isFinite(due) ? Math.max(0, now - due) : 0;
  } catch {
    return 0;
  }
}
