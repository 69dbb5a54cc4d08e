/**
 * A best guess at what limited a figure, from the CPU each process used
 * while it was measured. On a 2-core machine a process near 1 core is
 * CPU-bound (Node and Redis each run their work on one thread); all
 * processes together near 2 cores means they were fighting for the machine;
 * one process well above half a core is the main cost but leaves gaps (it
 * waits on the others); none of these means the time went to waiting:
 * round trips, timers, back-pressure.
 */
import os from 'node:os';

/** Cores at which one single-threaded process counts as saturated. */
const SATURATED = 0.8;
/** Cores at which it is the main, but not the only, limit. */
const LEANING = 0.6;
/** Cores at which the whole machine counts as busy. */
const MACHINE_CORES = os.cpus().length;
const MACHINE_BUSY = 0.85 * MACHINE_CORES;
/** Below this wall time, /proc's 10 ms CPU ticks make shares meaningless. */
const MIN_WALL_MS = 60;

/** Cores used per process (by display name) over the measurement. */
export type CoreShares = Record<string, number>;

/** What saturation of each measured process means, in words. */
const CAUSES: Record<string, string> = {
  consumer: 'Node CPU of the consumer',
  producer: 'Node CPU of the producer',
  'bench client': 'Node CPU of the bench client',
  'redis-server': 'Redis (redis-server CPU)',
  'stand-in proxy': 'the stand-in proxy (a bench artifact)',
};
/** The key of CPU outside the measured processes (see procfs.splitMachine). */
const OTHER = 'other';
/** Cores of outside work from which a figure counts as disturbed. */
export const DISTURBED_CORES = 0.3;

function fmt(cores: number): string {
  return Number.isFinite(cores) ? cores.toFixed(2) : '?';
}

/** The verdict from the measured processes alone (outside work only counts towards the machine total). */
function verdict(measured: Array<[string, number]>, total: number, perProcess: (name: string, cores: number) => number): string {
  const top = measured[0];
  if (!top) return 'unknown (no CPU readings)';
  const load = perProcess(top[0], top[1]);
  const cause = CAUSES[top[0]] ?? `${top[0]} CPU`;
  if (load >= SATURATED) return cause;
  if (total >= MACHINE_BUSY) return `the machine's ${MACHINE_CORES} cores, shared`;
  if (load >= LEANING) return `mostly ${cause}, plus round trips`;
  return 'round trips / waiting, nothing CPU-bound';
}

/**
 * One line: the likely limit, with the evidence (cores per process).
 * `processes` says how many processes a name stands for (two consumers):
 * each must be near a core before that group counts as saturated. CPU
 * outside the measured processes (`other`) never is the verdict, but
 * counts towards a busy machine and, when large, marks the figure as
 * disturbed.
 */
export function likelyLimit(shares: CoreShares, wallMs: number, processes: Record<string, number> = {}): string {
  if (wallMs < MIN_WALL_MS) return `too short to attribute (${Math.round(wallMs)} ms): fixed per-request cost`;
  const perProcess = (name: string, cores: number): number => cores / (processes[name] ?? 1);
  const entries = Object.entries(shares).filter(([, cores]) => Number.isFinite(cores));
  entries.sort((a, b) => perProcess(b[0], b[1]) - perProcess(a[0], a[1]));
  const total = entries.reduce((sum, [, cores]) => sum + cores, 0);
  const evidence = entries.map(([name, cores]) => `${name} ${fmt(cores)}${(processes[name] ?? 1) > 1 ? ` (${processes[name]} processes)` : ''}`).join(', ');
  const other = shares[OTHER] ?? 0;
  const disturbed = other >= DISTURBED_CORES ? `; DISTURBED: ${fmt(other)} cores of outside work` : '';
  const measured = entries.filter(([name]) => name !== OTHER);
  return `${verdict(measured, total, perProcess)} (${evidence} cores${disturbed})`;
}

/** Cores from CPU seconds over wall milliseconds. */
export function coresOf(cpuSeconds: number, wallMs: number): number {
  return wallMs > 0 ? (cpuSeconds * 1000) / wallMs : Number.NaN;
}
