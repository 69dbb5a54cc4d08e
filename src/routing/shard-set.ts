/**
 * All shard queues of one process. Producers and consumers build the same
 * shard list from the same config, so they always agree on names and slots.
 */
import type BeeQueue = require('bee-queue');
import type { CommonConfig } from '../config/config';
import type { Logger } from '../core/logger';
import { ConnectionPool } from './connection-pool';
import { IntakeConnections } from './intake-connections';
import { createResolver } from './create-resolver';
import type { EndpointResolver } from './endpoint-resolver';
import { LANES, type Lane, type LaneConcurrency } from '../queue/lane';
import { shardIndexFor } from './shard-index';
import { buildShards, type Shard } from '../queue/shards';
import { type JobHandler, ShardQueue, type ShardQueueOptions } from './shard-queue';

/** What a process does with its queues; decides Bee-Queue's settings. */
export type QueueRole = 'producer' | 'consumer';

/**
 * Producers only write (through the bulk script; Bee-Queue is their
 * connection and script loader): no blocking connection, no event
 * subscription, no per-job memory (`storeJobs: false`). Consumers process, activate delayed retries, and
 * delete a job when it ends either way: a failed push is kept, with its
 * reason, in the dead-letter store, which is bounded, unlike Bee-Queue's
 * failed set. Consumers raise delayed jobs at most {@link DELAYED_DEBOUNCE_MS}
 * late: Bee-Queue's default (1000 ms) batches them up to a second late, which
 * would add up to a second to every push held for collapse (COLLAPSE_HOLD_MS)
 * and to every retry. One extra raise per 25 ms per shard is cheap.
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
    delayedDebounce: DELAYED_DEBOUNCE_MS,
  };
}

/** How late a consumer may raise a due delayed job, batching those due close together (see settingsFor). */
const DELAYED_DEBOUNCE_MS = 25;

/** Options for {@link ShardSet.create}. */
export interface ShardSetOptions {
  config: CommonConfig;
  role: QueueRole;
  log: Logger;
  prepare?: (queue: BeeQueue, shard: Shard) => void;
  onReroute?: (shard: Shard, cause: string) => void;
  onWriteRefused?: ShardQueueOptions['onWriteRefused'];
  onOrphanRemoved?: ShardQueueOptions['onOrphanRemoved'];
  /** Overrides the resolver built from the config (tests point queues at the wrong node). */
  resolver?: EndpointResolver | undefined;
  /** Most intake connections per node (producers); none are opened until an intake leases one. */
  intakeConnectionsPerNode?: number;
}

/** Intake connections per node when the role does not say (only producers lease them). */
const DEFAULT_INTAKE_CONNECTIONS = 32;

/** The process's shard queues: one set per lane, each indexed by shard number. */
export class ShardSet {
  private constructor(
    private readonly lanes: ReadonlyMap<Lane, readonly ShardQueue[]>,
    private readonly pools: readonly ConnectionPool[],
    /** Connections intakes lease for their writes and WAIT, apart from the shared ones. */
    readonly intake: IntakeConnections,
  ) {}

  /**
   * Builds one router per shard and lane; connections open in the
   * background. Each lane has its own shared command connections, so a
   * broadcast's intake or drain never queues a conversation's commands
   * behind its own on one socket.
   */
  static create(options: ShardSetOptions): ShardSet {
    const { config, role, log } = options;
    const resolver = options.resolver ?? createResolver(config.redis);
    const settings = settingsFor(role, config);
    const pools: ConnectionPool[] = [];
    const lanes = new Map<Lane, ShardQueue[]>();
    for (const lane of LANES) {
      // Each shard's queue adds an error listener to its node's shared client.
      const pool = new ConnectionPool(config.redis, config.queue.shards + 16, log);
      pools.push(pool);
      const queues = buildShards(config.queue.shards, lane).map(
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
      lanes.set(lane, queues);
    }
    const intake = new IntakeConnections(config.redis, options.intakeConnectionsPerNode ?? DEFAULT_INTAKE_CONNECTIONS, log);
    return new ShardSet(lanes, pools, intake);
  }

  /** Every router of every lane, interactive lane first. */
  get queues(): readonly ShardQueue[] {
    return LANES.flatMap((lane) => this.lane(lane));
  }

  /** Shards per lane. */
  get shardCount(): number {
    return this.lane('interactive').length;
  }

  /** The routers of one lane, by shard number. */
  lane(lane: Lane): readonly ShardQueue[] {
    return this.lanes.get(lane) ?? [];
  }

  /** The router of shard `index` of `lane`. */
  get(index: number, lane: Lane = 'interactive'): ShardQueue {
    const queue = this.lane(lane)[index];
    if (!queue) throw new RangeError(`no ${lane} shard ${index} (have ${this.shardCount})`);
    return queue;
  }

  /**
   * The router of the interactive shard `key` (a message or token id)
   * hashes to: the home of per-message and per-token records, whatever lane
   * the message's pushes take, as before lanes existed.
   */
  forKey(key: string): ShardQueue {
    return this.get(shardIndexFor(key, this.shardCount));
  }

  /** Processes every shard of every lane with `handler`, splitting each lane's concurrency over its shards. */
  process(perLane: LaneConcurrency, handler: JobHandler, stallCheckMs: number): void {
    for (const lane of LANES) {
      const split = splitConcurrency(perLane[lane], this.shardCount);
      this.lane(lane).forEach((queue, i) => queue.process(split[i] ?? 1, handler, stallCheckMs));
    }
  }

  /** True when every shard's node takes a write within `timeoutMs` (see ShardQueue.ping). */
  async ping(timeoutMs: number): Promise<boolean> {
    const answers = await Promise.all(this.queues.map((queue) => queue.ping(timeoutMs)));
    return answers.every(Boolean);
  }

  /** Closes every shard, then the shared connections, within one time limit each. */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close(timeoutMs)));
    const limit = Math.min(timeoutMs, 1000);
    await Promise.all([...this.pools.map((pool) => pool.closeAll(limit)), this.intake.closeAll(limit)]);
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
