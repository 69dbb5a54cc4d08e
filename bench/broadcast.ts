/**
 * Scenario 4, latency under broadcast (issue 10). On the standalone Redis,
 * with one producer and ONE service consumer per service configuration and
 * the stand-in proxy answering at once:
 *
 * 1. alone: a 100,000-recipient broadcast is posted and drained; its rate
 *    runs from its first to its last push at the proxy;
 * 2. mixed: another 100,000-recipient broadcast is posted and, from just
 *    after its POST starts until it has drained, 20 small messages per
 *    second (2–50 recipients, seeded sizes) are posted beside it. Each
 *    interactive push's latency runs from its message's POST start (here)
 *    to its arrival at the proxy (there), on this machine's wall clock.
 *
 * The proxy tells the two kinds apart by message id prefix: it keeps the
 * arrival time of every interactive push and only a count with first and
 * last arrival of the broadcast's. Both configurations run in every run,
 * their order alternating, so their figures are side by side.
 */
import { enqueueBacklog } from './backlog';
import { type Offered, offerInteractive, type TrafficPlan } from './interactive-traffic';
import { type Rate, windowRate } from './broadcast-figures';
import type { DeliveryContext } from './delivery';
import { drainTimeoutMs } from './drain';
import { type Spread, spreadOf, toLatencies } from './latency';
import { prepareMessage, recipientIds } from './payload';
import { ratio } from './stats';
import { serviceSubject } from './subjects';
import { waitFor } from '../src/core/wait-for';

/** Recipients of each broadcast (the producer's MAX_RECIPIENTS default). */
export const BROADCAST_RECIPIENTS = 100_000;
/** Message ids of interactive messages start with this; the broadcasts' never do. */
const INTERACTIVE_PREFIX = 'ia';

/** The interactive traffic of the mixed phase, as issue 10 suggests it (the seed is the run's). */
export function trafficPlan(seed: number): TrafficPlan {
  return { seed, messagesPerSecond: 20, minRecipients: 2, maxRecipients: 50, maxSeconds: 120 };
}

/**
 * The configurations compared. BULK_MIN_RECIPIENTS above any room keeps
 * every push in one lane, today's behaviour; code without lanes ignores the
 * variable, so there both rows show today's behaviour (the "before" figures).
 */
export const BROADCAST_CONFIGS: ReadonlyArray<{ label: string; prefix: string; env: Readonly<Record<string, string>> }> = [
  { label: 'single lane (as before)', prefix: 'bbsingle', env: { BULK_MIN_RECIPIENTS: '1000000' } },
  { label: 'lanes', prefix: 'bblanes', env: {} },
];

/** One service configuration: its own producer (with its env) and queue prefix. */
export interface BroadcastService {
  label: string;
  ctx: DeliveryContext;
}

/** What the scenario needs. */
export interface BroadcastContext {
  services: BroadcastService[];
  seed: number;
}

/** One configuration's figures in one run. */
export interface BroadcastRow extends Spread {
  label: string;
  alone: Rate;
  mixed: Rate;
  mixedVsAlone: number;
  interactive: { messages: number; pushes: number; offeredSeconds: number; latencySamples: number };
}

/** Everything the scenario measured in one run. */
export interface BroadcastRun {
  seed: number;
  rows: BroadcastRow[];
}

/** Runs both configurations (order alternating by run); rows come back in the configured order. */
export async function runBroadcast(ctx: BroadcastContext, run: number): Promise<BroadcastRun> {
  const order = run % 2 === 0 ? [...ctx.services].reverse() : ctx.services;
  const rows = new Map<string, BroadcastRow>();
  for (const service of order) rows.set(service.label, await runService(service, run, ctx.seed));
  return { seed: ctx.seed, rows: ctx.services.map((s) => rows.get(s.label)).filter((r) => r !== undefined) };
}

/** Spawns one consumer, warms it up, runs both phases, and stops it. */
async function runService({ label, ctx }: BroadcastService, run: number, seed: number): Promise<BroadcastRow> {
  await ctx.flush();
  const subject = serviceSubject(ctx, `broadcast ${label}`);
  await subject.spawn();
  // A consumer that dies fails the run at once instead of at a timeout.
  const death = subject.died().then((why) => Promise.reject(new Error(`${label}: ${why}`)));
  death.catch(() => undefined);
  // Ends the interactive offering if the run is abandoned (the consumer died) while it goes on.
  let over = false;
  try {
    return await Promise.race([phases(ctx, { label, run, seed, over: () => over }), death]);
  } finally {
    over = true;
    await subject.stop();
    await ctx.flush();
  }
}

