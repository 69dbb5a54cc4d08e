/**
 * Accept→proxy latency at a steady load: messages are posted on a fixed
 * 50 ms beat (not waiting for answers, as independent chat backends would),
 * sized so pushes flow at the requested rate, while one service consumer
 * runs. Each push's latency runs from the start of its POST (recorded here)
 * to its arrival at the proxy (recorded there, by Idempotency-Key), both on
 * this machine's wall clock.
 */
import type { ApiClient, PostResult } from './api-client';
import { prepareMessage, recipientIds } from './payload';
import type { ProxyHandle } from './proxy';
import { percentile } from './stats';

/** Beat of the posting loop. */
const BEAT_MS = 50;

/** The latency figure. */
export interface LatencyResult {
  targetPps: number;
  /** Pushes per second actually offered (recipients per message × beats per second). */
  offeredPps: number;
  recipientsPerMessage: number;
  messages: number;
  pushes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Posts at `targetPps` for `seconds`, waits for every push, and returns the latency percentiles. */
export async function pacedLatency(api: ApiClient, proxy: ProxyHandle, targetPps: number, seconds: number, tag: string): Promise<LatencyResult> {
  const perMessage = Math.max(1, Math.round((targetPps * BEAT_MS) / 1000));
  const recipients = recipientIds(perMessage);
  const beats = Math.max(1, Math.round((seconds * 1000) / BEAT_MS));
  await proxy.reset(true);
  const posts: Array<Promise<PostResult & { messageId: string }>> = [];
  const start = performance.now();
  for (let i = 0; i < beats; i++) {
    const wait = start + i * BEAT_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const message = prepareMessage(`${tag}b${i}`, recipients);
    posts.push(api.post(message).then((r) => ({ ...r, messageId: message.messageId })));
  }
  const started = new Map((await Promise.all(posts)).map((r) => [r.messageId, r.startedAt]));
  const pushes = beats * perMessage;
  await proxy.waitFor(pushes, 60_000 + seconds * 1000);
  const latencies = toLatencies(await proxy.arrivals(), started);
  return {
    targetPps,
    offeredPps: (perMessage * 1000) / BEAT_MS,
    recipientsPerMessage: perMessage,
    messages: beats,
    pushes: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length > 0 ? latencies.reduce((max, v) => Math.max(max, v), -Infinity) : Number.NaN,
  };
}

function toLatencies(arrivals: Record<string, number[]>, started: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const [messageId, times] of Object.entries(arrivals)) {
    const at = started.get(messageId);
    if (at === undefined) continue; // not one of ours
    for (const t of times) out.push(t - at);
  }
  return out;
}
