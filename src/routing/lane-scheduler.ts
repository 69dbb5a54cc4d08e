/**
 * How one consumer shares its CONSUMER_CONCURRENCY between the lanes.
 *
 * A slot is one request to the push proxy in flight: the gate sits around
 * the send, not around the whole job. The Redis steps of a job (marker check,
 * outcome) hold no slot, so jobs stuck on a frozen or unreachable node cannot
 * take the slots that other nodes' jobs need; only their sends are counted.
 *
 * Bee-Queue's concurrency per queue is fixed when `process()` starts, so the
 * lanes cannot resize each other's queues at run time. Instead each lane's
 * queues may take up to a cap of jobs, and the gate decides which sends may
 * start:
 * - interactive sends start at once while fewer than `total - bulkMinimum`
 *   interactive sends run: bulk never makes them wait;
 * - bulk sends start while fewer than `total - interactiveReserved` sends run
 *   in all, so `interactiveReserved` slots are always free for the next
 *   conversation's push, and spare capacity flows to bulk when interactive
 *   is idle;
 * - bulk sends also start while fewer than `bulkMinimum` bulk sends run, so a
 *   flood of interactive traffic cannot starve bulk; and a consumer with
 *   nothing in flight always starts one, whatever the shares.
 * A job waiting at the gate has been taken from Redis but not sent: its
 * Bee-Queue heartbeat runs, so no other consumer takes it, and if this
 * process dies it returns through the stall check like any running job.
 */
import type { LaneShares } from '../config/consumer-config';
import type { Lane, LaneConcurrency } from '../queue/lane';

/**
 * How many more jobs than its slots an interactive lane's queues may take
 * from Redis. Bee-Queue's concurrency is per shard queue, and a lane's slots
 * split over 16 shards leave 2–3 per shard: a 50-member room puts ~3 pushes
 * on every shard at once, so a second conversation on the same shard would
 * queue behind the first while the lane has free slots elsewhere. Letting
 * each shard take more, with the gate holding the lane to its slots, keeps
 * that wait off the interactive path; a flood can at most leave this many
 * times the slots taken but waiting in one consumer.
 */
const INTERACTIVE_TAKE_FACTOR = 4;

/** A consumer's lane plan, in job slots. */
export interface LanePlan {
  total: number;
  interactiveReserved: number;
  bulkMinimum: number;
  /** How many jobs of each lane may run at once. */
  caps: LaneConcurrency;
  /** How many jobs each lane's queues may take from Redis at once (Bee-Queue concurrency over the lane's shards). */
  take: LaneConcurrency;
}

/**
 * Turns `total` slots and the shares into slot counts. A share above 0 % is at
 * least one slot (so a small consumer still reserves something); 0 % turns
 * the guarantee off. Each lane may always send at least one push at a time.
 */
export function planLanes(total: number, shares: LaneShares): LanePlan {
  const slots = (percent: number): number => (percent === 0 ? 0 : Math.max(1, Math.round((total * percent) / 100)));
  const interactiveReserved = slots(shares.interactiveReservedPercent);
  const bulkMinimum = slots(shares.bulkMinimumPercent);
  const caps = { interactive: Math.max(1, total - bulkMinimum), bulk: Math.max(1, total - interactiveReserved) };
  return { total, interactiveReserved, bulkMinimum, caps, take: { interactive: caps.interactive * INTERACTIVE_TAKE_FACTOR, bulk: caps.bulk } };
}

/** Admits jobs of each lane according to a {@link LanePlan}. */
export class LaneGate {
  private readonly running: Record<Lane, number> = { interactive: 0, bulk: 0 };
  private readonly waiters: Record<Lane, (() => void)[]> = { interactive: [], bulk: [] };

  constructor(private readonly plan: LanePlan) {}

  /** Sends of `lane` in flight now (for metrics and tests). */
  inFlight(lane: Lane): number {
    return this.running[lane];
  }

  /** Jobs of `lane` waiting for a slot to send. */
  waiting(lane: Lane): number {
    return this.waiters[lane].length;
  }

  /** Runs `work` (one upstream request) of `lane` once a slot is free, holding the slot until it settles. */
  async run<T>(lane: Lane, work: () => Promise<T>): Promise<T> {
    await this.acquire(lane);
    try {
      return await work();
    } finally {
      this.release(lane);
    }
  }

  /** Resolves when a job of `lane` may start; the slot is counted from then on. */
  acquire(lane: Lane): Promise<void> {
    // Waiters go first within a lane: FIFO, so none waits forever.
    if (this.waiters[lane].length === 0 && this.mayStart(lane)) {
      this.running[lane] += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters[lane].push(resolve));
  }

  /** Frees a slot of `lane` and starts as many waiting jobs as now may, interactive first. */
  release(lane: Lane): void {
    this.running[lane] -= 1;
    for (const next of ['interactive', 'bulk'] as const) {
      const queue = this.waiters[next];
      while (queue.length > 0 && this.mayStart(next)) {
        // Counted here, not when the waiter resumes, so one release cannot admit too many.
        this.running[next] += 1;
        queue.shift()?.();
      }
    }
  }

  private mayStart(lane: Lane): boolean {
    const { bulk, interactive } = this.running;
    // Interactive is limited by its own cap only: bulk never makes it wait.
    if (lane === 'interactive') return interactive < this.plan.caps.interactive;
    // An idle consumer always starts bulk work, whatever the shares: taken jobs must never wait for nothing.
    if (bulk + interactive === 0) return true;
    return bulk < this.plan.bulkMinimum || bulk + interactive < this.plan.total - this.plan.interactiveReserved;
  }
}
