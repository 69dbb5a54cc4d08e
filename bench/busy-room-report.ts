/**
 * The busy-room scenario's summary (medians over runs of the bursts; the
 * sustained stream as measured, it runs once) and its markdown section.
 */
import type { BusyRoomRun } from './busy-room';
import { BURST_MESSAGES, ROOM_SIZE } from './busy-room';
import { PROXY_CAP_PPS, SUSTAINED_ROOM_SIZE, SUSTAINED_ROOMS, type SustainedRun } from './busy-room-sustained';
import { medianOf } from './stats';
import { pps, table } from './table';

/** Medians of one burst mode. */
export interface BurstSummary {
  mode: string;
  runs: number;
  requests: number;
  requestsPerMessage: number;
  staleLast: number;
  missing: number;
  olderAfterNewer: number;
  /** Median sum of `collapsed` over the messages' statuses; NaN where the service does not report it. */
  collapsed: number;
  collapsedCountSum: number;
  p50Ms: number;
  p99Ms: number;
  /** Median 1-minute load average at the end of the bursts. */
  load: number;
}

/** The scenario's summary. */
export interface BusyRoomSummary {
  stopped: BurstSummary[];
  running: BurstSummary[];
  sustained: Array<Omit<SustainedRun, 'samples'>>;
}

function burstSummary(mode: string, of: ReadonlyArray<BusyRoomRun['running'][number] | BusyRoomRun['stopped'][number]>): BurstSummary {
  return {
    mode,
    runs: of.length,
    requests: medianOf(of, (b) => b.requests),
    requestsPerMessage: medianOf(of, (b) => b.requestsPerMessage),
    staleLast: medianOf(of, (b) => b.order.staleLast),
    missing: medianOf(of, (b) => b.order.missing),
    olderAfterNewer: medianOf(of, (b) => b.order.olderAfterNewer),
    collapsed: medianOf(of, (b) => b.settled.collapsed ?? undefined),
    collapsedCountSum: medianOf(of, (b) => b.collapsedCountSum),
    p50Ms: medianOf(of, (b) => ('p50Ms' in b ? b.p50Ms : undefined)),
    p99Ms: medianOf(of, (b) => ('p99Ms' in b ? b.p99Ms : undefined)),
    load: medianOf(of, (b) => b.load),
  };
}

function byMode<T extends { mode: string }>(lists: ReadonlyArray<readonly T[]>): Array<[string, T[]]> {
  const modes = [...new Set(lists.flatMap((l) => l.map((b) => b.mode)))];
  return modes.map((mode) => [mode, lists.flatMap((l) => l.filter((b) => b.mode === mode))]);
}

/** Medians of the bursts per mode; the sustained runs without their per-second samples (those stay in the per-run JSON). */
export function summarizeBusyRoom(runs: readonly BusyRoomRun[]): BusyRoomSummary {
  return {
    stopped: byMode(runs.map((r) => r.stopped)).map(([mode, of]) => burstSummary(mode, of)),
    running: byMode(runs.map((r) => r.running)).map(([mode, of]) => burstSummary(mode, of)),
    sustained: runs.flatMap((r) => r.sustained).map(({ samples: _samples, ...rest }) => rest),
  };
}

function num(value: number | undefined, digits = 0): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function sustainedRows(s: BusyRoomSummary['sustained']): string[][] {
  return s.map((r) => [
    r.mode,
    ...r.backlog.at.map((a) => pps(a.backlog)),
    `${num(r.backlog.growthPerSecond)}/s`,
    pps(r.answeredPerSecond),
    r.drain ? `${num(r.drain.seconds, 1)} s, ${pps(r.drain.requests)} requests` : 'not waited for',
    r.drain ? `${r.drain.order.staleLast} of ${r.drain.order.recipients}` : 'n/a',
    String(r.drain ? r.drain.order.olderAfterNewer : (r.olderAfterNewer ?? 'n/a')),
  ]);
}

/** The busy-room section. */
export function busyRoomSection(s: BusyRoomSummary): string {
  const offered = (ROOM_SIZE - 1) * BURST_MESSAGES;
  const stoppedRows = s.stopped.map((b) => [b.mode, pps(b.requests), `${num(b.staleLast)} (${num(b.missing)} got none)`, num(b.olderAfterNewer), num(b.collapsed), num(b.collapsedCountSum)]);
  const runningRows = s.running.map((b) => [b.mode, pps(b.requests), num(b.requestsPerMessage, 1), num(b.p50Ms, 1), num(b.p99Ms, 1), num(b.staleLast), num(b.olderAfterNewer), num(b.collapsed), num(b.load, 1)]);
  const lines = [
    `## 5. Busy rooms (collapse): a ${ROOM_SIZE}-member room, ${BURST_MESSAGES} messages in 2 s (${offered} pushes offered; median of ${s.stopped[0]?.runs ?? 0} run(s))`,
    '',
    'Senders rotate among the members; each message goes to the room minus its sender. "collapse" = every message carries the',
    "room's collapseKey; the control carries none. Stale last = recipients whose last push is not the newest message they were",
    'sent; older after newer = pushes of a message older than one the recipient already had. Latency = POST start → arrival.',
    '',
    'A. Consumer stopped while the burst is accepted, then started; run until every message has pending 0. Issue 13\'s target with',
    'collapse is ≤ 49: message 20 to its 49 recipients, nothing to its sender (who has read the room). Stale last does not count a',
    'member who wrote after the newest message they were sent and got nothing newer than their own.',
    '',
    table(['mode', 'upstream requests', 'stale last', 'older after newer', 'collapsed (status)', 'Σ collapsedCount'], stoppedRows),
    '',
    'B. The same burst with one consumer running.',
    '',
    table(['mode', 'upstream requests', 'per message', 'p50 ms', 'p99 ms', 'stale last', 'older after newer', 'collapsed (status)', 'load (1 min)'], runningRows),
  ];
  if (s.sustained.length > 0) {
    const first = s.sustained[0];
    lines.push(
      '',
      `C. Sustained: ${SUSTAINED_ROOMS} rooms × ${SUSTAINED_ROOM_SIZE} members, one message per room per second (${pps(first ? first.offeredPushes / first.seconds : Number.NaN)} pushes/s offered) for ${first?.seconds ?? '?'} s, one consumer, proxy capped at ${PROXY_CAP_PPS}/s. Backlog = waiting + delayed jobs, both lanes (first run only).`,
      '',
      table(['mode', ...(first?.backlog.at.map((a) => `backlog at ${a.second} s`) ?? []), 'growth (first→last mark)', 'answered/s', 'drain after the stream', 'stale last', 'older after newer'], sustainedRows(s.sustained)),
      '',
      ...s.sustained.map((r) => `- ${r.mode}: ${num(r.postedMessagesPerSecond, 1)} messages/s posted; ${r.overlapping} messages posted before their room's previous one was answered; load ${num(r.load, 1)} at the end`),
    );
  }
  lines.push('', '- "n/a" in collapsed: the service does not report `collapsed` (code before collapse). COLLAPSE_HOLD_MS is passed to the producer; code without collapse ignores it.');
  return lines.join('\n');
}
