/**
 * Assembles the consumer from its config: the push client, the shard queues,
 * the handler, metrics and the probe server. Kept out of `main.ts` so tests
 * run exactly this.
 */
import type http from 'node:http';
import type BeeQueue = require('bee-queue');
import { peekOnTake } from '../src/bee/take-job';
import { skipScriptedFinishes } from '../src/bee/script-finish';
import type { ConsumerConfig } from '../src/config/consumer-config';
import type { Logger } from '../src/core/logger';
import { deadLetterStoreFor } from '../src/deadletter/dead-letter-store';
import { DeliveryMarkers } from '../src/delivery/delivery-markers';
import { ConsumerMetrics } from '../src/metrics/consumer-metrics';
import { createPushClient, type PushClient } from '../src/notify/push-client';
import { SharedRateLimiter, UNLIMITED } from '../src/rate/rate-limiter';
import type { EndpointResolver } from '../src/routing/endpoint-resolver';
import { LaneGate, type LanePlan, planLanes } from '../src/routing/lane-scheduler';
import { QueueDepths } from '../src/metrics/queue-depth';
import { QueueKeys } from '../src/queue/queue-keys';
import type { Shard } from '../src/queue/shards';
import { registerPushBackoff } from '../src/retry/retry-policy';
import { ShardSet } from '../src/routing/shard-set';
import { startProbeServer } from './probe-server';
import { CollapseState } from '../src/collapse/collapse-state';
import { CollapseTurns } from '../src/collapse/collapse-turn';
import { shardIndexFor } from '../src/routing/shard-index';
import { createPushHandler } from './push-handler';

/** How old a queue-depth reading may be when scraped. */
const DEPTH_MAX_AGE_MS = 5000;
/** Deadline of one collapse state call; a push that cannot reach its pair's state fails its run as transient. */
const COLLAPSE_CALL_TIMEOUT_MS = 5000;
/** How long a readiness probe (a write per shard) may take. */
const READY_PING_TIMEOUT_MS = 1000;

/** A running consumer. */
export interface Consumer {
  shards: ShardSet;
  /** Admits each lane's jobs by the lane plan. */
  gate: LaneGate;
  metrics: ConsumerMetrics;
  probes: http.Server & { port: number };
  /** Stops taking jobs, lets running pushes finish within `timeoutMs`, closes connections and the probe server. */
  close(timeoutMs: number): Promise<void>;
}

/** Builds the consumer and starts processing every shard. `resolver` overrides slot routing (tests). */
export async function startConsumer(config: ConsumerConfig, log: Logger, resolver?: EndpointResolver): Promise<Consumer> {
  const keys = new QueueKeys(config.queue.prefix);
  const { shards, metrics } = openShards(config, keys, log, resolver);
  const plan = planLanes(config.push.concurrency, config.lanes);
  const gate = new LaneGate(plan);
  metrics.trackLanes(gate);
  const client = pushClientFor(config, plan, { shards, keys, metrics, log });
  const handler = createPushHandler({
    client: gated(gate, client),
    log,
    events: metrics,
    outcomes: new DeliveryMarkers(keys, config.retention.idempotencyTtlSeconds),
    turns: collapseTurnsFor(config, { shards, keys, log }),
    deadLetters: deadLetterStoreFor(config.retention, keys),
    routers: new Map(shards.queues.map((q) => [q.shard.queueName, q])),
  });
  // The probe server starts first: if its port is taken, nothing is consuming yet.
  const probes = await startProbeServer({ registry: metrics.registry, isReady: () => shards.ping(READY_PING_TIMEOUT_MS) }, config.metricsPort).catch(
    async (err: unknown) => {
      await shards.close(1000);
      await client.close();
      throw err;
    },
  );
  shards.process(plan.take, handler, config.queue.stallIntervalMs);
  return {
    shards,
    gate,
    metrics,
    probes,
    async close(timeoutMs) {
      await shards.close(timeoutMs);
      await client.close();
      probes.closeAllConnections();
      await new Promise<void>((resolve) => probes.close(() => resolve()));
    },
  };
}

/** What the consumer's parts are built from. */
interface Wiring {
  shards: ShardSet;
  keys: QueueKeys;
  metrics: ConsumerMetrics;
  log: Logger;
}

