/**
 * Stall heartbeats for jobs that outlive the queue that started them.
 *
 * Bee-Queue keeps a running job out of its stall check by removing the id
 * from the `stalling` set every half stall interval, but only while its queue
 * is open. The router replaces a queue on every re-route (a dropped
 * connection, a failover) while its jobs may still wait on the push proxy;
 * without a heartbeat the new queue's stall check would put them back in
 * `waiting`, and a second run would send them again before the first one
 * wrote its delivery marker. So the router tracks which jobs run on which
 * queue, and when it drops one, this keeps its running jobs' heartbeat going,
 * through whatever queue serves the shard by then, until they finish. Each
 * is then finished through that queue too (the dropped one refuses), as
 * Bee-Queue would have: a failure is retried with its backoff and uses up a
 * retry, or fails for good, rather than being run again at once by the stall
 * check. Only if no queue serves the shard at that moment is the job left to
 * the stall check (a delivered push's marker makes that re-run send nothing).
 */
import type BeeQueue = require('bee-queue');
import { finishJob, unmarkStalling } from '../bee/running-jobs';

/** A job handler, as Bee-Queue's `process` takes it. */
type Handler = (job: BeeQueue.Job<unknown>) => Promise<unknown>;

/** Tracks running jobs per queue and heartbeats those whose queue was dropped. */
export class JobKeepAlive {
  private readonly running = new Map<BeeQueue, Set<string>>();
  /** Ids of running jobs whose queue is gone. */
  private readonly adopted = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Bee-Queue's stall interval; beats come twice per interval, like Bee-Queue's own. */
    private readonly stallIntervalMs: number,
    /** The queue serving the shard now, if any. */
    private readonly current: () => BeeQueue | undefined,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Wraps `handler` so that the jobs it runs on `queue` are known while they run. */
  track(queue: BeeQueue, handler: Handler): Handler {
    return async (job) => {
      const id = String(job.id);
      const ids = this.running.get(queue) ?? new Set<string>();
      this.running.set(queue, ids.add(id));
      let outcome: { err: Error | null; data: unknown } = { err: null, data: undefined };
      try {
        outcome.data = await handler(job);
        return outcome.data;
      } catch (err) {
        outcome = { err: err instanceof Error ? err : new Error(String(err)), data: undefined };
        throw err;
      } finally {
        ids.delete(id);
        if (ids.size === 0) this.running.delete(queue);
        if (this.adopted.delete(id)) this.finishAdopted(job, outcome);
        if (this.adopted.size === 0) this.stop();
      }
    };
  }

  /** `queue` is being dropped: its running jobs get their heartbeat from here until they finish. */
  adopt(queue: BeeQueue): void {
    const ids = this.running.get(queue);
    this.running.delete(queue);
    if (!ids || ids.size === 0) return;
    for (const id of ids) this.adopted.add(id);
    this.timer ??= setInterval(() => void this.beat().catch(this.onError), this.stallIntervalMs / 2);
    // Never keep the process alive for a heartbeat.
    this.timer.unref();
  }

  /**
   * Takes the adopted jobs out of `stalling` now, through `queue` (default:
   * the current one). The router calls this on a new queue before its first
   * stall check.
   */
  async beat(queue: BeeQueue | undefined = this.current()): Promise<void> {
    if (queue) await unmarkStalling(queue, [...this.adopted]);
  }

  private finishAdopted(job: BeeQueue.Job<unknown>, { err, data }: { err: Error | null; data: unknown }): void {
    const queue = this.current();
    if (queue) finishJob(queue, job, err, data).catch(this.onError);
  }

  /** Stops the heartbeat (the router is closing; jobs still running are left to the stall check). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
