/**
 * Real service processes for end-to-end tests: the compiled `main.js` files,
 * started exactly as production starts them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { withTimeout } from '../../src/core/wait-for';

/** The compiled project root (`dist/`). */
export const DIST = path.resolve(__dirname, '..', '..');

/** A spawned process with its captured output. */
export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Sends `signal` and waits for the exit, within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** Starts `node dist/<script> ...args` with exactly `env` (plus PATH). */
export function spawnService(script: string, env: Record<string, string>, args: readonly string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [path.join(DIST, script), ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return withTimeout(exited, timeoutMs, () => new Error(`${script} did not exit after ${signal}:\n${out}`));
    },
  };
}
