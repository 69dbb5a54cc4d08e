/**
 * Metrics both processes expose: Node's own, Redis re-routes, and per-shard
 * queue depth (read through the cached depth reader, so a scrape costs at
 * most one round of Redis reads per cache interval).
 */
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import { JOB_STATES } from '../bee/queue-counts';
import { LANES } from '../queue/lane';
import type { QueueDepths, ShardDepth } from './queue-depth';

/** Metric names start with this. */
export const PREFIX = 'push_fanout_';

/** Registers the shared metrics; returns the re-route counter to feed. */
export function registerSharedMetrics(registry: Registry, depths: QueueDepths): Counter<'cause'> {
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  registerDepthGauges(registry, depths);
  registerLaneGauges(registry, depths);
  return new Counter({
    name: `${PREFIX}redis_reroutes_total`,
    help: 'Shard queues rebuilt against a newly looked-up node (failovers, MOVED, lost connections)',
    labelNames: ['cause'],
    registers: [registry],
  });
}

function registerDepthGauges(registry: Registry, depths: QueueDepths): void {
  const jobs = new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: 'Jobs per lane, shard and state (waiting, active, delayed) and dead letters per shard',
    labelNames: ['lane', 'shard', 'state'],
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      jobs.reset();
      for (const d of read ?? []) {
        const at = { lane: d.lane, shard: String(d.index) };
        for (const state of JOB_STATES) jobs.set({ ...at, state }, d[state]);
        jobs.set({ ...at, state: 'dead_letter' }, d.deadLetters);
      }
    },
  });
  const waiting = new Gauge({
    name: `${PREFIX}queue_waiting`,
    help: 'Waiting jobs over all shards of both lanes',
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      if (read) waiting.set(read.reduce((n, d) => n + d.waiting, 0));
    },
  });
}

/**
 * Per-lane lag: how many pushes wait, and how long the oldest of them has
 * waited. Depth alone misleads (a 100k broadcast is a normal depth for bulk
 * and an emergency for interactive); the oldest push's age is what a user
 * feels, so it is what to alert and scale on.
 */
function registerLaneGauges(registry: Registry, depths: QueueDepths): void {
  const perLane = (read: ShardDepth[] | undefined, lane: string, pick: (d: ShardDepth) => number, join: (a: number, b: number) => number): number =>
    (read ?? []).filter((d) => d.lane === lane).reduce((n, d) => join(n, pick(d)), 0);
  const waiting = new Gauge({
    name: `${PREFIX}lane_waiting`,
    help: 'Pushes waiting to be sent, per lane',
    labelNames: ['lane'],
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      // No reading, no value: a pod that cannot reach Redis must not hold up a max() over pods with a stale figure.
      waiting.reset();
      if (!read) return;
      for (const lane of LANES) waiting.set({ lane }, perLane(read, lane, (d) => d.waiting, (a, b) => a + b));
    },
  });
  const oldest = new Gauge({
    name: `${PREFIX}lane_oldest_waiting_seconds`,
    help: 'Age of the oldest waiting push per lane, since it was due: the queue lag',
    labelNames: ['lane'],
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      oldest.reset();
      if (!read) return;
      for (const lane of LANES) oldest.set({ lane }, perLane(read, lane, (d) => d.oldestWaitingMs, Math.max) / 1000);
    },
  });
}