/** Which run of which configuration, and whether it has been abandoned. */
interface RunInfo {
  label: string;
  run: number;
  seed: number;
  over: () => boolean;
}

async function phases(ctx: DeliveryContext, { label, run, seed, over }: RunInfo): Promise<BroadcastRow> {
  // Connected and delivering before anything is timed.
  await enqueueBacklog(ctx.producer.api, 2, `bw${run}`);
  await ctx.proxy.waitFor(2, 60_000);
  const alone = await alonePhase(ctx, run);
  const { mixed, offered, latencies } = await mixedPhase(ctx, run, seed, over);
  return {
    label,
    alone,
    mixed,
    mixedVsAlone: ratio(mixed.pps, alone.pps),
    ...spreadOf(latencies),
    interactive: { messages: offered.messages, pushes: offered.pushes, offeredSeconds: offered.seconds, latencySamples: latencies.length },
  };
}

/** The broadcast alone: first to last push at the proxy. */
async function alonePhase(ctx: DeliveryContext, run: number): Promise<Rate> {
  await ctx.proxy.reset(INTERACTIVE_PREFIX);
  await postBroadcast(ctx, `bc${run}a`);
  await ctx.proxy.waitFor(BROADCAST_RECIPIENTS, drainTimeoutMs(BROADCAST_RECIPIENTS));
  const span = await ctx.proxy.others();
  await ctx.proxy.arrivals(); // ends the recording
  return windowRate(span, []);
}

/** Posts one broadcast of BROADCAST_RECIPIENTS; rejects unless all were accepted. */
async function postBroadcast(ctx: DeliveryContext, messageId: string): Promise<void> {
  const { accepted } = await ctx.producer.api.post(prepareMessage(messageId, recipientIds(BROADCAST_RECIPIENTS)));
  if (accepted !== BROADCAST_RECIPIENTS) throw new Error(`broadcast ${messageId}: accepted ${accepted} of ${BROADCAST_RECIPIENTS}`);
}

/** The broadcast with interactive traffic beside it, offered until the broadcast has drained. */
async function mixedPhase(ctx: DeliveryContext, run: number, seed: number, over: () => boolean): Promise<{ mixed: Rate; offered: Offered; latencies: number[] }> {
  await ctx.proxy.reset(INTERACTIVE_PREFIX);
  let failed = false;
  const broadcast = postBroadcast(ctx, `bc${run}m`);
  broadcast.catch(() => void (failed = true)); // awaited below; stops the offering at once
  const drain = watchDrain(ctx);
  const stop = (): boolean => failed || over() || drain.drained();
  const offered = await offerInteractive(ctx.producer.api, trafficPlan(seed), `${INTERACTIVE_PREFIX}${run}n`, stop).finally(drain.stop);
  await broadcast;
  const total = BROADCAST_RECIPIENTS + offered.pushes;
  await ctx.proxy.waitFor(total, drainTimeoutMs(total));
  const span = await ctx.proxy.others();
  const arrivals = await ctx.proxy.arrivals();
  const started = new Map([...offered.answers].map(([messageId, r]) => [messageId, r.startedAt]));
  const latencies = toLatencies(arrivals, started);
  return { mixed: windowRate(span, Object.values(arrivals).flat()), offered, latencies };
}

/** Polls the proxy (every 100 ms) until the broadcast's pushes have all arrived, or until stopped. */
function watchDrain(ctx: DeliveryContext): { drained: () => boolean; stop: () => void } {
  let drained = false;
  let stopped = false;
  const timeoutMs = drainTimeoutMs(BROADCAST_RECIPIENTS);
  void waitFor(async () => stopped || (drained = (await ctx.proxy.others()).count >= BROADCAST_RECIPIENTS), {
    timeoutMs,
    intervalMs: 100,
    description: 'the broadcast to drain',
  }).catch(() => undefined); // the traffic's own cap ends the offering then
  return { drained: () => drained, stop: () => void (stopped = true) };
}