/** The shard set, with each queue prepared for push jobs, and the metrics that count its events. */
function openShards(config: ConsumerConfig, keys: QueueKeys, log: Logger, resolver?: EndpointResolver): { shards: ShardSet; metrics: ConsumerMetrics } {
  // The shard set's events may come before the metrics exist (they read the shard set): counted once they do.
  let metrics: ConsumerMetrics | undefined;
  const onReroute = (_: unknown, cause: string): void => void metrics?.reroutes.inc({ cause });
  const onWriteRefused = (_: unknown, cause: string): void => void metrics?.writeRefusals.inc({ cause });
  const onOrphanRemoved = (): void => void metrics?.orphansRemoved.inc();
  // Each take also reads the job's delivery marker, so a push needs no read of its own before it runs;
  // a run the handler finished in its outcome script is not finished again by Bee-Queue.
  const prepare = (queue: BeeQueue, shard: Shard): void => {
    registerPushBackoff(queue);
    peekOnTake(queue, keys.outcomeBitsKeyParts(shard));
    skipScriptedFinishes(queue);
  };
  const shards = ShardSet.create({ config, role: 'consumer', log, prepare, resolver, onReroute, onWriteRefused, onOrphanRemoved });
  metrics = new ConsumerMetrics(new QueueDepths(shards, keys, DEPTH_MAX_AGE_MS, READY_PING_TIMEOUT_MS * 2));
  return { shards, metrics };
}

/** The push client: one socket per send either lane may have in flight, the retries counted, the shared rate limit if set. */
function pushClientFor(config: ConsumerConfig, plan: LanePlan, { shards, keys, metrics, log }: Wiring): PushClient {
  const limiterEvents = {
    bypassed: () => metrics.rateLimitBypassed(),
    failed: (shard: Shard, err: unknown) => {
      metrics.rateLimiterFailed();
      log.warn({ shard: shard.index, reason: err instanceof Error ? err.message : String(err) }, 'rate limit bucket unavailable; sending without tokens for 1 s');
    },
  };
  return createPushClient({
    ...config.push,
    // One socket per send either lane may have in flight, so an interactive push never waits for a connection held by bulk.
    maxSockets: plan.caps.interactive + plan.caps.bulk,
    onRetry: (n, err) => {
      metrics.httpRetry();
      log.debug({ retry: n, reason: err.code ?? err.response?.status }, 'retrying push request');
    },
    onResponse: (status, seconds) => metrics.upstreamRequest(status, seconds),
    limiter: config.push.rateLimit > 0 ? new SharedRateLimiter(shards.lane('interactive'), keys, config.push.rateLimit, limiterEvents) : UNLIMITED,
  });
}

/** Every send of a push holds one of its lane's slots (see lane-scheduler): the concurrency is the upstream's. */
function gated(gate: LaneGate, client: PushClient): PushClient {
  return {
    send: (push, scope, signal) => gate.run(scope?.shard.lane ?? 'interactive', () => client.send(push, scope, signal)),
    close: () => client.close(),
  };
}

/** Turns on (recipient, collapseKey) pairs, kept on the interactive lane's shard of the recipient. */
function collapseTurnsFor(config: ConsumerConfig, { shards, keys, log }: Omit<Wiring, 'metrics'>): CollapseTurns {
  const timing = {
    leaseMs: config.collapse.leaseMs,
    waitMs: turnWaitMs(config),
    callTimeoutMs: Math.min(config.collapse.leaseMs, COLLAPSE_CALL_TIMEOUT_MS),
  };
  const onLeaseError = (err: unknown): void => log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'collapse lease renewal or release failed');
  return new CollapseTurns(new CollapseState(keys), shards.lane('interactive'), (r) => shardIndexFor(r, shards.shardCount), timing, onLeaseError);
}

/**
 * How long a push waits for its pair's turn: a holder that crashed frees the
 * pair within one lease, and a live one may take its longest send (every
 * in-attempt retry timing out, with the longest pauses between) plus a lease.
 * A wait longer than that is retried through the queue, without using a retry.
 */
function turnWaitMs(config: ConsumerConfig): number {
  const { retries, timeoutMs, retryMaxDelayMs } = config.push;
  return Math.max(2 * config.collapse.leaseMs, (retries + 1) * timeoutMs + retries * retryMaxDelayMs + config.collapse.leaseMs);
}
