/**
 * One shard's Bee-Queue, kept pointed at the Redis node that owns its slot.
 *
 * Bee-Queue talks to one endpoint, never follows MOVED/ASK, loads its Lua
 * scripts once, and stalls forever after some connection errors. So instead
 * of patching a live queue, this router replaces it: on any routing error it
 * drops the queue, looks the owner up again (with backoff), builds a fresh
 * queue there (which reloads the scripts) and re-attaches the worker. Nothing
 * outside this module and the resolver knows whether Redis is a cluster.
 */
import BeeQueue = require('bee-queue');
import type { RedisConfig } from '../config/redis-config';
import { equalJitter } from '../core/backoff';
import { QueueUnavailableError } from '../core/errors';
import type { Logger } from '../core/logger';
import { delay, withTimeout } from '../core/wait-for';
import { commandClient, connectedAddress } from '../bee/queue-connections';
import { makeLoopResilient } from '../bee/resilient-loop';
import { DEFAULT_STALL_INTERVAL_MS } from '../bee/running-jobs';
import { dropQueue } from './drop-queue';
import type { ConnectionPool } from './connection-pool';
import type { EndpointResolver } from './endpoint-resolver';
import { JobKeepAlive } from './job-keep-alive';
import { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { CONNECT_TIMEOUT_MS } from '../redis/redis-client-options';
import { sendCommand } from '../redis/send-command';
import { isRoutingError, routingCause, type WriteRefusal, writeRefusalCause } from '../redis/redis-errors';

/** A job handler, as Bee-Queue's `process` takes it. */
export type JobHandler = (job: BeeQueue.Job<unknown>) => Promise<unknown>;

/** Everything a {@link ShardQueue} needs; the same for every shard of a role. */
export interface ShardQueueOptions {
  shard: Shard;
  prefix: string;
  redis: RedisConfig;
  resolver: EndpointResolver;
  /** Role-specific Bee-Queue settings (worker or not, events, ...). */
  settings: BeeQueue.QueueSettings;
  /** Shared command connections, one per node. */
  pool: ConnectionPool;
  log: Logger;
  /** Runs on every new queue before use, e.g. to register backoff strategies. */
  prepare?: (queue: BeeQueue, shard: Shard) => void;
  /** Told about every re-route with its cause label (see routingCause), e.g. to count them. */
  onReroute?: (shard: Shard, cause: string) => void;
  /** Told about every write Redis refused (full, failing snapshots, too few replicas, replica), e.g. to count them. */
  onWriteRefused?: (shard: Shard, cause: WriteRefusal) => void;
  /** Told about every job id found in `active` without data and removed. */
  onOrphanRemoved?: (shard: Shard) => void;
}

/** Upper bound of the pause between two failed attempts to (re)build the queue. */
const MAX_REBUILD_BACKOFF_MS = 1000;
/** Upper bound of the pause before a failed step of the job loop (pop, stall check, delayed jobs) runs again. */
const MAX_LOOP_BACKOFF_MS = 1000;
/** How long a readiness probe's key lives; it only has to be writable. */
const PROBE_TTL_MS = 10_000;
/** Refused writes are counted each; logged at most this often per shard. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Keeps one shard's queue connected to its slot's owner. */
export class ShardQueue {
  private queue: BeeQueue | undefined;
  private ready: Promise<BeeQueue>;
  private closed = false;
  private worker: { concurrency: number; handler: JobHandler; stallCheckMs: number } | undefined;
  private readonly keepAlive: JobKeepAlive;
  private readonly probeKey: string;
  private refusalLoggedAt = 0;

  constructor(private readonly options: ShardQueueOptions) {
    this.probeKey = new QueueKeys(options.prefix).probeKey(options.shard);
    this.keepAlive = new JobKeepAlive(
      options.settings.stallInterval ?? DEFAULT_STALL_INTERVAL_MS,
      () => this.queue,
      (err) => options.log.warn({ err, shard: options.shard.index }, 'heartbeat or finish of a re-routed job failed'),
    );
    this.ready = this.connect('start');
  }

  /** The shard this queue serves. */
  get shard(): Shard {
    return this.options.shard;
  }

  /** `host:port` of the node this shard talks to now, if connected. */
  get node(): string | undefined {
    return this.queue ? connectedAddress(this.queue) : undefined;
  }

  /**
   * A ready queue, waiting for a rebuild if one is under way. Rejects with
   * {@link QueueUnavailableError} when `deadline` (epoch ms) passes first.
   */
  acquire(deadline: number): Promise<BeeQueue> {
    if (this.queue) return Promise.resolve(this.queue);
    const remaining = deadline - Date.now();
    const unavailable = (): Error => new QueueUnavailableError(`shard ${this.shard.index} has no reachable Redis master`);
    if (this.closed || remaining <= 0) return Promise.reject(unavailable());
    return withTimeout(this.ready, remaining, unavailable);
  }

  /**
   * Reports that `queue` failed with `err`. A routing error replaces the
   * queue, once: reports about a queue already replaced are ignored.
   */
  reportError(queue: BeeQueue, err: unknown): void {
    const refusal = writeRefusalCause(err);
    if (refusal) this.options.onWriteRefused?.(this.shard, refusal);
    if (!isRoutingError(err)) {
      // A refused write is Redis's state, not a bug here: it is counted, and the step that failed retries.
      if (refusal) this.logRefusal(refusal, err);
      else this.options.log.error({ err, shard: this.shard.index }, 'queue error');
      return;
    }
    if (this.closed || queue !== this.queue) return;
    const reason = err instanceof Error ? err.message : String(err);
    this.options.log.warn({ shard: this.shard.index, reason }, 'shard lost its Redis route; re-routing');
    this.options.onReroute?.(this.shard, routingCause(err));
    this.queue = undefined;
    this.options.resolver.invalidate();
    // Its jobs still running keep their stall heartbeat, or the new queue would run them a second time.
    this.keepAlive.adopt(queue);
    void dropQueue(queue, 0);
    this.ready = this.connect(reason);
  }

  /** Logs a refused write, at most once per {@link REFUSAL_LOG_INTERVAL_MS}: every job slot retries each second. */
  private logRefusal(refusal: WriteRefusal, err: unknown): void {
    const now = Date.now();
    if (now - this.refusalLoggedAt < REFUSAL_LOG_INTERVAL_MS) return;
    this.refusalLoggedAt = now;
    this.options.log.warn({ shard: this.shard.index, refusal, reason: String(err) }, 'Redis refused a write (counted in redis_write_refusals_total)');
  }

  /** Starts processing jobs, now and on every future replacement queue. */
  process(concurrency: number, handler: JobHandler, stallCheckMs: number): void {
    this.worker = { concurrency, handler, stallCheckMs };
    if (this.queue) this.attachWorker(this.queue);
  }

  /**
   * True when the shard can work: its node takes a write (a short-lived probe
   * key) within `timeoutMs`. A node that answers PING but refuses writes
   * (full, failing snapshots, too few replicas) cannot queue or finish a job.
   */
  async ping(timeoutMs: number): Promise<boolean> {
    const queue = this.queue;
    const client = queue ? commandClient(queue) : null;
    if (!queue || !client) return false;
    const write = sendCommand(client, 'SET', [this.probeKey, '1', 'PX', PROBE_TTL_MS]);
    return withTimeout(write, timeoutMs, () => new Error('probe timeout')).then(
      () => true,
      (err: unknown) => {
        if (writeRefusalCause(err)) this.reportError(queue, err);
        return false;
      },
    );
  }

  /**
   * Stops taking jobs, waits up to `timeoutMs` for running ones, and closes
   * the connections. Jobs still running then are left to the stall check.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.keepAlive.stop();
    const queue = this.queue;
    this.queue = undefined;
    if (queue) await dropQueue(queue, timeoutMs);
    // A build under way sees `closed` and drops its queue itself; wait for that before the pool closes.
    await withTimeout(this.ready, timeoutMs + 500, () => new Error('connect still running')).catch(() => undefined);
  }

  /** (Re)builds the queue, retrying with backoff until it works or the router closes. */
  private async connect(reason: string): Promise<BeeQueue> {
    const promise = this.connectLoop(reason);
    // Nobody may be waiting when the router closes mid-build; that is fine.
    promise.catch(() => undefined);
    return promise;
  }

  private async connectLoop(reason: string): Promise<BeeQueue> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const queue = await this.buildQueue();
        if (this.closed) {
          await dropQueue(queue, 0);
          break;
        }
        // Before the new queue's first stall check: jobs of the queue it replaces must not look stalled.
        await this.keepAlive.beat(queue).catch((err: unknown) => this.reportError(queue, err));
        this.queue = queue;
        if (attempt > 0 || reason !== 'start') {
          this.options.log.info({ shard: this.shard.index, node: connectedAddress(queue), attempts: attempt + 1 }, 'shard re-routed');
        }
        this.attachWorker(queue);
        return queue;
      } catch (err) {
        this.options.log.warn({ err, shard: this.shard.index, attempt }, 'cannot reach shard owner; retrying');
        this.options.resolver.invalidate();
        await delay(equalJitter(100, MAX_REBUILD_BACKOFF_MS, attempt));
      }
    }
    throw new QueueUnavailableError(`shard ${this.shard.index} is closed`);
  }

  /** One attempt: find the owner, connect a new queue there, wait until it is ready. */
  private async buildQueue(): Promise<BeeQueue> {
    const endpoint = await this.options.resolver.ownerOf(this.shard.slot);
    const shared = this.options.pool.get(endpoint);
    // No queue (and none of its listeners or connections) before the node answers: see ConnectionPool.whenReady.
    await withTimeout(this.options.pool.whenReady(shared), CONNECT_TIMEOUT_MS * 2, () => new Error('node connect timeout'));
    const queue = new BeeQueue(this.shard.queueName, {
      ...this.options.settings,
      prefix: this.options.prefix,
      redis: shared,
      // The command connection is shared with the node's other shards: the pool owns it.
      quitCommandClient: false,
    });
    queue.on('error', (err) => this.reportError(queue, err));
    this.options.prepare?.(queue, this.shard);
    try {
      await withTimeout(queue.ready(), CONNECT_TIMEOUT_MS * 2, () => new Error('queue connect timeout'));
      return queue;
    } catch (err) {
      await dropQueue(queue, 0);
      throw err;
    }
  }

  private attachWorker(queue: BeeQueue): void {
    if (!this.worker) return;
    const { concurrency, handler, stallCheckMs } = this.worker;
    // Every failing step of the job loop is reported (counted, re-routed) and retried here, never fatal.
    makeLoopResilient(queue, {
      onError: (err) => this.reportError(queue, err),
      onOrphan: () => this.options.onOrphanRemoved?.(this.shard),
      maxBackoffMs: MAX_LOOP_BACKOFF_MS,
    });
    queue.process(concurrency, this.keepAlive.track(queue, handler));
    // Bee-Queue checks for stalled jobs once in process(); the periodic check
    // is ours to start, and must be restarted on every new queue.
    queue.checkStalledJobs(stallCheckMs).catch((err: unknown) => this.reportError(queue, err));
  }
}
