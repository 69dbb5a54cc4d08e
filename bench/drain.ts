/**
 * One delivery drain: N pushes wait in Redis with no consumer running; the
 * consumer (or consumers) under test is spawned, and the clock runs from the
 * spawn until the N-th push is counted. So the headline figure includes
 * process start (module loading, Redis connections), reported separately as
 * `startupMs`; `steadyPps` is the rate from the first push to the last.
 */
import type { Reached } from './arrival-counter';
import { coresOf, likelyLimit } from './limits';
import { cpuCounters, CpuTimeline, sumCpu } from './procfs';
import { perSecond } from './stats';

/** What is being drained and how arrivals are counted. */
export interface DrainSubject {
  label: string;
  /** Starts the consumer process(es); resolves with their pids and the spawn time (epoch ms). */
  spawn: () => Promise<{ pids: number[]; spawnedAt: number }>;
  /** Resolves when `target` pushes have been counted (at the proxy or in the consumer). */
  reached: (target: number, timeoutMs: number) => Promise<Reached>;
  /** Resolves with a description if a consumer process exits (it must not, mid-drain). */
  died: () => Promise<string>;
}

/** Other processes whose CPU is worth knowing during the drain. */
export interface Bystanders {
  redis: number[];
  proxy: number[];
}

/** The measured drain. */
export interface DrainResult {
  label: string;
  pushes: number;
  /** Spawn to the N-th push. */
  totalMs: number;
  /** Spawn to the first push. */
  startupMs: number;
  /** Pushes / totalMs: the headline figure. */
  pps: number;
  /** (N - 1) / (first to N-th push). */
  steadyPps: number;
  /** Consumer CPU (user + system) from the first push to the last, per push. */
  cpuUsPerPush: number;
  /**
   * The same over the second half of the pushes only: the consumer warmed up (its code compiled
   * by V8's optimising compiler, which runs on threads of its own and is counted in the first
   * figure), as a long-running consumer is.
   */
  warmCpuUsPerPush: number;
  /** Consumer CPU from spawn to the last push, process start included, in seconds. */
  totalCpuSeconds: number;
  /** Cores used from first to last push, per process group. */
  cores: Record<string, number>;
  limit: string;
}

/** Enough time for a slow drain (200 pushes/s) plus a minute of start-up and slack. */
export function drainTimeoutMs(pushes: number): number {
  return 60_000 + pushes * 5;
}

/** Spawns the subject and measures until `pushes` have arrived. */
export async function measureDrain(subject: DrainSubject, pushes: number, others: Bystanders): Promise<DrainResult> {
  const { pids, spawnedAt } = await subject.spawn();
  const timeline = new CpuTimeline(cpuCounters({ consumer: pids, 'redis-server': others.redis, 'stand-in proxy': others.proxy }));
  const half = Math.ceil(pushes / 2);
  let done: Reached;
  let halfway: Promise<Reached | undefined> = Promise.resolve(undefined);
  try {
    // A consumer that dies (a broken build, a crash) fails the drain at once instead of at the timeout.
    const death = subject.died().then((why) => Promise.reject(new Error(`${subject.label}: ${why}`)));
    // Asked for before the first push arrives, so its moment is stamped where it happens.
    halfway = subject.reached(half, drainTimeoutMs(pushes)).catch(() => undefined);
    done = await Promise.race([subject.reached(pushes, drainTimeoutMs(pushes)), death]);
  } finally {
    timeline.stop();
  }
  const steadyMs = done.reachedAt - done.firstAt;
  const seconds = timeline.between(done.firstAt, done.reachedAt);
  const midAt = (await halfway)?.reachedAt;
  const warm = midAt === undefined ? Number.NaN : (timeline.between(midAt, done.reachedAt)['consumer'] ?? Number.NaN);
  const cores: Record<string, number> = {};
  for (const [name, value] of Object.entries(seconds)) cores[name] = coresOf(value, steadyMs);
  const label = subject.label;
  return {
    label,
    pushes,
    totalMs: done.reachedAt - spawnedAt,
    startupMs: done.firstAt - spawnedAt,
    pps: perSecond(pushes, done.reachedAt - spawnedAt),
    steadyPps: perSecond(pushes - 1, steadyMs),
    cpuUsPerPush: ((seconds['consumer'] ?? Number.NaN) * 1e6) / Math.max(1, pushes - 1),
    warmCpuUsPerPush: (warm * 1e6) / Math.max(1, pushes - half),
    totalCpuSeconds: sumCpu(pids),
    cores,
    limit: likelyLimit(cores, steadyMs, { consumer: pids.length }),
  };
}
