/**
 * Accept→proxy latency at a steady load: messages are posted on a fixed
 * 50 ms beat (not waiting for answers, as independent chat backends would),
 * sized so pushes flow at the requested rate, while one service consumer
 * runs. Each push's latency runs from the start of its POST (recorded here)
 * to its arrival at the proxy (recorded there, by Idempotency-Key), both on
 * this machine's wall clock.
 */
import type { ApiClient, PostResult } from './api-client';
import { type PreparedMessage, prepareMessage, recipientIds } from './payload';
import type { ProxyHandle } from './proxy';
import { percentile } from './stats';

/** Beat of the posting loop. */
const BEAT_MS = 50;

/** The latency figure. */
export interface LatencyResult extends Spread {
  targetPps: number;
  /** Pushes per second actually offered (recipients per message × beats per second). */
  offeredPps: number;
  recipientsPerMessage: number;
  messages: number;
  pushes: number;
}

/** p50, p99 and max of latency samples (NaN when there are none). */
export interface Spread {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The {@link Spread} of `latencies`. */
export function spreadOf(latencies: readonly number[]): Spread {
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length > 0 ? latencies.reduce((max, v) => Math.max(max, v), -Infinity) : Number.NaN,
  };
}

/**
 * Posts the message `next(i)` returns every `beatMs` (i = 0, 1, …), without
 * waiting for answers, until it returns undefined; then waits for every
 * answer and resolves with each one by message id. The first failed POST
 * fails the whole series (after all have settled, so none is left unhandled).
 */
export async function postPaced(api: ApiClient, beatMs: number, next: (i: number) => PreparedMessage | undefined): Promise<Map<string, PostResult>> {
  const posts: Array<Promise<void>> = [];
  const answers = new Map<string, PostResult>();
  let failure: unknown;
  const start = performance.now();
  for (let i = 0; ; i++) {
    const message = next(i);
    if (!message) break;
    const wait = start + i * beatMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    posts.push(api.post(message).then((r) => void answers.set(message.messageId, r), (err: unknown) => void (failure ??= err)));
  }
  await Promise.all(posts);
  if (failure !== undefined) throw failure;
  return answers;
}

/** Posts at `targetPps` for `seconds`, waits for every push, and returns the latency percentiles. */
export async function pacedLatency(api: ApiClient, proxy: ProxyHandle, targetPps: number, seconds: number, tag: string): Promise<LatencyResult> {
  const perMessage = Math.max(1, Math.round((targetPps * BEAT_MS) / 1000));
  const recipients = recipientIds(perMessage);
  const beats = Math.max(1, Math.round((seconds * 1000) / BEAT_MS));
  await proxy.reset(true);
  const answers = await postPaced(api, BEAT_MS, (i) => (i < beats ? prepareMessage(`${tag}b${i}`, recipients) : undefined));
  const started = new Map([...answers].map(([messageId, r]) => [messageId, r.startedAt]));
  const pushes = beats * perMessage;
  await proxy.waitFor(pushes, 60_000 + seconds * 1000);
  const latencies = toLatencies(await proxy.arrivals(), started);
  return {
    targetPps,
    offeredPps: (perMessage * 1000) / BEAT_MS,
    recipientsPerMessage: perMessage,
    messages: beats,
    pushes: latencies.length,
    ...spreadOf(latencies),
  };
}

/** Each push's latency: its arrival time minus its message's POST start; arrivals of messages not in `started` are left out. */
export function toLatencies(arrivals: Record<string, number[]>, started: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const [messageId, times] of Object.entries(arrivals)) {
    const at = started.get(messageId);
    if (at === undefined) continue; // not one of ours
    for (const t of times) out.push(t - at);
  }
  return out;
}
