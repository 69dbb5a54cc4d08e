/**
 * All shard queues of one process. Producers and consumers build the same
 * shard list from the same config, so they always agree on names and slots.
 */
import type BeeQueue = require('bee-queue');
import type { CommonConfig } from '../config/config';
import type { Logger } from '../core/logger';
import { ConnectionPool } from './connection-pool';
import { createResolver } from './create-resolver';
import type { EndpointResolver } from './endpoint-resolver';
import { buildShards, type Shard, shardIndexFor } from './queue-keys';
import { type JobHandler, ShardQueue, type ShardQueueOptions } from './shard-queue';

/** What a process does with its queues; decides Bee-Queue's settings. */
export type QueueRole = 'producer' | 'consumer';

/**
 * Producers only write (through the bulk script; Bee-Queue is their
 * connection and script loader): no blocking connection, no event
 * subscription, no per-job memory (`storeJobs: false`). Consumers process, activate delayed retries, and
 * delete a job when it ends either way: a failed push is kept, with its
 * reason, in the dead-letter store, which is bounded, unlike Bee-Queue's
 * failed set.
 */
function settingsFor(role: QueueRole, config: CommonConfig): BeeQueue.QueueSettings {
  if (role === 'producer') {
    return { isWorker: false, getEvents: false, sendEvents: false, storeJobs: false, activateDelayedJobs: false };
  }
  return {
    isWorker: true,
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    activateDelayedJobs: true,
    removeOnSuccess: true,
    removeOnFailure: true,
    stallInterval: config.queue.stallIntervalMs,
  };
}

/** Options for {@link ShardSet.create}. */
export interface ShardSetOptions {
  config: CommonConfig;
  role: QueueRole;
  log: Logger;
  prepare?: (queue: BeeQueue) => void;
  onReroute?: (shard: Shard, cause: string) => void;
  onWriteRefused?: ShardQueueOptions['onWriteRefused'];
  onOrphanRemoved?: ShardQueueOptions['onOrphanRemoved'];
  /** Overrides the resolver built from the config (tests point queues at the wrong node). */
  resolver?: EndpointResolver | undefined;
}

/** The process's shard queues, indexed by shard number. */
export class ShardSet {
  private constructor(
    readonly queues: readonly ShardQueue[],
    private readonly pool: ConnectionPool,
  ) {}

  /** Builds one router per shard; connections open in the background. */
  static create(options: ShardSetOptions): ShardSet {
    const { config, role, log } = options;
    const resolver = options.resolver ?? createResolver(config.redis);
    const settings = settingsFor(role, config);
    // Each shard's queue adds an error listener to its node's shared client.
    const pool = new ConnectionPool(config.redis, config.queue.shards + 16, log);
    const queues = buildShards(config.queue.shards).map(
      (shard) =>
        new ShardQueue({
          shard,
          prefix: config.queue.prefix,
          redis: config.redis,
          resolver,
          settings,
          pool,
          log,
          prepare: options.prepare,
          onReroute: options.onReroute,
          onWriteRefused: options.onWriteRefused,
          onOrphanRemoved: options.onOrphanRemoved,
        }),
    );
    return new ShardSet(queues, pool);
  }

  /** The router of shard `index`. */
  get(index: number): ShardQueue {
    const queue = this.queues[index];
    if (!queue) throw new RangeError(`no shard ${index} (have ${this.queues.length})`);
    return queue;
  }

  /** The router of the shard `key` (a message or token id) hashes to. */
  forKey(key: string): ShardQueue {
    return this.get(shardIndexFor(key, this.queues.length));
  }

  /** How many jobs run at once in total when `totalConcurrency` is split over the shards. */
  effectiveConcurrency(totalConcurrency: number): number {
    return splitConcurrency(totalConcurrency, this.queues.length).reduce((a, b) => a + b, 0);
  }

  /** Processes every shard, splitting `totalConcurrency` over them. */
  process(totalConcurrency: number, handler: JobHandler, stallCheckMs: number): void {
    const split = splitConcurrency(totalConcurrency, this.queues.length);
    this.queues.forEach((queue, i) => queue.process(split[i] ?? 1, handler, stallCheckMs));
  }

  /** True when every shard's node takes a write within `timeoutMs` (see ShardQueue.ping). */
  async ping(timeoutMs: number): Promise<boolean> {
    const answers = await Promise.all(this.queues.map((queue) => queue.ping(timeoutMs)));
    return answers.every(Boolean);
  }

  /** Closes every shard, then the shared connections, within one time limit each. */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close(timeoutMs)));
    await this.pool.closeAll(Math.min(timeoutMs, 1000));
  }
}

/**
 * Splits a process-wide concurrency over `shards` queues so that the total is
 * exactly `total` (each shard gets at least 1, so a total below the shard
 * count is rounded up to one per shard). Recipients hash evenly over shards,
 * so an even split keeps every in-flight slot busy.
 */
export function splitConcurrency(total: number, shards: number): number[] {
  const base = Math.floor(total / shards);
  const extra = total % shards;
  return Array.from({ length: shards }, (_, i) => Math.max(1, base + (i < extra ? 1 : 0)));
}
