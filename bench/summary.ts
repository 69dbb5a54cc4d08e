/**
 * Turns per-run results into the reported figures: the median of each
 * figure over runs, and the median of each ratio computed inside its run.
 * The "limited by" line is taken from the run closest to the median, so it
 * describes a run that really produced (about) the reported figure.
 */
import type { BroadcastRun } from './broadcast';
import { checkTargets, type TargetCheck } from './broadcast-figures';
import type { DeliveryRun } from './delivery';
import type { DrainResult } from './drain';
import type { IntakeRun, Phase } from './intake';
import type { ScaleRun } from './scale';
import { median, medianOf, ratio } from './stats';

/** A figure with its limit. */
export interface Figure {
  value: number;
  limit: string;
}

/** Medians of one drain kind over runs. */
export interface DrainSummary {
  pps: Figure;
  steadyPps: number;
  startupMs: number;
  cpuUsPerPush: number;
  warmCpuUsPerPush: number;
  cores: Record<string, number>;
}

/** Intake medians. */
export interface IntakeSummary {
  sizes: Array<{ size: number; api: Figure; lpush: Figure; saveAll: Figure; apiVsLpush: number; apiVsSaveAll: number }>;
  rss: { size: number; baselineBytes: number; maxBytes: number };
  latency1k: { p50Ms: number; p99Ms: number; requests: number };
}

