/**
 * The collapse state of one (recipient, collapseKey) pair: one small hash,
 * whatever the number of messages, in the slot of the interactive shard with
 * the recipient's shard index (so pushes of both lanes share it, and each
 * script touches one slot). Fields: the latest accepted position (lt, lm),
 * the floor, the highest position that ever started sending (ft, fm), the
 * accepted counter (a) and its value at the last delivery (sa), the holder of
 * the pair's send turn (one run of a job), its lease end and its job (h, hl,
 * hj), and the expiry set (x).
 *
 * A position is (epoch ms of the message's first claim, message id): the
 * producer's acceptance order, fixed across intake takeovers. The state
 * expires with the last push record of the pair, never sooner.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RedisClient } from 'redis';
import type { PushJobData } from '../push/push-job';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { LuaScript } from '../redis/lua-script';

/** Where a push stands in its pair's order. */
export interface Position {
  collapseKey: string;
  /** The message's epoch as a number: the first claim's time (epoch ms). */
  epochMs: number;
  messageId: string;
  /** The push record's expiry (epoch ms); the state lives at least as long. */
  recordExpiresAt: number;
}

/** What the decide script answered. */
export type Decision =
  | { kind: 'stale' }
  | { kind: 'collapsed' }
  | { kind: 'wait'; ms: number }
  | { kind: 'send'; collapsedCount: number; mark: number };

/** The prelude (position order, expiry) shared by the scripts, followed by one script. */
function withPrelude(name: string): LuaScript {
  return LuaScript.load(__dirname, name, fs.readFileSync(path.join(__dirname, 'lua', 'position.lua'), 'utf8'));
}

const BUMP = withPrelude('bump-latest');
const DECIDE = withPrelude('decide');
const RENEW = LuaScript.load(__dirname, 'renew-lease');
const RELEASE = LuaScript.load(__dirname, 'release');

/**
 * The position of a push, or undefined when it does not take part: no
 * collapseKey, accepted before epochs (legacy pushes are sent as before), or
 * scheduled (`sendAt`): its position is its acceptance, so it would supersede
 * the waiting pushes at once and leave the recipient nothing until it is due.
 */
export function positionOf(push: Pick<PushJobData, 'collapseKey' | 'epoch' | 'messageId' | 'recordExpiresAt' | 'sendAt'>): Position | undefined {
  if (push.collapseKey === undefined || push.epoch === undefined || push.recordExpiresAt === undefined) return undefined;
  if (push.sendAt !== undefined) return undefined;
  const epochMs = parseInt(push.epoch, 36);
  if (!Number.isSafeInteger(epochMs)) return undefined;
  return { collapseKey: push.collapseKey, epochMs, messageId: push.messageId, recordExpiresAt: push.recordExpiresAt };
}

/** Runs the collapse scripts. `shard` is always the interactive shard of the recipient's index. */
export class CollapseState {
  constructor(private readonly keys: QueueKeys) {}

  /**
   * Intake: records `position` as the latest of each recipient's pair if it
   * is strictly newer, counting it once, and extends each pair's expiry.
   */
  async bump(client: RedisClient, shard: Shard, position: Position, recipientIds: readonly string[]): Promise<void> {
    if (recipientIds.length === 0) return;
    const keys = recipientIds.map((r) => this.keys.collapseKey(shard, position.collapseKey, r));
    await BUMP.run(client, keys, [position.epochMs, position.messageId, position.recordExpiresAt, 'recipient']);
  }

  /**
   * Intake: the sender's own pair. Their message becomes its latest, so the
   * sender's waiting pushes with this key collapse (whoever writes into the
   * room has read it), and it counts nothing towards their next push's count.
   */
  async markSeen(client: RedisClient, shard: Shard, position: Position, senderId: string): Promise<void> {
    const key = this.keys.collapseKey(shard, position.collapseKey, senderId);
    await BUMP.run(client, [key], [position.epochMs, position.messageId, position.recordExpiresAt, 'seen']);
  }

  /**
   * Consumer: may the push of `recipientId` at `position` be sent now?
   * `token` names this run of the job, `job` the job (two runs of one job
   * exist when Bee-Queue re-runs one it thinks stalled; default: the token).
   */
  async decide(client: RedisClient, shard: Shard, position: Position, recipientId: string, token: string, leaseMs: number, job = token): Promise<Decision> {
    const key = this.keys.collapseKey(shard, position.collapseKey, recipientId);
    const args = [position.epochMs, position.messageId, token, leaseMs, position.recordExpiresAt, job];
    const reply = (await DECIDE.run(client, [key], args)) as [string, ...number[]];
    switch (reply[0]) {
      case 'stale':
        return { kind: 'stale' };
      case 'collapsed':
        return { kind: 'collapsed' };
      case 'wait':
        return { kind: 'wait', ms: Number(reply[1]) };
      case 'send':
        return { kind: 'send', collapsedCount: Number(reply[1]), mark: Number(reply[2]) };
      default:
        throw new Error(`unexpected collapse decision ${String(reply[0])}`);
    }
  }

  /** Extends `token`'s lease by `leaseMs` from now; false if the turn is no longer ours. */
  async renew(client: RedisClient, shard: Shard, position: Position, recipientId: string, token: string, leaseMs: number): Promise<boolean> {
    const key = this.keys.collapseKey(shard, position.collapseKey, recipientId);
    return Number(await RENEW.run(client, [key], [token, leaseMs])) === 1;
  }

  /** Ends `token`'s turn; `mark` is the decision's mark when the push was delivered, else 0. */
  async release(client: RedisClient, shard: Shard, position: Position, recipientId: string, token: string, mark: number): Promise<void> {
    const key = this.keys.collapseKey(shard, position.collapseKey, recipientId);
    await RELEASE.run(client, [key], [token, mark]);
  }
}
