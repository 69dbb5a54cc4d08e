/**
 * A push's turn on its (recipient, collapseKey) pair, as the consumer takes
 * it before sending: collapsed if a newer push of the pair was accepted or has
 * started sending; else it waits while another push of the pair holds the
 * turn, then holds it itself, under a lease renewed while the send is in
 * flight (long sends: in-attempt retries, a rate-limit pause, a gated slot),
 * and gives it back when done. So one pair never has two pushes in flight,
 * and a push never starts after a newer one did. A holder that can no longer
 * be sure of its lease (a renewal found another holder, or none got through
 * for 5/6 of a lease) has its send aborted through the turn's signal, before
 * another push of the pair could take the turn.
 *
 * Waiting polls the state and holds no lane slot. A wait longer than
 * {@link TurnOptions.waitMs} fails the run with {@link TurnBusyError}: the job is
 * retried through the queue with its backoff, without using up a retry (it was
 * never tried), and decides again then.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from 'redis';
import { TransientPushError } from '../core/errors';
import { delay } from '../core/wait-for';
import type { PushJobData } from '../push/push-job';
import { onShard } from '../routing/on-shard';
import type { ShardQueue } from '../routing/shard-queue';
import { type CollapseState, type Position, positionOf } from './collapse-state';

/** How the turn is taken. */
export interface TurnOptions {
  /** How long a turn is held without renewal: a crashed holder blocks its pair this long at most. */
  leaseMs: number;
  /** How long a push waits for another's turn before its run fails as transient. */
  waitMs: number;
  /** Deadline of one state call (re-routes included). */
  callTimeoutMs: number;
}

/** What a push may do. */
export type Turn =
  | { kind: 'stale' }
  | { kind: 'collapsed' }
  | {
      kind: 'send';
      /** Pushes of the pair this one replaces (0 for a push that does not take part). */
      collapsedCount: number;
      /** Gives the turn back: after the delivered marker is written, or after a failure. Never rejects. */
      finish(delivered: boolean): Promise<void>;
      /** Aborted when the turn is lost (see {@link TurnLostError}); the send must stop then. None for a turn without a lease. */
      signal?: AbortSignal;
    };

/**
 * Polls while another push holds the pair's turn: first soon (the holder's
 * send is usually a few ms), then backing off to {@link MAX_POLL_MS} so a slow
 * holder is not polled forty times a second; jittered so waiters do not poll in step.
 */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

/**
 * Another push of the pair held the turn longer than the wait allows. The
 * push was never tried, so its run must not use up one of its retries.
 */
export class TurnBusyError extends TransientPushError {}

/**
 * The turn's lease may have gone, or may be about to go, to another push of
 * the pair while this one was sending: a renewal found another holder, or none
 * got through for 5/6 of a lease. The send is aborted and the run fails as transient; the next run
 * decides its turn again (collapsed if the other push was newer).
 */
export class TurnLostError extends TransientPushError {}

/**
 * Pushes that take no part hold no lease, so their turn is never lost and has no signal (one shared
 * signal would collect an abort listener from every send in flight).
 */
const NOT_COLLAPSIBLE: Turn = { kind: 'send', collapsedCount: 0, finish: async () => undefined };

