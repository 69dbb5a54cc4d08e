/**
 * Scenario 1, intake: pushes per second accepted through the real HTTP API
 * for rooms of each size, side by side with the raw LPUSH floor and
 * Bee-Queue's saveAll on the same job bytes, in the same run. Small rooms
 * are posted several times per run (distinct message ids), so each figure
 * covers ~100,000 pushes or 100 requests rather than one few-ms request.
 */
import BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { lpushFloor, saveAllFloor } from './intake-floors';
import { likelyLimit } from './limits';
import { beeJobs, jobJsonStrings, type JobRetry, type PreparedMessage, prepareMessage, recipientIds } from './payload';
import { cpuCounters, CpuMeter, RssSampler } from './procfs';
import { flushAll } from './redis-client';
import type { ProducerHandle } from './service';
import { percentile, perSecond, ratio } from './stats';
import type { RedisTarget } from './workspace';

/** What intake needs from the run. */
export interface IntakeContext {
  target: RedisTarget;
  producer: ProducerHandle;
  redis: RedisClient;
  retry: JobRetry;
  sizes: readonly number[];
  /** Sequential 1k-room requests for the latency figure. */
  latencyRequests: number;
}

/** One way of writing the pushes, measured. */
export interface Phase {
  ms: number;
  pps: number;
  cores: Record<string, number>;
  limit: string;
}

/** Intake of one room size in one run. */
export interface IntakeSize {
  size: number;
  reps: number;
  pushes: number;
  api: Phase;
  lpush: Phase;
  saveAll: Phase;
  apiVsLpush: number;
  apiVsSaveAll: number;
}

/** Everything intake measured in one run. */
export interface IntakeRun {
  sizes: IntakeSize[];
  /** Producer VmRSS before and at most during the largest room's requests (sampled every 50 ms). */
  rss: { size: number; baselineBytes: number; maxBytes: number; samples: number };
  latency1k: { p50Ms: number; p99Ms: number; requests: number };
}

/**
 * Requests per size per run: about 100,000 pushes, but at most 100
 * requests, so even the fast LPUSH floor runs long enough (tens of ms) for
 * /proc's 10 ms CPU ticks to say something.
 */
export function repsFor(size: number): number {
  return Math.min(100, Math.max(1, Math.ceil(100_000 / size)));
}

/** Runs every size once, then the latency series. */
export async function runIntake(ctx: IntakeContext, run: number): Promise<IntakeRun> {
  const sizes: IntakeSize[] = [];
  const largest = Math.max(...ctx.sizes);
  let rss: IntakeRun['rss'] = { size: largest, baselineBytes: Number.NaN, maxBytes: Number.NaN, samples: 0 };
  for (const size of ctx.sizes) {
    const messages = Array.from({ length: repsFor(size) }, (_, rep) => prepareMessage(`in${run}s${size}r${rep}`, recipientIds(size)));
    const sampler = size === largest ? new RssSampler(ctx.producer.child.pid, 50) : undefined;
    const api = await measure(ctx, size * messages.length, () => postAll(ctx, messages));
    if (sampler) rss = rssSummary(size, sampler.stop());
    await flushAll(ctx.redis);
    const lpush = await lpushPhase(ctx, messages);
    const saveAll = await saveAllPhase(ctx, messages);
    sizes.push({ size, reps: messages.length, pushes: size * messages.length, api, lpush, saveAll, apiVsLpush: ratio(api.pps, lpush.pps), apiVsSaveAll: ratio(api.pps, saveAll.pps) });
  }
  const latency1k = await latencySeries(ctx, run);
  return { sizes, rss, latency1k };
}

function rssSummary(size: number, samples: Array<{ bytes: number }>): IntakeRun['rss'] {
  const bytes = samples.map((s) => s.bytes);
  return { size, baselineBytes: bytes[0] ?? Number.NaN, maxBytes: Math.max(...bytes), samples: bytes.length };
}

/** Times `work` (which returns the timed ms) while metering producer, Redis and bench CPU. */
async function measure(ctx: IntakeContext, pushes: number, work: () => Promise<number>): Promise<Phase> {
  const meter = new CpuMeter(cpuCounters({ producer: [ctx.producer.child.pid], 'redis-server': ctx.target.pids(), 'bench client': [process.pid] }));
  const ms = await work();
  const { cores } = meter.stop();
  return { ms, pps: perSecond(pushes, ms), cores, limit: likelyLimit(cores, ms) };
}

async function postAll(ctx: IntakeContext, messages: readonly PreparedMessage[]): Promise<number> {
  let total = 0;
  for (const message of messages) {
    const result = await ctx.producer.api.post(message);
    if (result.accepted !== message.recipients.length) {
      throw new Error(`${message.messageId}: accepted ${result.accepted} of ${message.recipients.length}`);
    }
    total += result.ms;
  }
  return total;
}

async function lpushPhase(ctx: IntakeContext, messages: readonly PreparedMessage[]): Promise<Phase> {
  const now = Date.now();
  const jsons = messages.map((m) => jobJsonStrings(m, now, ctx.retry));
  const pushes = jsons.reduce((sum, list) => sum + list.length, 0);
  const phase = await measure(ctx, pushes, async () => {
    let total = 0;
    for (const list of jsons) total += await lpushFloor(ctx.redis, 'bench:lpush-floor', list);
    return total;
  });
  await flushAll(ctx.redis);
  return phase;
}

async function saveAllPhase(ctx: IntakeContext, messages: readonly PreparedMessage[]): Promise<Phase> {
  const queue = new BeeQueue('saveall-floor', {
    prefix: 'bench',
    isWorker: false,
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    redis: { host: ctx.target.host, port: ctx.target.port },
  });
  try {
    await queue.ready();
    const now = Date.now();
    const jobs = messages.map((m) => beeJobs(queue, m, now, ctx.retry));
    const pushes = jobs.reduce((sum, list) => sum + list.length, 0);
    return await measure(ctx, pushes, async () => {
      let total = 0;
      for (const list of jobs) total += await saveAllFloor(queue, list);
      return total;
    });
  } finally {
    await queue.close();
    await flushAll(ctx.redis);
  }
}

/** p50/p99 of sequential 1k-room requests, each a new message id. */
async function latencySeries(ctx: IntakeContext, run: number): Promise<IntakeRun['latency1k']> {
  const recipients = recipientIds(1000);
  const times: number[] = [];
  for (let i = 0; i < ctx.latencyRequests; i++) {
    times.push((await ctx.producer.api.post(prepareMessage(`lat${run}n${i}`, recipients))).ms);
  }
  await flushAll(ctx.redis);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), requests: times.length };
}
