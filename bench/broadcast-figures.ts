/**
 * The pure arithmetic of the "latency under broadcast" scenario
 * (./broadcast.ts): the delivery rate while a broadcast drains beside
 * interactive traffic, and issue 10's targets with their verdicts.
 */
import type { Span } from './arrival-recording';
import { medianOf, perSecond } from './stats';

/** Issue 10's targets for interactive pushes under a 100k broadcast. */
export const BROADCAST_TARGETS = { p99Ms: 100, maxMs: 250, mixedVsAlone: 0.9 } as const;

/** The delivery rate over one window. */
export interface Rate {
  pushes: number;
  ms: number;
  /** (pushes - 1) / ms: intervals between arrivals, as the drains' steady rate counts them. */
  pps: number;
}

/**
 * Pushes per second while the broadcast drained: its pushes plus the
 * interactive ones that arrived between its first and its last push
 * (interactive pushes outside that window were not competing with it).
 * With no interactive arrivals, the broadcast's own first-to-last rate.
 */
export function windowRate(broadcast: Span, interactiveArrivals: readonly number[]): Rate {
  const inWindow = interactiveArrivals.filter((t) => t >= broadcast.firstAt && t <= broadcast.lastAt).length;
  const pushes = broadcast.count + inWindow;
  const ms = broadcast.lastAt - broadcast.firstAt;
  return { pushes, ms, pps: perSecond(pushes - 1, ms) };
}

/** The per-run figures the targets judge. */
export interface TargetFigures {
  p99Ms: number;
  maxMs: number;
  mixedVsAlone: number;
}

/** One target's verdict: on the median over runs, with how many single runs met it. */
export interface TargetCheck {
  name: string;
  median: number;
  met: boolean;
  runsMet: number;
  runs: number;
}

function check(name: string, runs: readonly TargetFigures[], pick: (r: TargetFigures) => number, ok: (v: number) => boolean): TargetCheck {
  const median = medianOf(runs, pick);
  // NaN (no samples) never meets a target.
  return { name, median, met: ok(median), runsMet: runs.filter((r) => ok(pick(r))).length, runs: runs.length };
}

/** The verdicts on p99 ≤ 100 ms, max ≤ 250 ms and mixed/alone ≥ 0.9. */
export function checkTargets(runs: readonly TargetFigures[]): TargetCheck[] {
  const t = BROADCAST_TARGETS;
  return [
    check(`p99 ≤ ${t.p99Ms} ms`, runs, (r) => r.p99Ms, (v) => v <= t.p99Ms),
    check(`max ≤ ${t.maxMs} ms`, runs, (r) => r.maxMs, (v) => v <= t.maxMs),
    check(`mixed / alone ≥ ${t.mixedVsAlone}`, runs, (r) => r.mixedVsAlone, (v) => v >= t.mixedVsAlone),
  ];
}