/** Takes turns on pairs; one per consumer. */
export class CollapseTurns {
  constructor(
    private readonly state: CollapseState,
    /** The interactive lane's routers by shard index: the homes of the pairs' state. */
    private readonly homes: readonly ShardQueue[],
    private readonly shardIndexOf: (recipientId: string) => number,
    private readonly options: TurnOptions,
    private readonly onRenewError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * Takes `push`'s turn for one run of job `jobId`. Each run holds under its
   * own token: a run Bee-Queue starts beside one it wrongly thinks stalled
   * waits for the other's lease instead of sending beside it.
   */
  async take(push: PushJobData, jobId: string): Promise<Turn> {
    const position = positionOf(push);
    if (!position) return NOT_COLLAPSIBLE;
    const home = this.homes[this.shardIndexOf(push.recipientId)];
    if (!home) throw new RangeError(`no interactive shard for ${push.recipientId}`);
    const run = <T>(op: (client: RedisClient) => Promise<T>): Promise<T> => onShard(home, Date.now() + this.options.callTimeoutMs, op);
    const token = `${jobId}/${randomUUID()}`;
    const waitUntil = Date.now() + this.options.waitMs;
    for (let poll = FIRST_POLL_MS; ; poll = Math.min(MAX_POLL_MS, poll * 2)) {
      const decidedAt = Date.now();
      const decision = await run((c) => this.state.decide(c, home.shard, position, push.recipientId, token, this.options.leaseMs, jobId));
      if (decision.kind === 'stale' || decision.kind === 'collapsed') return decision;
      if (decision.kind === 'send') return this.held(home, position, push.recipientId, token, decision, decidedAt);
      if (Date.now() >= waitUntil) {
        throw new TurnBusyError(`another push of collapse key ${position.collapseKey} held the recipient's turn too long`, undefined, undefined);
      }
      await delay(Math.min(decision.ms, poll / 2 + Math.random() * poll));
    }
  }

  /** A turn we hold: renewed until finished, and lost (its signal aborted) once its lease is in doubt. */
  private held(home: ShardQueue, position: Position, recipientId: string, token: string, decision: { collapsedCount: number; mark: number }, decidedAt: number): Turn {
    const { leaseMs, callTimeoutMs } = this.options;
    const call = <T>(op: (client: RedisClient) => Promise<T>): Promise<T> => onShard(home, Date.now() + callTimeoutMs, op);
    const lost = new AbortController();
    const lose = (why: string): void => {
      if (!lost.signal.aborted) lost.abort(new TurnLostError(`lost the turn of collapse key ${position.collapseKey}: ${why}`, undefined, undefined));
    };
    const watch = leaseWatch(leaseMs, decidedAt, () => lose('no lease renewal succeeded in time'));
    const renew = (): void => {
      const sentAt = Date.now();
      call((c) => this.state.renew(c, home.shard, position, recipientId, token, leaseMs)).then(
        (ours) => (ours ? watch.renewed(sentAt) : lose('another push of the pair holds it')),
        this.onRenewError,
      );
    };
    // Renewed three times per lease, so one slow or lost renewal does not let the lease lapse.
    const timer = setInterval(renew, leaseMs / 3);
    timer.unref();
    let finished = false;
    return {
      kind: 'send',
      collapsedCount: decision.collapsedCount,
      signal: lost.signal,
      finish: async (delivered) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        watch.stop();
        // A lost release only delays the pair's next push until the lease ends.
        await call((c) => this.state.release(c, home.shard, position, recipientId, token, delivered ? decision.mark : 0)).catch(this.onRenewError);
      },
    };
  }
}

/**
 * How much of a lease may pass without a renewal that succeeded before the
 * send is aborted: the lease runs at least `leaseMs` from when that renewal
 * was sent, so aborting at 5/6 of it stops the send before another push of
 * the pair can take the turn, while one lost renewal (of three per lease)
 * is still tolerated.
 */
const LEASE_SAFE_SHARE = 5 / 6;

/** Calls `lapse` once no renewal sent in the last {@link LEASE_SAFE_SHARE} of a lease has succeeded. */
function leaseWatch(leaseMs: number, since: number, lapse: () => void): { renewed(sentAt: number): void; stop(): void } {
  let renewedAt = since;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(lapse, Math.max(0, renewedAt + leaseMs * LEASE_SAFE_SHARE - Date.now()));
    timer.unref();
  };
  arm();
  return {
    renewed(sentAt) {
      if (sentAt <= renewedAt) return;
      renewedAt = sentAt;
      arm();
    },
    stop: () => clearTimeout(timer),
  };
}
