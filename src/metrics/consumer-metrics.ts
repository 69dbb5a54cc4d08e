/**
 * The consumer's metrics: what happened to each push, how the upstream
 * answered and how fast, and how long pushes took from intake to delivery.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { FailureKind, PushEvents } from '../delivery/push-events';
import type { PushJobData } from '../message/push-job';
import type { QueueDepths } from '../queue/queue-depth';
import { PREFIX, registerSharedMetrics } from './shared-metrics';
import { registerWriteRefusals } from './write-refusal-metric';

/** Counters and histograms the consumer feeds; also its {@link PushEvents}. */
export class ConsumerMetrics implements PushEvents {
  readonly registry = new Registry();
  readonly reroutes;
  readonly writeRefusals = registerWriteRefusals(this.registry);
  readonly orphansRemoved = new Counter({
    name: `${PREFIX}orphan_jobs_removed_total`,
    help: 'Job ids found in a queue without their data (they can never run) and removed',
    registers: [this.registry],
  });
  private readonly outcomes = new Counter({
    name: `${PREFIX}pushes_total`,
    help: 'Push runs by outcome: delivered, expired, skipped (already delivered), failed',
    labelNames: ['outcome', 'reason'],
    registers: [this.registry],
  });
  private readonly retried = new Counter({
    name: `${PREFIX}pushes_retried_total`,
    help: 'Retries by layer: http (axios-retry, within a run) or queue (a new run later)',
    labelNames: ['layer'],
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: `${PREFIX}upstream_request_duration_seconds`,
    help: 'Push proxy request latency, by status class',
    labelNames: ['status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly throttled = new Counter({
    name: `${PREFIX}upstream_throttled_total`,
    help: 'Push proxy answers of 429 Too Many Requests (each pauses every pod for its Retry-After)',
    registers: [this.registry],
  });
  private readonly endToEnd = new Histogram({
    name: `${PREFIX}accept_to_deliver_seconds`,
    help: 'From intake (or sendAt) to the proxy accepting the push',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(depths: QueueDepths) {
    this.reroutes = registerSharedMetrics(this.registry, depths);
  }

  /** Counts a delivery and its accept→deliver latency. */
  delivered(push: PushJobData): void {
    this.outcomes.inc({ outcome: 'delivered', reason: '' });
    this.endToEnd.observe(Math.max(0, Date.now() - (push.sendAt ?? push.acceptedAt)) / 1000);
  }

  /** Counts a push dropped for its ttl. */
  expired(): void {
    this.outcomes.inc({ outcome: 'expired', reason: '' });
  }

  /** Counts a re-run that found its push already handled. */
  skipped(): void {
    this.outcomes.inc({ outcome: 'skipped', reason: '' });
  }

  /** Counts a failed run, and a queue-level retry when one follows. */
  failed(kind: FailureKind): void {
    this.outcomes.inc({ outcome: 'failed', reason: kind });
    if (kind === 'transient') this.retried.inc({ layer: 'queue' });
    else this.outcomes.inc({ outcome: 'dead_lettered', reason: kind });
  }

  /** Counts an axios-retry retry. */
  httpRetry(): void {
    this.retried.inc({ layer: 'http' });
  }

  /** Records one upstream request: its status (0 for no answer) and duration. */
  upstreamRequest(status: number, seconds: number): void {
    const statusClass = status === 0 ? 'error' : `${Math.floor(status / 100)}xx`;
    this.upstream.observe({ status_class: statusClass }, seconds);
    if (status === 429) this.throttled.inc();
  }
}
