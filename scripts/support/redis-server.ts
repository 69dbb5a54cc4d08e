/**
 * Starts and stops real `redis-server` processes for tests, the dev launcher
 * and the cluster CLI. Each server listens on 127.0.0.1 only, keeps no data on
 * disk, and logs into its own directory so a failed start can explain itself.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from './free-port';
import { sendSignal, signalAndWait, spawnTracked, stopProcess, type TrackedChild } from './process-control';
import { HARNESS_HOST, redisCommand } from './redis-command';
import { redisLogTail, redisServerArgs, STDIO_LOG_FILE } from './redis-server-config';
import { waitFor } from '../../src/core/wait-for';

const BINARY = 'redis-server';
const READY_TIMEOUT_MS = 10_000;
/** An auto-picked port can be taken between probing and binding; retry a few times. */
const AUTO_PORT_ATTEMPTS = 3;

/** Thrown when `redis-server` is not on PATH; the message says how to install it. */
export class RedisServerMissingError extends Error {
  readonly code = 'redis_server_missing';
  constructor() {
    super(
      `${BINARY} was not found on PATH. Install it with: sudo apt-get install -y redis-server (Debian/Ubuntu)`,
    );
    this.name = 'RedisServerMissingError';
  }
}

/** Thrown when a server exits or stays silent during startup; carries its log tail. */
export class RedisServerStartError extends Error {
  readonly code = 'redis_server_start_failed';
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(`${message}\n--- redis-server log tail ---\n${logTail}`);
    this.name = 'RedisServerStartError';
  }
}

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Sets `requirepass`; clients must AUTH with it. */
  password?: string;
  /** Extra `redis-server` arguments, appended after the defaults. */
  args?: string[];
  /** Working directory to use and keep; a temp dir (removed by stop) when omitted. */
  dir?: string;
  /** Run in its own session and outlive this process (for the cluster CLI). */
  detached?: boolean;
}

/** A running (or killed, restartable) `redis-server` process. */
export interface RedisServerHandle {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly url: string;
  readonly password: string | undefined;
  /** Pid of the current process; changes on restart. */
  readonly pid: number;
  readonly dir: string;
  /** False after kill/stop until restart. */
  readonly running: boolean;
  /** Sends one command (authenticated if a password is set) and returns the reply. */
  command(...args: string[]): Promise<unknown>;
  /** SIGTERM, wait for exit, SIGKILL if needed, then remove an owned temp dir. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for exit; dir and port are kept for restart. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port, dir and arguments (stopping it first if it runs). */
  restart(): Promise<void>;
}

/** True if an executable `redis-server` is on PATH (it can be run and prints its version). */
export function isRedisServerInstalled(): boolean {
  const probe = spawnSync(BINARY, ['--version'], { stdio: 'ignore', timeout: 5000 });
  return probe.error === undefined && probe.status === 0;
}

/** Handles this process owns, killed on exit so a crashed test run leaves no servers. */
const ownedServers = new Set<ManagedRedisServer>();
process.on('exit', () => ownedServers.forEach((server) => server.killSync()));

class ManagedRedisServer implements RedisServerHandle {
  readonly host = HARNESS_HOST;
  private child: TrackedChild | undefined;
  private stopped = false;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly options: RedisServerOptions,
  ) {}

  get password(): string | undefined {
    return this.options.password;
  }
  get url(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}${HARNESS_HOST}:${this.port}`;
  }
  get pid(): number {
    return this.child?.pid ?? 0;
  }
  get running(): boolean {
    return !this.exited;
  }
  private get exited(): boolean {
    // Also true before the first spawn, so kill and stop have nothing to wait for.
    return this.child?.exited ?? true;
  }

  command(...args: string[]): Promise<unknown> {
    return redisCommand({ port: this.port, password: this.password }, args);
  }

  /** Spawns the process and resolves once it answers as itself; rejects with its log if not. */
  async launch(): Promise<void> {
    const logFile = path.join(this.dir, STDIO_LOG_FILE);
    const args = redisServerArgs(this.port, this.dir, this.options);
    this.child = spawnTracked(BINARY, args, logFile, this.options.detached ?? false);
    if (!this.options.detached) ownedServers.add(this);
    const outcome = await waitFor(() => this.readiness(), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 50,
      description: `${BINARY} on port ${this.port} to answer`,
    }).catch(async (err: unknown) => {
      await this.kill('SIGKILL');
      throw new RedisServerStartError(String(err instanceof Error ? err.message : err), redisLogTail(this.dir));
    });
    if (outcome === 'ready') return;
    const spawnError = this.child?.spawnError;
    if ((spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new RedisServerMissingError();
    }
    const reason = spawnError?.message ?? `exited during startup (code ${this.child?.exitCode})`;
    throw new RedisServerStartError(`${BINARY} on port ${this.port} ${reason}`, redisLogTail(this.dir));
  }

  /** 'ready' once INFO comes from our own pid (not some other server on the port). */
  private async readiness(): Promise<'ready' | 'exited' | false> {
    if (this.exited) return 'exited';
    const info = String(await this.command('INFO', 'server'));
    return info.includes(`process_id:${this.pid}\r\n`) ? 'ready' : false;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    const description = `${BINARY} ${this.pid} to exit after ${signal}`;
    await signalAndWait(this.pid, signal, () => this.exited, description);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.exited) await stopProcess(this.pid, () => this.exited);
    ownedServers.delete(this);
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${BINARY} on port ${this.port} was stopped; start a new one`);
    if (!this.exited) await stopProcess(this.pid, () => this.exited);
    await this.launch();
  }

  /** Synchronous last resort for process exit: no awaiting is possible there. */
  killSync(): void {
    if (!this.exited) sendSignal(this.pid, 'SIGKILL');
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a `redis-server` and resolves once it answers; see {@link RedisServerHandle}. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  if (!isRedisServerInstalled()) throw new RedisServerMissingError();
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'push-fanout-redis-'));
    fs.mkdirSync(dir, { recursive: true });
    const server = new ManagedRedisServer(port, dir, ownsDir, options);
    try {
      await server.launch();
      return server;
    } catch (err) {
      await server.stop();
      const portTaken = err instanceof RedisServerStartError && /address already in use/i.test(err.logTail);
      if (!portTaken || options.port !== undefined || attempt >= AUTO_PORT_ATTEMPTS) throw err;
    }
  }
}