/** Delivery medians. */
export interface DeliverySummary {
  service: DrainSummary;
  noop: DrainSummary;
  naive: DrainSummary;
  floor: DrainSummary;
  seed: DrainSummary;
  serviceVsNoop: number;
  serviceVsNaive: number;
  serviceVsSeed: number;
  serviceVsFloor: number;
  steadyServiceVsNoop: number;
  steadyServiceVsNaive: number;
  steadyServiceVsSeed: number;
  steadyServiceVsFloor: number;
  /**
   * The floor against the no-op, per run: steady pushes/s floor / no-op, and CPU and warm CPU no-op / floor.
   * The most any consumer that makes one HTTP exchange per push got of the no-op ceiling in that run.
   */
  floorVsNoop: { steady: number; cpu: number; warm: number };
  /** Per-run CPU µs per push ratios (baseline / service: how many times cheaper the service is). */
  cpuNoopVsService: number;
  cpuSeedVsService: number;
  cpuNaiveVsService: number;
  cpuFloorVsService: number;
  /** The CPU ratios over each drain's second half (warmed up). */
  warmNoopVsService: number;
  warmSeedVsService: number;
  warmNaiveVsService: number;
  warmFloorVsService: number;
  /** TCP connections the naive consumer opened at the proxy. */
  naiveConnections: number;
  /** The service consumer's own delivered counter after its drain. */
  serviceMetricsDelivered: number;
  latency: { targetPps: number; offeredPps: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Redis bytes per push of the service drain (medians); NaN when not measured. */
  memory: { queuedBytes: number; retainedBytes: number; outcomeKeyBytes: number; allKeyBytes: number; smallMessageKeyBytes: number; smallMessageOutcomeKeyBytes: number };
}

/** Scale medians. */
export interface ScaleSummary {
  one: DrainSummary;
  two: DrainSummary;
  twoVsOne: number;
  cluster?: DrainSummary;
  clusterVsStandalone?: number;
  /** Failures of cluster drains, one per failed run. */
  clusterErrors: string[];
}

/** The item whose `value` is closest to the median of all values. */
function nearestToMedian<T>(items: readonly T[], value: (item: T) => number): T | undefined {
  const mid = median(items.map(value));
  return [...items].sort((a, b) => Math.abs(value(a) - mid) - Math.abs(value(b) - mid))[0];
}

/** Median value and the limit of the run nearest to it. */
export function figureOf<T>(items: readonly T[], value: (item: T) => number, limit: (item: T) => string): Figure {
  const nearest = nearestToMedian(items, value);
  return { value: median(items.map(value)), limit: nearest ? limit(nearest) : 'n/a' };
}

function phaseFigure(phases: readonly Phase[]): Figure {
  return figureOf(phases, (p) => p.pps, (p) => p.limit);
}

/** Medians of drains of one kind. */
export function summarizeDrains(drains: readonly DrainResult[]): DrainSummary {
  const names = new Set(drains.flatMap((d) => Object.keys(d.cores)));
  const cores: Record<string, number> = {};
  for (const name of names) cores[name] = medianOf(drains, (d) => d.cores[name]);
  return {
    pps: figureOf(drains, (d) => d.pps, (d) => d.limit),
    steadyPps: medianOf(drains, (d) => d.steadyPps),
    startupMs: medianOf(drains, (d) => d.startupMs),
    cpuUsPerPush: medianOf(drains, (d) => d.cpuUsPerPush),
    warmCpuUsPerPush: medianOf(drains, (d) => d.warmCpuUsPerPush),
    cores,
  };
}

/** Intake medians per size. */
export function summarizeIntake(runs: readonly IntakeRun[]): IntakeSummary {
  const sizes = (runs[0]?.sizes ?? []).map(({ size }) => {
    const of = runs.map((r) => r.sizes.find((s) => s.size === size)).filter((s) => s !== undefined);
    return {
      size,
      api: phaseFigure(of.map((s) => s.api)),
      lpush: phaseFigure(of.map((s) => s.lpush)),
      saveAll: phaseFigure(of.map((s) => s.saveAll)),
      apiVsLpush: medianOf(of, (s) => s.apiVsLpush),
      apiVsSaveAll: medianOf(of, (s) => s.apiVsSaveAll),
    };
  });
  return {
    sizes,
    rss: { size: runs[0]?.rss.size ?? 0, baselineBytes: medianOf(runs, (r) => r.rss.baselineBytes), maxBytes: medianOf(runs, (r) => r.rss.maxBytes) },
    latency1k: {
      p50Ms: medianOf(runs, (r) => r.latency1k.p50Ms),
      p99Ms: medianOf(runs, (r) => r.latency1k.p99Ms),
      requests: runs[0]?.latency1k.requests ?? 0,
    },
  };
}

/** Delivery medians. */
export function summarizeDelivery(runs: readonly DeliveryRun[]): DeliverySummary {
  return {
    service: summarizeDrains(runs.map((r) => r.service)),
    noop: summarizeDrains(runs.map((r) => r.noop)),
    naive: summarizeDrains(runs.map((r) => r.naive)),
    floor: summarizeDrains(runs.map((r) => r.floor)),
    seed: summarizeDrains(runs.map((r) => r.seed)),
    serviceVsNoop: medianOf(runs, (r) => r.serviceVsNoop),
    serviceVsNaive: medianOf(runs, (r) => r.serviceVsNaive),
    serviceVsSeed: medianOf(runs, (r) => r.serviceVsSeed),
    serviceVsFloor: medianOf(runs, (r) => r.serviceVsFloor),
    steadyServiceVsNoop: medianOf(runs, (r) => r.steadyServiceVsNoop),
    steadyServiceVsNaive: medianOf(runs, (r) => r.steadyServiceVsNaive),
    steadyServiceVsSeed: medianOf(runs, (r) => r.steadyServiceVsSeed),
    steadyServiceVsFloor: medianOf(runs, (r) => r.steadyServiceVsFloor),
    floorVsNoop: {
      steady: medianOf(runs, (r) => ratio(r.floor.steadyPps, r.noop.steadyPps)),
      cpu: medianOf(runs, (r) => ratio(r.noop.cpuUsPerPush, r.floor.cpuUsPerPush)),
      warm: medianOf(runs, (r) => ratio(r.noop.warmCpuUsPerPush, r.floor.warmCpuUsPerPush)),
    },
    cpuNoopVsService: medianOf(runs, (r) => ratio(r.noop.cpuUsPerPush, r.service.cpuUsPerPush)),
    cpuSeedVsService: medianOf(runs, (r) => ratio(r.seed.cpuUsPerPush, r.service.cpuUsPerPush)),
    cpuNaiveVsService: medianOf(runs, (r) => ratio(r.naive.cpuUsPerPush, r.service.cpuUsPerPush)),
    cpuFloorVsService: medianOf(runs, (r) => ratio(r.floor.cpuUsPerPush, r.service.cpuUsPerPush)),
    warmNoopVsService: medianOf(runs, (r) => ratio(r.noop.warmCpuUsPerPush, r.service.warmCpuUsPerPush)),
    warmSeedVsService: medianOf(runs, (r) => ratio(r.seed.warmCpuUsPerPush, r.service.warmCpuUsPerPush)),
    warmNaiveVsService: medianOf(runs, (r) => ratio(r.naive.warmCpuUsPerPush, r.service.warmCpuUsPerPush)),
    warmFloorVsService: medianOf(runs, (r) => ratio(r.floor.warmCpuUsPerPush, r.service.warmCpuUsPerPush)),
    naiveConnections: medianOf(runs, (r) => r.naiveConnections),
    serviceMetricsDelivered: medianOf(runs, (r) => r.serviceMetricsDelivered),
    latency: {
      targetPps: medianOf(runs, (r) => r.latency.targetPps),
      offeredPps: medianOf(runs, (r) => r.latency.offeredPps),
      p50Ms: medianOf(runs, (r) => r.latency.p50Ms),
      p99Ms: medianOf(runs, (r) => r.latency.p99Ms),
      maxMs: medianOf(runs, (r) => r.latency.maxMs),
    },
    memory: {
      queuedBytes: medianOf(runs, (r) => r.memory?.queuedBytes ?? Number.NaN),
      retainedBytes: medianOf(runs, (r) => r.memory?.retainedBytes ?? Number.NaN),
      outcomeKeyBytes: medianOf(runs, (r) => r.memory?.outcomeKeyBytes ?? Number.NaN),
      allKeyBytes: medianOf(runs, (r) => r.memory?.allKeyBytes ?? Number.NaN),
      smallMessageKeyBytes: medianOf(runs, (r) => r.memory?.smallMessageKeyBytes ?? Number.NaN),
      smallMessageOutcomeKeyBytes: medianOf(runs, (r) => r.memory?.smallMessageOutcomeKeyBytes ?? Number.NaN),
    },
  };
}

/** Scale medians. */
export function summarizeScale(runs: readonly ScaleRun[]): ScaleSummary {
  const clusters = runs.map((r) => r.cluster).filter((c) => c !== undefined);
  const summary: ScaleSummary = {
    one: summarizeDrains(runs.map((r) => r.one)),
    two: summarizeDrains(runs.map((r) => r.two)),
    twoVsOne: medianOf(runs, (r) => r.twoVsOne),
    clusterErrors: runs.flatMap((r) => (r.clusterError === undefined ? [] : [r.clusterError])),
  };
  if (clusters.length === 0) return summary;
  return { ...summary, cluster: summarizeDrains(clusters), clusterVsStandalone: medianOf(runs, (r) => r.clusterVsStandalone) };
}

/** Medians of one service configuration of the broadcast scenario. */
export interface BroadcastRowSummary {
  label: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  alonePps: number;
  mixedPps: number;
  mixedVsAlone: number;
  interactivePushes: number;
  targets: TargetCheck[];
}

/** Broadcast medians, one row per configuration. */
export interface BroadcastSummary {
  seed: number;
  runs: number;
  rows: BroadcastRowSummary[];
}

/** Broadcast medians per configuration, with the targets judged on them. */
export function summarizeBroadcast(runs: readonly BroadcastRun[]): BroadcastSummary {
  const labels = [...new Set(runs.flatMap((r) => r.rows.map((row) => row.label)))];
  const rows = labels.map((label) => {
    const of = runs.map((r) => r.rows.find((row) => row.label === label)).filter((row) => row !== undefined);
    return {
      label,
      p50Ms: medianOf(of, (r) => r.p50Ms),
      p99Ms: medianOf(of, (r) => r.p99Ms),
      maxMs: medianOf(of, (r) => r.maxMs),
      alonePps: medianOf(of, (r) => r.alone.pps),
      mixedPps: medianOf(of, (r) => r.mixed.pps),
      mixedVsAlone: medianOf(of, (r) => r.mixedVsAlone),
      interactivePushes: medianOf(of, (r) => r.interactive.pushes),
      targets: checkTargets(of),
    };
  });
  return { seed: runs[0]?.seed ?? Number.NaN, runs: runs.length, rows };
}
