/**
 * The bench's own helper processes (the stand-in proxy, the no-op and naive
 * consumers): started with an IPC channel, ready once they say so.
 */
import { type BenchChild, spawnNode } from './children';
import { IpcClient } from './ipc';
import { withTimeout } from '../src/core/wait-for';
import type { Reached } from './arrival-counter';
import { benchScript, logFile, type Workspace } from './workspace';

/** A running helper. */
export interface Helper {
  child: BenchChild;
  ipc: IpcClient;
  /** What the helper announced when ready. */
  info: unknown;
}

/** Starts `dist/bench/<script>.js` and waits (up to 20 s) for its ready event. */
export async function startHelper(ws: Workspace, name: string, script: string, args: readonly string[] = []): Promise<Helper> {
  const child = spawnNode({ name, script: benchScript(ws, script), args, logFile: logFile(ws, name), ipc: true, cwd: ws.logDir });
  const ipc = new IpcClient(child.process, name);
  try {
    const info = await withTimeout(ipc.ready, 20_000, () => new Error(`${name} did not become ready`));
    return { child, ipc, info };
  } catch (err) {
    await child.stop(2_000);
    throw err;
  }
}

/** Asks a helper to report when its count reaches `target`; rejects after `timeoutMs` with the count so far. */
export async function waitForCount(helper: Helper, target: number, timeoutMs: number): Promise<Reached> {
  const reached = helper.ipc.call('waitFor', target) as Promise<Reached>;
  return withTimeout(reached, timeoutMs, () => new Error(`${helper.child.name}: fewer than ${target} arrivals after ${timeoutMs} ms`));
}
