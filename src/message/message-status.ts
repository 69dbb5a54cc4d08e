/**
 * The status of one message: how many of its pushes were delivered, failed,
 * expired, collapsed (superseded by a newer message with the same collapseKey),
 * or are still pending. Counts come from per-shard counters that
 * change together with each push's outcome, so a push counts once however
 * often its job ran.
 */
import type { MessageRecords } from './message-records';
import type { DeliveryMarkers, Outcome } from '../delivery/delivery-markers';
import type { Lane } from '../queue/lane';
import { onShard } from '../routing/on-shard';
import type { ShardSet } from '../routing/shard-set';

/** A message's delivery status. */
export interface MessageStatus {
  messageId: string;
  /** The lane the message's pushes took. */
  lane: Lane;
  accepted: number;
  delivered: number;
  failed: number;
  expired: number;
  /** Not sent: a newer message with the same collapseKey superseded it for that recipient. */
  collapsed: number;
  pending: number;
}

/** What a status lookup needs. */
export interface StatusDeps {
  shards: ShardSet;
  records: MessageRecords;
  outcomes: DeliveryMarkers;
  timeoutMs: number;
}

/** The status of `messageId`, or undefined if no accepted message has that id. */
export async function messageStatus(deps: StatusDeps, messageId: string): Promise<MessageStatus | undefined> {
  const deadline = Date.now() + deps.timeoutMs;
  const home = deps.shards.forKey(messageId);
  const record = await onShard(home, deadline, (c) => deps.records.read(c, home.shard, messageId));
  if (record?.state !== 'accepted') return undefined;
  // Outcomes live in the slots of the shards the pushes were queued on: the message's lane.
  const perShard = await Promise.all(
    deps.shards.lane(record.lane).map((router) => onShard(router, deadline, (c) => deps.outcomes.counts(c, router.shard, messageId, record.epoch))),
  );
  const sum = (key: Outcome): number => perShard.reduce((n, c) => n + c[key], 0);
  const [delivered, failed, expired, collapsed] = [sum('delivered'), sum('failed'), sum('expired'), sum('collapsed')];
  return {
    messageId,
    lane: record.lane,
    accepted: record.accepted,
    delivered,
    failed,
    expired,
    collapsed,
    pending: Math.max(0, record.accepted - delivered - failed - expired - collapsed),
  };
}
