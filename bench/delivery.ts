/**
 * Scenario 2, delivery, one consumer process (CONSUMER_CONCURRENCY=50,
 * QUEUE_SHARDS=16). Per run, side by side on the same Redis and proxy:
 * the service consumer, the no-op ceiling and the naive consumer each drain
 * a backlog of N pushes posted through the API beforehand, and the
 * seed-style consumer the same pushes saved into its one queue (see drain.ts
 * for what the clock includes). While the service consumer is still running
 * after its drain, a paced load at half its steady rate gives the
 * accept→proxy latency.
 */
import { fetchText } from './api-client';
import { enqueueBacklog } from './backlog';
import { type DrainResult, measureDrain } from './drain';
import { type LatencyResult, pacedLatency } from './latency';
import { deliveredFromMetrics, type ProducerHandle } from './service';
import { enqueueSeedBacklog } from './seed-backlog';
import { ratio } from './stats';
import type { RedisClient } from 'redis';
import { jobsGone, keyBytes, type MemoryPerPush, outcomeKeyBytes, usedMemory } from './redis-memory';
import { type DeliveryEnv, helperSubject, serviceSubject, type StoppableSubject } from './subjects';

/** What delivery needs. */
export interface DeliveryContext extends DeliveryEnv {
  producer: ProducerHandle;
  /** Deletes every key on the scenario's Redis (FLUSHALL on each master). */
  flush: () => Promise<void>;
  /** A client of the one (standalone) server, to read its memory; absent on a cluster. */
  redis?: RedisClient;
  pushes: number;
  latencySeconds: number;
}

/** Everything delivery measured in one run. */
export interface DeliveryRun {
  service: DrainResult;
  noop: DrainResult;
  naive: DrainResult;
  /** One plain queue, process(50), default axios.post(url, job.data). */
  seed: DrainResult;
  serviceVsNoop: number;
  serviceVsNaive: number;
  serviceVsSeed: number;
  steadyServiceVsNoop: number;
  steadyServiceVsNaive: number;
  steadyServiceVsSeed: number;
  /** The consumer's own delivered counter after the drain (should equal the proxy count). */
  serviceMetricsDelivered: number;
  /** TCP connections the naive consumer opened at the proxy (one per push without keep-alive). */
  naiveConnections: number;
  latency: LatencyResult;
  /** Redis bytes per push of the service drain, queued and retained after delivery. */
  memory?: MemoryPerPush;
}

/**
 * Fills the queues (through the API, or with `fill`), then drains them with `subject`, stopping it
 * unless `keep`. With `memory` (and a standalone server) it also measures Redis bytes per push:
 * after the flush, with the backlog queued, and once every job has left after the drain.
 */
export async function backlogAndDrain(
  ctx: DeliveryContext,
  subject: StoppableSubject,
  tag: string,
  keep = false,
  fill?: () => Promise<void>,
  memory?: { result?: MemoryPerPush },
): Promise<DrainResult> {
  await ctx.flush();
  const redis = memory ? ctx.redis : undefined;
  const empty = redis ? await usedMemory(redis) : 0;
  if (fill) await fill();
  else await enqueueBacklog(ctx.producer.api, ctx.pushes, tag);
  const queued = redis ? await usedMemory(redis) : 0;
  try {
    const drain = await measureDrain(subject, ctx.pushes, { redis: ctx.target.pids(), proxy: [ctx.proxy.pid] });
    if (redis && memory) {
      await jobsGone(redis, ctx.prefix, 60_000);
      const per = (bytes: number): number => bytes / ctx.pushes;
      const retainedBytes = per((await usedMemory(redis)) - empty);
      const [outcomes, all] = [await outcomeKeyBytes(redis, ctx.prefix), await keyBytes(redis, [`${ctx.prefix}:*`])];
      memory.result = { queuedBytes: per(queued - empty), retainedBytes, outcomeKeyBytes: per(outcomes), allKeyBytes: per(all) };
    }
    return drain;
  } finally {
    if (!keep) await subject.stop();
  }
}

/** Runs the four drains and the latency series. */
export async function runDelivery(ctx: DeliveryContext, run: number): Promise<DeliveryRun> {
  const serviceConsumer = serviceSubject(ctx, 'service');
  let service: DrainResult;
  let latency: LatencyResult;
  let serviceMetricsDelivered = Number.NaN;
  const memory: { result?: MemoryPerPush } = {};
  try {
    service = await backlogAndDrain(ctx, serviceConsumer, `dl${run}s`, true, undefined, memory);
    const metricsUrl = serviceConsumer.consumers[0]?.metricsUrl;
    if (metricsUrl) serviceMetricsDelivered = deliveredFromMetrics(await fetchText(`${metricsUrl}/metrics`));
    const half = Math.max(1, service.steadyPps / 2);
    latency = await pacedLatency(ctx.producer.api, ctx.proxy, half, ctx.latencySeconds, `dl${run}p`);
  } finally {
    await serviceConsumer.stop();
  }
  const noop = await backlogAndDrain(ctx, helperSubject(ctx, 'noop', ctx.pushes), `dl${run}o`);
  const naive = await backlogAndDrain(ctx, helperSubject(ctx, 'naive', ctx.pushes), `dl${run}n`);
  const naiveConnections = (await ctx.proxy.count()).connections;
  const seedFill = (): Promise<void> => enqueueSeedBacklog(ctx.target, ctx.prefix, ctx.pushes, `dl${run}e`);
  const seed = await backlogAndDrain(ctx, helperSubject(ctx, 'seed', ctx.pushes), `dl${run}e`, false, seedFill);
  await ctx.flush();
  return {
    service,
    noop,
    naive,
    seed,
    serviceVsNoop: ratio(service.pps, noop.pps),
    serviceVsNaive: ratio(service.pps, naive.pps),
    serviceVsSeed: ratio(service.pps, seed.pps),
    steadyServiceVsNoop: ratio(service.steadyPps, noop.steadyPps),
    steadyServiceVsNaive: ratio(service.steadyPps, naive.steadyPps),
    steadyServiceVsSeed: ratio(service.steadyPps, seed.steadyPps),
    serviceMetricsDelivered,
    naiveConnections,
    latency,
    ...(memory.result ? { memory: memory.result } : {}),
  };
}
