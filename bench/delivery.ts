/**
 * Scenario 2, delivery, one consumer process (CONSUMER_CONCURRENCY=50,
 * QUEUE_SHARDS=16). Per run, side by side on the same Redis and proxy:
 * the service consumer, the no-op ceiling, the HTTP floor and the naive
 * consumer each drain a backlog of N pushes posted through the API beforehand, and the
 * seed-style consumer the same pushes saved into its one queue (see drain.ts
 * for what the clock includes). While the service consumer is still running
 * after its drain, a paced load at half its steady rate gives the
 * accept→proxy latency. Last, one more service drain measures Redis memory per push.
 */
import { fetchText } from './api-client';
import { enqueueBacklog } from './backlog';
import { type DrainResult, measureDrain } from './drain';
import { type LatencyResult, pacedLatency } from './latency';
import { deliveredFromMetrics, type ProducerHandle } from './service';
import { enqueueSeedBacklog } from './seed-backlog';
import { ratio } from './stats';
import type { RedisClient } from 'redis';
import { waitFor } from '../src/core/wait-for';
import { connectedClients, jobsGone, keyBytes, type MemoryPerPush, outcomeKeyBytes, SMALL_MESSAGES, usedMemory } from './redis-memory';
import { prepareMessage } from './payload';
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
  /** The no-op ceiling plus one bare undici POST per push (see floor-consumer.ts). */
  floor: DrainResult;
  /** One plain queue, process(50), default axios.post(url, job.data). */
  seed: DrainResult;
  serviceVsNoop: number;
  serviceVsNaive: number;
  serviceVsSeed: number;
  serviceVsFloor: number;
  steadyServiceVsNoop: number;
  steadyServiceVsNaive: number;
  steadyServiceVsSeed: number;
  steadyServiceVsFloor: number;
  /** The consumer's own delivered counter after the drain (should equal the proxy count). */
  serviceMetricsDelivered: number;
  /** TCP connections the naive consumer opened at the proxy (one per push without keep-alive). */
  naiveConnections: number;
  latency: LatencyResult;
  /** Redis bytes per push of the service drain, queued and retained after delivery. */
  memory?: MemoryPerPush;
}

/** Fills the queues (through the API, or with `fill`), then drains them with `subject`, stopping it unless `keep`. */
export async function backlogAndDrain(ctx: DeliveryContext, subject: StoppableSubject, tag: string, keep = false, fill?: () => Promise<void>): Promise<DrainResult> {
  await ctx.flush();
  if (fill) await fill();
  else await enqueueBacklog(ctx.producer.api, ctx.pushes, tag);
  try {
    return await measureDrain(subject, ctx.pushes, { redis: ctx.target.pids(), proxy: [ctx.proxy.pid] });
  } finally {
    if (!keep) await subject.stop();
  }
}

/**
 * Redis bytes per push of a service drain of its own (standalone only): used_memory after the
 * flush, with the backlog queued and no consumer, and after the drain once every job has left
 * and the consumer has stopped and disconnected, so all three readings have the same connections.
 */
export async function memoryDrain(ctx: DeliveryContext, tag: string): Promise<MemoryPerPush | undefined> {
  const { redis } = ctx;
  if (!redis) return undefined;
  await ctx.flush();
  const clients = await connectedClients(redis);
  const empty = await usedMemory(redis);
  await enqueueBacklog(ctx.producer.api, ctx.pushes, tag);
  const queued = await usedMemory(redis);
  const subject = serviceSubject(ctx, 'service');
  try {
    await measureDrain(subject, ctx.pushes, { redis: ctx.target.pids(), proxy: [ctx.proxy.pid] });
    await jobsGone(redis, ctx.prefix, 60_000);
  } finally {
    await subject.stop();
  }
  await waitFor(async () => (await connectedClients(redis)) <= clients, { timeoutMs: 10_000, description: "the consumer's connections to close" });
  const per = (bytes: number): number => bytes / ctx.pushes;
  const retained = (await usedMemory(redis)) - empty;
  const [outcomes, all] = [await outcomeKeyBytes(redis, ctx.prefix), await keyBytes(redis, [`${ctx.prefix}:*`])];
  const small = await smallMessageDrain(ctx, redis, tag);
  return { queuedBytes: per(queued - empty), retainedBytes: per(retained), outcomeKeyBytes: per(outcomes), allKeyBytes: per(all), ...small };
}

