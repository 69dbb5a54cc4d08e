/**
 * Scenario 5, busy rooms (issue 13, collapse). A 50-member room receives 20
 * messages in 2 s (one every 100 ms, the sender rotating among members, each
 * to the room minus its sender: 980 pushes), all with the room's collapseKey,
 * or with none (the control: today's behaviour).
 *
 * A. stopped consumer: the burst waits in Redis; then one consumer starts and
 *    runs until every message's status has pending 0. Upstream requests
 *    (today 980; target with collapse ≤ 49), and per recipient whether its last
 *    push is its newest message, and pushes older than one it already had.
 * B. running burst: the same burst with one consumer already running, in
 *    three modes (collapse, collapse with COLLAPSE_HOLD_MS=250, no key):
 *    upstream requests per message, and POST start → arrival latency of the
 *    pushes that were sent.
 * C. sustained stream against a capped proxy: ./busy-room-sustained.ts.
 *
 * Each run uses its own proxy process and its own producers (one with
 * COLLAPSE_HOLD_MS=0, one with 250), on the bench's standalone Redis.
 */
import { checkOrder, collapsedTotal, type OrderCheck, pushLatencies } from './busy-room-figures';
import { burstPlan, offeredPushes, type RoomMessage, roomMembers } from './busy-room-plan';
import { type SustainedRun, runSustained } from './busy-room-sustained';
import { type BusyRoomContext, type BusyService, busyMessage, postInOrder, type SettledCounts, waitSettled, warmUp, withConsumer } from './busy-room-steps';
import os from 'node:os';
import { type Spread, spreadOf } from './latency';

/** Members of the busy room, messages of the burst, and their spacing. */
export const ROOM_SIZE = 50;
export const BURST_MESSAGES = 20;
const BURST_BEAT_MS = 100;
/** Long enough for 980 pushes on a slow machine, consumer start included. */
const SETTLE_TIMEOUT_MS = 60_000;

/** A mode of the burst: which producer, and whether the messages carry the room's collapseKey. */
export interface BurstMode {
  label: string;
  collapse: boolean;
  service: (ctx: BusyRoomContext) => BusyService;
}

/** With the room's key (hold 0); the control without any key. */
export const STOPPED_MODES: readonly BurstMode[] = [
  { label: 'collapse', collapse: true, service: (ctx) => ctx.plain },
  { label: 'no collapseKey', collapse: false, service: (ctx) => ctx.plain },
];

/** The running-burst modes: hold 0, hold 250 ms, and the control. */
export const BURST_MODES: readonly BurstMode[] = [
  STOPPED_MODES[0] as BurstMode,
  { label: 'collapse, COLLAPSE_HOLD_MS=250', collapse: true, service: (ctx) => ctx.hold },
  STOPPED_MODES[1] as BurstMode,
];

/** What one burst delivered. */
export interface BurstOutcome {
  mode: string;
  offered: number;
  /** Pushes the proxy answered: upstream requests. */
  requests: number;
  requestsPerMessage: number;
  settled: SettledCounts;
  order: OrderCheck;
  /** Sum of the collapsedCount the sent pushes carried (0 before collapse existed). */
  collapsedCountSum: number;
  /** Proxy bodies that were not pushes (should be 0). */
  unreadable: number;
  /** The machine's 1-minute load average when the burst ended: on 2 cores, above ~2 means other work competed. */
  load: number;
}

/** A burst with the consumer running: also the latency of the pushes sent. */
export interface RunningBurst extends BurstOutcome, Spread {}

/** Everything busy-room measured in one run. */
export interface BusyRoomRun {
  stopped: BurstOutcome[];
  running: RunningBurst[];
  /** Only in runs that include the sustained stream. */
  sustained: SustainedRun[];
}

/** Runs A for both modes, B for all three, and C where the context says so. */
export async function runBusyRoom(ctx: BusyRoomContext, run: number, progress: (text: string) => void): Promise<BusyRoomRun> {
  const stopped: BurstOutcome[] = [];
  for (const mode of STOPPED_MODES) stopped.push(await stoppedBurst(ctx, mode, `br${run}s${stopped.length}`));
  const running: RunningBurst[] = [];
  for (const mode of BURST_MODES) running.push(await runningBurst(ctx, mode, `br${run}b${running.length}`));
  const sustained = ctx.sustained(run) ? await runSustained(ctx, run, progress) : [];
  return { stopped, running, sustained };
}

function plan(tag: string): RoomMessage[] {
  const roomId = `${tag}room`;
  return burstPlan(roomId, roomMembers(roomId, ROOM_SIZE), BURST_MESSAGES, `${tag}m`);
}

/** A: the burst waits with no consumer; one then starts and runs until every message has settled. */
async function stoppedBurst(ctx: BusyRoomContext, mode: BurstMode, tag: string): Promise<BurstOutcome> {
  const service = mode.service(ctx);
  const messages = plan(tag);
  await ctx.flush();
  await ctx.proxy.reset();
  await ctx.proxy.recordRecipients();
  await postInOrder(service, messages.map((m) => busyMessage(m, mode.collapse ? m.roomId : null)), BURST_BEAT_MS);
  const settled = await withConsumer(ctx, service, `stopped-${tag}`, () => waitSettled(service, messages.map((m) => m.messageId), SETTLE_TIMEOUT_MS));
  const outcome = await outcomeOf(ctx, mode, messages, settled);
  await ctx.flush();
  return outcome.burst;
}

/** B: the burst with one consumer already running and warm. */
async function runningBurst(ctx: BusyRoomContext, mode: BurstMode, tag: string): Promise<RunningBurst> {
  const service = mode.service(ctx);
  const messages = plan(tag);
  await ctx.flush();
  const result = await withConsumer(ctx, service, `running-${tag}`, async () => {
    await warmUp(ctx, service, tag);
    await ctx.proxy.reset();
    await ctx.proxy.recordRecipients();
    const started = await postInOrder(service, messages.map((m) => busyMessage(m, mode.collapse ? m.roomId : null)), BURST_BEAT_MS);
    const settled = await waitSettled(service, messages.map((m) => m.messageId), SETTLE_TIMEOUT_MS);
    const { burst, log } = await outcomeOf(ctx, mode, messages, settled);
    return { ...burst, ...spreadOf(pushLatencies(log, started)) };
  });
  await ctx.flush();
  return result;
}

/** Reads the proxy's count and recipient log (ending it) and checks them against the plan. */
async function outcomeOf(ctx: BusyRoomContext, mode: BurstMode, messages: readonly RoomMessage[], settled: SettledCounts) {
  const { count } = await ctx.proxy.count();
  const { recipients: log, unreadable } = await ctx.proxy.recipients();
  const burst: BurstOutcome = {
    mode: mode.label,
    offered: offeredPushes(messages),
    requests: count,
    requestsPerMessage: count / messages.length,
    settled,
    order: checkOrder(messages, log),
    collapsedCountSum: collapsedTotal(log),
    unreadable,
    load: os.loadavg()[0] ?? Number.NaN,
  };
  return { burst, log };
}
