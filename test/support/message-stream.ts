/**
 * A steady stream of chat messages posted to the API while something breaks,
 * and the accounting afterwards: which pushes the API accepted (202), and
 * whether the proxy received each one, how many times.
 */
import { delay } from '../../src/core/wait-for';
import type { StandInProxy } from '../../scripts/support/stand-in-proxy';
import { postJson } from './http';

/** How often one message is tried before the stream moves on without it. */
const MAX_POST_ATTEMPTS = 20;

/** What a stream saw. */
export interface StreamResult {
  /** Every push in a message answered 202, as `<messageId>:<recipientId>` (see {@link pushOf}). */
  accepted: Set<string>;
  /** How many responses of each status (0: no answer). */
  statuses: Map<number, number>;
  /** Time of each 202, for recovery measurements. */
  acceptedAt: number[];
  messages: number;
}

/** Options for {@link startStream}. */
export interface StreamOptions {
  url: string;
  token: string;
  recipients: number;
  /** Pause between posts: pacing, so the stream is steady rather than a burst. */
  pauseMs: number;
  /** Distinguishes the message ids of several streams against one queue. */
  tag: string;
  /** Every n-th message asks for the bulk lane, so both lanes' shards carry the stream (0: none). */
  bulkEvery?: number;
}

/** A running stream. */
export interface MessageStream {
  /** What the stream has seen so far (live). */
  progress(): StreamResult;
  stop(): Promise<StreamResult>;
}

/**
 * Posts messages one after another until stopped. Like a chat backend, it
 * retries a message that was not accepted (503, no answer) with the same
 * messageId, so an intake that failed midway is completed, not abandoned.
 */
export function startStream(options: StreamOptions): MessageStream {
  const result: StreamResult = { accepted: new Set(), statuses: new Map(), acceptedAt: [], messages: 0 };
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const messageId = `${options.tag}-${i}`;
      const recipientIds = Array.from({ length: options.recipients }, (_, r) => `${options.tag}-u${i}-${r}`);
      const bulk = options.bulkEvery !== undefined && options.bulkEvery > 0 && i % options.bulkEvery === 0;
      const body = { messageId, roomId: 'room', senderId: 'sender', recipientIds, notification: { body: `n${i}` }, ...(bulk ? { lane: 'bulk' } : {}) };
      result.messages += 1;
      for (let attempt = 0; attempt < MAX_POST_ATTEMPTS; attempt++) {
        const status = await postJson(`${options.url}/v1/messages`, body, options.token).then(
          (res) => res.status,
          () => 0,
        );
        result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
        if (status === 202 || status === 200) {
          for (const r of recipientIds) result.accepted.add(`${messageId}:${r}`);
          result.acceptedAt.push(Date.now());
          break;
        }
        await delay(options.pauseMs);
      }
      await delay(options.pauseMs);
    }
  })();
  return {
    progress: () => result,
    async stop() {
      stopped = true;
      await loop;
      return result;
    },
  };
}

/**
 * `<messageId>:<recipientId>` of a push key or job id (`<messageId>:<epoch>:<recipientId>`):
 * what the stream knows a push by, since it never learns the epoch. Stream recipient ids have no `:`.
 */
export function pushOf(idempotencyKey: string): string {
  return idempotencyKey.replace(/^([^:]+):[^:]+:/, '$1:');
}

/** The proxy's deliveries counted per push (see {@link pushOf}). */
export function deliveriesByPush(deliveries: ReadonlyMap<string, number>): Map<string, number> {
  const byPush = new Map<string, number>();
  for (const [key, n] of deliveries) byPush.set(pushOf(key), (byPush.get(pushOf(key)) ?? 0) + n);
  return byPush;
}

/** Delivery accounting of a stream against the proxy. */
export interface DeliveryReport {
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

/** Compares what the API accepted with what the proxy received. */
export function deliveryReport(result: StreamResult, proxy: StandInProxy): DeliveryReport {
  let delivered = 0;
  let duplicates = 0;
  const byPush = deliveriesByPush(proxy.deliveries);
  for (const key of result.accepted) {
    const count = byPush.get(key) ?? 0;
    if (count > 0) delivered += 1;
    if (count > 1) duplicates += count - 1;
  }
  return { accepted: result.accepted.size, delivered, lost: result.accepted.size - delivered, duplicates };
}

/**
 * How long intake was down after `since`: the longest gap between
 * consecutive accepted messages from the last one before `since` on. (A
 * request that was already in flight may still be answered just after
 * `since`; the stall comes after it.)
 */
export function intakeOutage(result: StreamResult, since: number): number {
  const times = [result.acceptedAt.filter((t) => t <= since).pop() ?? since, ...result.acceptedAt.filter((t) => t > since)];
  if (times.length < 2) return Number.POSITIVE_INFINITY;
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}
