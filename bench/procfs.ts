/**
 * CPU time and resident memory of other processes, read from /proc. Exact
 * per-process figures without asking the process (a metrics scrape would
 * itself cost the measured process CPU).
 */
import fs from 'node:fs';

/**
 * /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 for
 * this interface whatever the kernel's internal HZ; a figure is therefore
 * exact to 10 ms.
 */
const USER_HZ = 100;

/** utime + stime of `pid` in seconds; NaN once the process is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and ')', so fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) of proc(5) are at 11 and 12 after the name and state.
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** Write system calls `pid` has made so far, and the bytes they wrote (syscw and wchar of /proc/<pid>/io). */
export function writeSyscalls(pid: number): { calls: number; bytes: number } {
  // syscw counts write-family calls (write, writev, sendmsg...) of the whole process; wchar their bytes.
  const fields = new Map(fs.readFileSync(`/proc/${pid}/io`, 'utf8').split('\n').map((l) => l.split(':').map((v) => v.trim()) as [string, string]));
  return { calls: Number(fields.get('syscw') ?? NaN), bytes: Number(fields.get('wchar') ?? NaN) };
}

/** VmRSS of `pid` in bytes; NaN once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU use of a set of processes over an interval. */
export interface CpuReading {
  /** CPU seconds per named process over the interval. */
  seconds: Record<string, number>;
  /** Average cores busy per named process (CPU seconds / wall seconds). */
  cores: Record<string, number>;
  wallMs: number;
}

/** Reads a CPU-seconds counter: a process group's, or the whole machine's busy time. */
export type CpuCounter = () => number;

/** Counters for named pid groups, plus `other`: machine busy time not spent in those groups. */
export function cpuCounters(pids: Record<string, readonly number[]>): Record<string, CpuCounter> {
  const counters: Record<string, CpuCounter> = {};
  for (const [name, list] of Object.entries(pids)) counters[name] = () => sumCpu(list);
  counters[MACHINE] = machineBusySeconds;
  return counters;
}

/** The key of the machine's busy time in readings; {@link splitMachine} turns it into `other`. */
const MACHINE = '(machine)';

/** Replaces the machine's busy time by what the named groups do not explain (other processes, the bench itself). */
export function splitMachine(seconds: Record<string, number>): Record<string, number> {
  const { [MACHINE]: machine = Number.NaN, ...groups } = seconds;
  const explained = Object.values(groups).reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  return { ...groups, other: Math.max(0, machine - explained) };
}

/** CPU seconds all cores spent busy (not idle or waiting on I/O) since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (ticks.reduce((sum, t) => sum + t, 0) - idle) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** Takes a CPU snapshot of named counters now; `stop()` returns the use since then. */
export class CpuMeter {
  private readonly start: Map<string, number>;
  private readonly startedAt = performance.now();

  constructor(private readonly counters: Record<string, CpuCounter>) {
    this.start = new Map(Object.entries(counters).map(([name, read]) => [name, read()]));
  }

  /** CPU seconds and cores per name since construction (the machine split into `other`). */
  stop(): CpuReading {
    const wallMs = performance.now() - this.startedAt;
    const raw: Record<string, number> = {};
    for (const [name, read] of Object.entries(this.counters)) raw[name] = read() - (this.start.get(name) ?? Number.NaN);
    const seconds = splitMachine(raw);
    const cores: Record<string, number> = {};
    for (const [name, value] of Object.entries(seconds)) cores[name] = wallMs > 0 ? (value * 1000) / wallMs : Number.NaN;
    return { seconds, cores, wallMs };
  }
}

/** Total CPU seconds of several pids (a cluster's nodes, two consumers). */
export function sumCpu(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Samples the RSS of one process on a timer; `stop()` returns every sample. */
export class RssSampler {
  private readonly samples: Array<{ atMs: number; bytes: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = performance.now();

  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const bytes = rssBytes(this.pid);
    if (Number.isFinite(bytes)) this.samples.push({ atMs: performance.now() - this.startedAt, bytes });
  }

  /** Stops sampling (one last sample first) and returns the samples in order. */
  stop(): Array<{ atMs: number; bytes: number }> {
    this.sample();
    clearInterval(this.timer);
    return [...this.samples];
  }
}

/**
 * CPU seconds of named process groups, sampled on a timer with wall-clock
 * stamps, so the CPU used between two moments reported by another process
 * (first push at the proxy, last push) can be read off afterwards.
 */
export class CpuTimeline {
  private readonly samples: Array<{ at: number; seconds: Record<string, number> }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly counters: Record<string, CpuCounter>,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const seconds: Record<string, number> = {};
    for (const [name, read] of Object.entries(this.counters)) seconds[name] = read();
    this.samples.push({ at: Date.now(), seconds });
  }

  /** Takes a last sample and stops the timer. */
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  /** CPU seconds per name between epoch ms `from` and `to`, interpolated between samples (machine split as in CpuMeter). */
  between(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of Object.keys(this.counters)) out[name] = this.valueAt(name, to) - this.valueAt(name, from);
    return splitMachine(out);
  }

  private valueAt(name: string, at: number): number {
    const after = this.samples.findIndex((s) => s.at >= at);
    const b = this.samples[after === -1 ? this.samples.length - 1 : after];
    const a = this.samples[Math.max(0, (after === -1 ? this.samples.length : after) - 1)];
    if (!a || !b) return Number.NaN;
    const va = a.seconds[name] ?? Number.NaN;
    const vb = b.seconds[name] ?? Number.NaN;
    if (b.at === a.at) return vb;
    const share = Math.min(1, Math.max(0, (at - a.at) / (b.at - a.at)));
    return va + (vb - va) * share;
  }
}
