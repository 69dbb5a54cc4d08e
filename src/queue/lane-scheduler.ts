/**
 * How one consumer shares its CONSUMER_CONCURRENCY between the lanes.
 *
 * Bee-Queue's concurrency per queue is fixed when `process()` starts, so the
 * lanes cannot resize each other's queues at run time. Instead each lane's
 * queues may take up to a cap of jobs, and a gate in front of the handler
 * decides which of the taken jobs may start:
 * - interactive jobs always start at once (up to `total - bulkMinimum`);
 * - bulk jobs start while fewer than `total - interactiveReserved` jobs run
 *   in all, so `interactiveReserved` slots are always free for the next
 *   conversation's push, and spare capacity flows to bulk when interactive
 *   is idle;
 * - bulk jobs also start while fewer than `bulkMinimum` bulk jobs run, so a
 *   flood of interactive traffic cannot starve bulk.
 * A bulk job waiting at the gate has been taken from Redis but not started:
 * its Bee-Queue heartbeat runs, so no other consumer takes it, and if this
 * process dies it returns through the stall check like any running job.
 */
import type BeeQueue = require('bee-queue');
import type { LaneShares } from '../config/consumer-config';
import type { Lane, LaneConcurrency } from './lane';
import type { JobHandler } from './shard-queue';

/** A consumer's lane plan, in job slots. */
export interface LanePlan {
  total: number;
  interactiveReserved: number;
  bulkMinimum: number;
  /** How many jobs each lane's queues may take at once (Bee-Queue concurrency over the lane's shards). */
  caps: LaneConcurrency;
}

/** Turns `total` slots and the shares into slot counts; each lane always gets at least one slot. */
export function planLanes(total: number, shares: LaneShares): LanePlan {
  const interactiveReserved = Math.max(1, Math.round((total * shares.interactiveReservedPercent) / 100));
  const bulkMinimum = Math.max(1, Math.round((total * shares.bulkMinimumPercent) / 100));
  return {
    total,
    interactiveReserved,
    bulkMinimum,
    caps: { interactive: Math.max(1, total - bulkMinimum), bulk: Math.max(1, total - interactiveReserved) },
  };
}

/** Admits jobs of each lane according to a {@link LanePlan}. */
export class LaneGate {
  private readonly running: Record<Lane, number> = { interactive: 0, bulk: 0 };
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly plan: LanePlan) {}

  /** Jobs of `lane` running now (for metrics and tests). */
  inFlight(lane: Lane): number {
    return this.running[lane];
  }

  /** Bulk jobs taken from Redis and waiting for a slot. */
  get bulkWaiting(): number {
    return this.waiters.length;
  }

  /** Wraps `handler` so that each job of `lane` holds a slot while it runs. */
  wrap(lane: Lane, handler: JobHandler): JobHandler {
    return async (job: BeeQueue.Job<unknown>) => {
      await this.acquire(lane);
      try {
        return await handler(job);
      } finally {
        this.release(lane);
      }
    };
  }

  /** Resolves when a job of `lane` may start; the slot is counted from then on. */
  acquire(lane: Lane): Promise<void> {
    // Bulk waiters go first among bulk jobs: FIFO, so none waits forever.
    if (lane === 'interactive' || (this.waiters.length === 0 && this.bulkMayStart())) {
      this.running[lane] += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Frees a slot of `lane` and starts as many waiting bulk jobs as now may. */
  release(lane: Lane): void {
    this.running[lane] -= 1;
    while (this.waiters.length > 0 && this.bulkMayStart()) {
      // Counted here, not when the waiter resumes, so one release cannot admit too many.
      this.running.bulk += 1;
      this.waiters.shift()?.();
    }
  }

  private bulkMayStart(): boolean {
    const { bulk, interactive } = this.running;
    return bulk < this.plan.bulkMinimum || bulk + interactive < this.plan.total - this.plan.interactiveReserved;
  }
}
