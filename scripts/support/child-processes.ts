/**
 * The launcher's child processes (producer, consumer). Children run in their
 * own process group, so a Ctrl-C reaches them once, forwarded as SIGTERM by
 * the launcher, rather than twice (terminal and launcher), which they would
 * take as "exit now". If one child dies, the others are stopped too: a
 * half-running service is worse than a stopped one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { environmentForChildren } from '../../src/config/load-config';
import type { Logger } from '../../src/core/logger';

/** Supervises named child processes. */
export class ChildProcesses {
  private readonly running = new Map<string, ChildProcess>();
  private stopping = false;
  private exitCode = 0;
  private exitHandler: (code: number) => Promise<void> = async () => undefined;

  constructor(
    private readonly log: Logger,
    private readonly env: Record<string, string>,
  ) {
    process.on('SIGINT', () => this.stopAll('SIGINT'));
    process.on('SIGTERM', () => this.stopAll('SIGTERM'));
    // Last resort if the launcher itself dies: do not leave orphans behind.
    process.on('exit', () => this.running.forEach((child) => child.kill('SIGKILL')));
  }

  /** Called once every child has exited; `code` is 0 after a requested stop. */
  onExit(handler: (code: number) => Promise<void>): void {
    this.exitHandler = handler;
  }

  /** Starts `node <script>` as `name`, with the launcher's environment overrides. */
  spawn(name: string, script: string): void {
    const child = spawn(process.execPath, [script], {
      env: environmentForChildren(this.env),
      stdio: 'inherit',
      detached: true,
    });
    this.running.set(name, child);
    child.on('exit', (code, signal) => this.onChildExit(name, code, signal));
  }

  /** Asks every child to stop (SIGTERM); they shut down gracefully. */
  stopAll(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ reason }, 'stopping the service');
    this.running.forEach((child) => child.kill('SIGTERM'));
    if (this.running.size === 0) void this.exitHandler(this.exitCode);
  }

  private onChildExit(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    this.running.delete(name);
    if (!this.stopping) {
      this.log.error({ child: name, code, signal }, 'a service process exited unexpectedly; stopping the rest');
      this.exitCode = 1;
      this.stopAll(`${name} exited`);
      return;
    }
    this.log.info({ child: name, code }, 'process stopped');
    if (code !== 0) this.exitCode = 1;
    if (this.running.size === 0) void this.exitHandler(this.exitCode);
  }
}
