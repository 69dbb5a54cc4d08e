/**
 * Every process the benchmark starts, and the guarantee that none outlives
 * it: children are killed on a normal exit, on an uncaught error, and on
 * SIGINT/SIGTERM (after a short graceful cleanup). The redis-server harness
 * kills its own servers in its 'exit' hook, which process.exit() runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { isProcessAlive, sendSignal } from '../scripts/support/process-control';
import { withTimeout } from '../src/core/wait-for';

/** A child process started by the benchmark. */
export interface BenchChild {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Epoch ms just before spawn(): delivery times count from here. */
  readonly spawnedAt: number;
  /** Where its stdout and stderr go. */
  readonly logFile: string;
  readonly exited: Promise<number | string>;
  /** True once it has exited. */
  readonly done: boolean;
  /** SIGTERM (graceful), then SIGKILL after `timeoutMs`; resolves once it is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<BenchChild>();
const cleanups: Array<() => Promise<void>> = [];
let installed = false;
let interrupted = false;

/** Every pid the bench started (its children and the redis-servers the harness spawned for it). */
const startedPids = new Set<number>();

/** Remembers pids started elsewhere on the bench's behalf (redis-server nodes), for {@link killLeftovers}. */
export function rememberPids(pids: readonly number[]): void {
  pids.forEach((pid) => startedPids.add(pid));
}

/**
 * After cleanup: SIGKILLs any process the bench started that is somehow
 * still alive, and returns their pids (empty when cleanup did its job).
 */
export function killLeftovers(): number[] {
  const alive = [...startedPids].filter((pid) => isProcessAlive(pid));
  alive.forEach((pid) => sendSignal(pid, 'SIGKILL'));
  return alive;
}

/** True once SIGINT/SIGTERM arrived: failures after that are the interruption's, and it handles the exit. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Options for {@link spawnNode}. */
export interface SpawnOptions {
  name: string;
  script: string;
  args?: readonly string[];
  /** Node's own flags, before the script (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** The child's whole environment (nothing is inherited but PATH). */
  env?: Record<string, string>;
  /** stdout and stderr are appended here, so logs never mix into the table. */
  logFile: string;
  /** Open an IPC channel (the bench's own helper processes). */
  ipc?: boolean;
  cwd: string;
}

/** Starts `node <script>` as a tracked child. */
export function spawnNode(options: SpawnOptions): BenchChild {
  installExitHooks();
  const out = fs.openSync(options.logFile, 'a');
  const spawnedAt = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: options.ipc ? ['ignore', out, out, 'ipc'] : ['ignore', out, out],
    });
  } finally {
    fs.closeSync(out);
  }
  if (child.pid !== undefined) startedPids.add(child.pid);
  return track(options.name, child, spawnedAt, options.logFile);
}

/** The last `lines` lines of a child's log, for error messages. */
export function logTail(child: BenchChild, lines = 5): string {
  try {
    return fs.readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n').slice(-2000);
  } catch {
    return '';
  }
}

/** Resolves with a description once any of `children` exits (whatever the reason). */
export function firstExit(children: readonly BenchChild[]): Promise<string> {
  return Promise.race(children.map((c) => c.exited.then((code) => `${c.name} exited (${code}); log ${c.logFile}:\n${logTail(c)}`)));
}

function track(name: string, child: ChildProcess, spawnedAt: number, logFile: string): BenchChild {
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      resolve(err.message);
    });
  });
  const handle: BenchChild = {
    name,
    process: child,
    pid: child.pid ?? 0,
    spawnedAt,
    logFile,
    exited,
    get done() {
      return done;
    },
    async stop(timeoutMs = 15_000) {
      if (!done) child.kill('SIGTERM');
      await withTimeout(exited, timeoutMs, () => new Error(`${name} did not stop`)).catch(() => {
        child.kill('SIGKILL');
        return exited;
      });
      running.delete(handle);
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Registers async cleanup (Redis servers, the cluster) run before exit, newest first. */
export function onCleanup(fn: () => Promise<void>): void {
  installExitHooks();
  cleanups.push(fn);
}

/** Stops every child and runs every cleanup, each within its own time limit. */
export async function cleanupAll(): Promise<void> {
  await Promise.allSettled([...running].map((child) => child.stop(10_000)));
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    if (fn) await withTimeout(fn(), 15_000, () => new Error('cleanup timed out')).catch(() => undefined);
  }
}

function installExitHooks(): void {
  if (installed) return;
  installed = true;
  // The last resort: 'exit' handlers cannot wait, so whatever is left dies now.
  process.on('exit', () => running.forEach((child) => child.process.kill('SIGKILL')));
  const interrupt = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: no more waiting
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}, stopping everything it started…\n`);
    // Without this handler Node would die without running 'exit' hooks at all.
    void withTimeout(cleanupAll(), 20_000, () => new Error('cleanup timed out'))
      .catch(() => undefined)
      .finally(() => {
        killLeftovers();
        process.exit(130);
      });
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
}
