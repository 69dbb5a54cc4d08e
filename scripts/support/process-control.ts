/**
 * Process plumbing shared by the Redis harness and the cluster CLI: liveness
 * checks that see through zombies, signalling that tolerates vanished pids,
 * and spawning a child whose output lands in a log file that outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, WaitTimeoutError } from '../../src/core/wait-for';

const STOP_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 5_000;

/** True if `pid` is a live process (a zombie awaiting its reaper counts as gone). */
export function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false; // 0 and negatives address process groups, never one process
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // State is the first field after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we can know
  }
}

/** SIGTERMs `pid`, waits until `isGone`, then SIGKILLs it if the deadline passed. */
export async function stopProcess(
  pid: number,
  isGone: () => boolean = () => !isProcessAlive(pid),
  timeoutMs: number = STOP_TIMEOUT_MS,
): Promise<void> {
  if (isGone() || !sendSignal(pid, 'SIGTERM')) return;
  const description = `process ${pid} to exit`;
  try {
    await waitFor(isGone, { timeoutMs, description });
    return;
  } catch (err) {
    if (!(err instanceof WaitTimeoutError)) throw err;
  }
  if (!sendSignal(pid, 'SIGKILL')) return;
  await waitFor(isGone, { timeoutMs: KILL_TIMEOUT_MS, description: `${description} after SIGKILL` });
}

/** Sends a signal; false if the process no longer exists. */
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0) return false; // kill(0) would signal our own process group
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Sends `signal` to `pid` and waits up to 5 s until `isGone`; `description` names the wait. */
export async function signalAndWait(
  pid: number,
  signal: NodeJS.Signals,
  isGone: () => boolean,
  description: string,
): Promise<void> {
  sendSignal(pid, signal);
  await waitFor(isGone, { timeoutMs: KILL_TIMEOUT_MS, description });
}

/** Last `lines` lines of each named file in `dir`, joined; missing or unreadable files are skipped. */
export function tailFiles(dir: string, names: readonly string[], lines = 20): string {
  return names
    .map((name) => {
      try {
        return fs.readFileSync(path.join(dir, name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    })
    .filter(Boolean)
    .join('\n');
}

/** A spawned child whose exit, or failure to spawn, is recorded as it happens. */
export interface TrackedChild {
  /** 0 if the spawn failed before a pid was assigned. */
  readonly pid: number;
  readonly exited: boolean;
  readonly exitCode: number | null;
  /** Why the spawn failed (e.g. ENOENT for a missing binary), if it did. */
  readonly spawnError: Error | undefined;
}

class SpawnedChild implements TrackedChild {
  exited = false;
  spawnError: Error | undefined;

  constructor(private readonly child: ChildProcess) {
    child.once('error', (err) => {
      this.spawnError = err;
      this.exited = true;
    });
    child.once('exit', () => {
      this.exited = true;
    });
    // Let a test runner exit; the 'exit' event still tells us when it dies.
    child.unref();
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }
  get exitCode(): number | null {
    return this.child.exitCode;
  }
}

/** Spawns `command` with stdout and stderr appended to `logFile`; `detached` gives it its own session. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  logFile: string,
  detached: boolean,
): TrackedChild {
  // A file, not a pipe: a pipe would tie the child's lifetime to ours.
  const out = fs.openSync(logFile, 'a');
  try {
    return new SpawnedChild(spawn(command, args, { stdio: ['ignore', out, out], detached }));
  } finally {
    fs.closeSync(out);
  }
}
