/**
 * Starts and stops real `redis-server` processes for tests, the dev launcher
 * and the cluster CLI. Each server listens on 127.0.0.1 only, keeps no data on
 * disk, and logs into its own directory so a failed start can explain itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { findFreePort } from './free-port';
import { waitFor, withTimeout, WaitTimeoutError } from '../../src/core/wait-for';

const HOST = '127.0.0.1';
const BINARY = 'redis-server';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 3_000;
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

/** Where to send a command, and how to authenticate. */
export interface RedisEndpoint {
  port: number;
  host?: string;
  password?: string;
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
function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0) return false; // kill(0) would signal our own process group
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Sends one command on a fresh connection and returns the reply; rejects on any failure. */
export async function redisCommand(endpoint: RedisEndpoint, args: readonly string[]): Promise<unknown> {
  const [command, ...rest] = args;
  if (command === undefined) throw new Error('redisCommand needs a command name');
  const client = createClient({
    host: endpoint.host ?? HOST,
    port: endpoint.port,
    password: endpoint.password,
    // The ready check sends INFO, which an unauthenticated client can't run.
    no_ready_check: true,
    connect_timeout: COMMAND_TIMEOUT_MS,
    // Never reconnect: hand the connection error to the pending command.
    retry_strategy: (options) => options.error ?? new Error('connection closed'),
  });
  // A failed AUTH only surfaces as an 'error' event, and the command then fails
  // with a vaguer NOAUTH; keep the AUTH error to report the real cause. Other
  // errors also reach the command's callback, so they are only kept from throwing.
  let authError: Error | undefined;
  client.on('error', (err: Error & { command?: string }) => {
    if (err.command === 'AUTH') authError ??= err;
  });
  const reply = new Promise<unknown>((resolve, reject) => {
    client.send_command(command, rest, (err: Error | null, value: unknown) =>
      err ? reject(authError ?? err) : resolve(value),
    );
  });
  try {
    return await withTimeout(reply, COMMAND_TIMEOUT_MS, () => {
      return new Error(`${command} to ${HOST}:${endpoint.port} got no reply in ${COMMAND_TIMEOUT_MS} ms`);
    });
  } finally {
    client.end(false);
  }
}

/** Last lines of the server's log and of its stdout/stderr (config errors land there). */
function logTail(dir: string, lines = 20): string {
  return ['redis.log', 'redis.stdio.log']
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

/** Handles this process owns, killed on exit so a crashed test run leaves no servers. */
const ownedServers = new Set<ManagedRedisServer>();
process.on('exit', () => ownedServers.forEach((server) => server.killSync()));

class ManagedRedisServer implements RedisServerHandle {
  readonly host = HOST;
  private child: ChildProcess | undefined;
  private exited = true;
  private spawnError: Error | undefined;
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
    return `redis://${auth}${HOST}:${this.port}`;
  }
  get pid(): number {
    return this.child?.pid ?? 0;
  }
  get running(): boolean {
    return !this.exited;
  }

  command(...args: string[]): Promise<unknown> {
    return redisCommand({ port: this.port, password: this.password }, args);
  }

  /** Spawns the process and resolves once it answers as itself; rejects with its log if not. */
  async launch(): Promise<void> {
    this.spawnChild();
    if (!this.options.detached) ownedServers.add(this);
    const outcome = await waitFor(() => this.readiness(), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 50,
      description: `${BINARY} on port ${this.port} to answer`,
    }).catch(async (err: unknown) => {
      await this.kill('SIGKILL');
      throw new RedisServerStartError(String(err instanceof Error ? err.message : err), logTail(this.dir));
    });
    if (outcome === 'ready') return;
    if ((this.spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new RedisServerMissingError();
    }
    const reason = this.spawnError?.message ?? `exited during startup (code ${this.child?.exitCode})`;
    throw new RedisServerStartError(`${BINARY} on port ${this.port} ${reason}`, logTail(this.dir));
  }

  private spawnChild(): void {
    // A file, not a pipe: a pipe would tie the server's lifetime to ours.
    const out = fs.openSync(path.join(this.dir, 'redis.stdio.log'), 'a');
    try {
      this.child = spawn(BINARY, serverArgs(this.port, this.dir, this.options), {
        stdio: ['ignore', out, out],
        detached: this.options.detached ?? false,
      });
    } finally {
      fs.closeSync(out);
    }
    this.exited = false;
    this.spawnError = undefined;
    const child = this.child;
    child.once('error', (err) => {
      this.spawnError = err;
      this.exited = true;
    });
    child.once('exit', () => {
      if (this.child === child) this.exited = true;
    });
    // Let a test runner exit; the 'exit' event still tells us when it dies.
    child.unref();
  }

  /** 'ready' once INFO comes from our own pid (not some other server on the port). */
  private async readiness(): Promise<'ready' | 'exited' | false> {
    if (this.exited) return 'exited';
    const info = String(await this.command('INFO', 'server'));
    return info.includes(`process_id:${this.pid}\r\n`) ? 'ready' : false;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    sendSignal(this.pid, signal);
    await waitFor(() => this.exited, {
      timeoutMs: KILL_TIMEOUT_MS,
      description: `${BINARY} ${this.pid} to exit after ${signal}`,
    });
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

/** Defaults first so that caller-supplied `args` can override them. */
function serverArgs(port: number, dir: string, options: RedisServerOptions): string[] {
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--logfile', path.join(dir, 'redis.log'), '--daemonize', 'no');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  return args.concat(options.args ?? []);
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
