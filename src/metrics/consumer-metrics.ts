/**
 * The consumer's metrics: what happened to each push, how the upstream
 * answered and how fast, and how long pushes took from intake to delivery.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FailureKind, PushEvents } from '../push/push-events';
import type { PushJobData } from '../push/push-job';
import { LANES } from '../queue/lane';
import type { LaneGate } from '../routing/lane-scheduler';
import type { QueueDepths } from './queue-depth';
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
  private readonly collapsedPushes = new Counter({
    name: `${PREFIX}pushes_collapsed_total`,
    // Unlabelled, like the other push outcome counters.
    help: 'Pushes not sent because a newer message with the same collapseKey was accepted for the recipient',
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

  private readonly limiterFailures = new Counter({
    name: `${PREFIX}rate_limiter_failures_total`,
    help: 'Rate-limit bucket calls that failed or timed out; each lets its shard send without tokens for 1 s',
    registers: [this.registry],
  });
  private readonly limitBypassed = new Counter({
    name: `${PREFIX}rate_limit_bypassed_total`,
    help: 'Push requests sent without a rate-limit token because their bucket could not be asked (fail open)',
    registers: [this.registry],
  });

  constructor(depths: QueueDepths) {
    this.reroutes = registerSharedMetrics(this.registry, depths);
  }

  /** Reports each lane's running pushes, and those taken from Redis but waiting for a slot. */
  trackLanes(gate: LaneGate): void {
    const gauge = new Gauge({
      name: `${PREFIX}lane_in_flight`,
      help: 'Pushes of this consumer per lane: running, or gated (taken from Redis, waiting for a slot)',
      labelNames: ['lane', 'state'],
      registers: [this.registry],
      collect() {
        for (const lane of LANES) {
          gauge.set({ lane, state: 'running' }, gate.inFlight(lane));
          gauge.set({ lane, state: 'gated' }, gate.waiting(lane));
        }
      },
    });
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

  /** Counts a push superseded by a newer one of its recipient and collapseKey (once per push: the marker changed). */
  collapsed(): void {
    this.collapsedPushes.inc();
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

  /** Counts a failed rate-limit bucket call. */
  rateLimiterFailed(): void {
    this.limiterFailures.inc();
  }

  /** Counts a push request sent without a rate-limit token. */
  rateLimitBypassed(): void {
    this.limitBypassed.inc();
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