/** What {@link SMALL_MESSAGES} 1:1 messages leave behind once delivered, per message (MEMORY USAGE). */
async function smallMessageDrain(ctx: DeliveryContext, redis: RedisClient, tag: string): Promise<Pick<MemoryPerPush, 'smallMessageKeyBytes' | 'smallMessageOutcomeKeyBytes'>> {
  await ctx.flush();
  for (let i = 0; i < SMALL_MESSAGES; i++) await ctx.producer.api.post(prepareMessage(`${tag}s${i}`, [`u${i}`]));
  const subject = serviceSubject(ctx, 'service');
  try {
    await measureDrain(subject, SMALL_MESSAGES, { redis: ctx.target.pids(), proxy: [ctx.proxy.pid] });
    await jobsGone(redis, ctx.prefix, 60_000);
  } finally {
    await subject.stop();
  }
  const [outcomes, all] = [await outcomeKeyBytes(redis, ctx.prefix), await keyBytes(redis, [`${ctx.prefix}:*`])];
  return { smallMessageKeyBytes: all / SMALL_MESSAGES, smallMessageOutcomeKeyBytes: outcomes / SMALL_MESSAGES };
}

/** Runs the five drains and the latency series. */
export async function runDelivery(ctx: DeliveryContext, run: number): Promise<DeliveryRun> {
  const serviceConsumer = serviceSubject(ctx, 'service');
  let service: DrainResult;
  let latency: LatencyResult;
  let serviceMetricsDelivered = Number.NaN;
  try {
    service = await backlogAndDrain(ctx, serviceConsumer, `dl${run}s`, true);
    const metricsUrl = serviceConsumer.consumers[0]?.metricsUrl;
    if (metricsUrl) serviceMetricsDelivered = deliveredFromMetrics(await fetchText(`${metricsUrl}/metrics`));
    const half = Math.max(1, service.steadyPps / 2);
    latency = await pacedLatency(ctx.producer.api, ctx.proxy, half, ctx.latencySeconds, `dl${run}p`);
  } finally {
    await serviceConsumer.stop();
  }
  const noop = await backlogAndDrain(ctx, helperSubject(ctx, 'noop', ctx.pushes), `dl${run}o`);
  const floor = await backlogAndDrain(ctx, helperSubject(ctx, 'floor', ctx.pushes), `dl${run}f`);
  const naive = await backlogAndDrain(ctx, helperSubject(ctx, 'naive', ctx.pushes), `dl${run}n`);
  const naiveConnections = (await ctx.proxy.count()).connections;
  const seedFill = (): Promise<void> => enqueueSeedBacklog(ctx.target, ctx.prefix, ctx.pushes, `dl${run}e`);
  const seed = await backlogAndDrain(ctx, helperSubject(ctx, 'seed', ctx.pushes), `dl${run}e`, false, seedFill);
  const memory = await memoryDrain(ctx, `dl${run}m`);
  await ctx.flush();
  return {
    service,
    noop,
    naive,
    floor,
    seed,
    serviceVsNoop: ratio(service.pps, noop.pps),
    serviceVsNaive: ratio(service.pps, naive.pps),
    serviceVsSeed: ratio(service.pps, seed.pps),
    serviceVsFloor: ratio(service.pps, floor.pps),
    steadyServiceVsNoop: ratio(service.steadyPps, noop.steadyPps),
    steadyServiceVsNaive: ratio(service.steadyPps, naive.steadyPps),
    steadyServiceVsSeed: ratio(service.steadyPps, seed.steadyPps),
    steadyServiceVsFloor: ratio(service.steadyPps, floor.steadyPps),
    serviceMetricsDelivered,
    naiveConnections,
    latency,
    ...(memory ? { memory } : {}),
  };
}
