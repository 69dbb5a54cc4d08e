/**
 * Metrics both processes expose: Node's own, Redis re-routes, and per-shard
 * queue depth (read through the cached depth reader, so a scrape costs at
 * most one round of Redis reads per cache interval).
 */
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import type { QueueDepths } from '../queue/queue-depth';

/** Metric names start with this. */
export const PREFIX = 'push_fanout_';

/** Registers the shared metrics; returns the re-route counter to feed. */
export function registerSharedMetrics(registry: Registry, depths: QueueDepths): Counter<'cause'> {
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  registerDepthGauges(registry, depths);
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
    help: 'Jobs per shard and state (waiting, active, delayed) and dead letters per shard',
    labelNames: ['shard', 'state'],
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      jobs.reset();
      for (const d of read ?? []) {
        const shard = String(d.index);
        jobs.set({ shard, state: 'waiting' }, d.waiting);
        jobs.set({ shard, state: 'active' }, d.active);
        jobs.set({ shard, state: 'delayed' }, d.delayed);
        jobs.set({ shard, state: 'dead_letter' }, d.deadLetters);
      }
    },
  });
  const waiting = new Gauge({
    name: `${PREFIX}queue_waiting`,
    help: 'Waiting jobs over all shards: the backlog to scale consumers on',
    registers: [registry],
    async collect() {
      const read = await depths.read().catch(() => undefined);
      if (read) waiting.set(read.reduce((n, d) => n + d.waiting, 0));
    },
  });
}
