/**
 * The pure checks and arithmetic of the busy-room scenario: whether each
 * recipient's pushes arrived newest-last, and how a sampled backlog grew.
 */
import type { PostResult } from './api-client';
import type { RoomMessage } from './busy-room-plan';
import type { RecipientPushes } from './recipient-log';

/** How the pushes each recipient received compare with the messages it was sent. */
export interface OrderCheck {
  /** Recipients that were sent at least one planned message. */
  recipients: number;
  /**
   * Recipients whose last push is not their newest message (including those
   * that got none), unless they sent a message after it themselves: a sender
   * has read the room, so nothing, or nothing newer than that, is right.
   */
  staleLast: number;
  /** Of those, recipients that received no push at all. */
  missing: number;
  /** Pushes of a message older than a push the same recipient had already received. */
  olderAfterNewer: number;
  /** Pushes received of the planned messages (others, e.g. a warm-up, are left out). */
  pushes: number;
}

/** Checks every planned recipient's received sequence; `log` may hold others (ignored). */
export function checkOrder(messages: readonly RoomMessage[], log: Readonly<Record<string, RecipientPushes>>): OrderCheck {
  const byId = new Map(messages.map((m) => [m.messageId, m]));
  const newest = newestOf(messages);
  const own = lastOwnOf(messages);
  const check: OrderCheck = { recipients: newest.size, staleLast: 0, missing: 0, olderAfterNewer: 0, pushes: 0 };
  for (const [recipientId, want] of newest) {
    const rounds = (log[recipientId]?.messageIds ?? []).map((id) => byId.get(id)?.round).filter((r) => r !== undefined);
    check.pushes += rounds.length;
    check.olderAfterNewer += countOlderAfterNewer(rounds);
    const last = rounds[rounds.length - 1];
    const wroteLast = (own.get(recipientId) ?? -1) > want && (last ?? -1) < (own.get(recipientId) ?? -1);
    if (last === want || wroteLast) continue;
    check.staleLast += 1;
    if (last === undefined) check.missing += 1;
  }
  return check;
}

/** Each member's last round as a sender. */
function lastOwnOf(messages: readonly RoomMessage[]): Map<string, number> {
  const own = new Map<string, number>();
  for (const m of messages) own.set(m.senderId, Math.max(own.get(m.senderId) ?? -1, m.round));
  return own;
}

/** Each recipient's newest round. */
function newestOf(messages: readonly RoomMessage[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const m of messages) for (const r of m.recipients) newest.set(r, Math.max(newest.get(r) ?? -1, m.round));
  return newest;
}

/** How many entries of `rounds` are lower than one before them. */
export function countOlderAfterNewer(rounds: readonly number[]): number {
  let highest = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const r of rounds) {
    if (r < highest) count += 1;
    else highest = r;
  }
  return count;
}

/** Each received push's latency: arrival minus its message's POST start; pushes of unknown messages are left out. */
export function pushLatencies(log: Readonly<Record<string, RecipientPushes>>, started: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const entry of Object.values(log)) {
    entry.messageIds.forEach((id, i) => {
      const from = started.get(id);
      const at = entry.at[i];
      if (from !== undefined && at !== undefined) out.push(at - from);
    });
  }
  return out;
}

/** Sum of `collapsedCount` over every recorded push. */
export function collapsedTotal(log: Readonly<Record<string, RecipientPushes>>): number {
  return Object.values(log).reduce((n, e) => n + e.collapsedSum, 0);
}

/** One backlog sample, seconds after the stream began. */
export interface BacklogSample {
  atS: number;
  /** Waiting + delayed jobs over every shard of both lanes. */
  backlog: number;
  /** Pushes the proxy had answered by then (since the stream began). */
  answered: number;
}

/** The backlog at each mark and its growth from the first mark to the last. */
export interface BacklogFigures {
  at: Array<{ second: number; backlog: number }>;
  /** (backlog at the last mark − at the first) / seconds between them; NaN without both. */
  growthPerSecond: number;
}

/** The latest sample taken at or before `second`. */
export function sampleAt(samples: readonly BacklogSample[], second: number): BacklogSample | undefined {
  let found: BacklogSample | undefined;
  for (const s of samples) if (s.atS <= second + 0.5 && (!found || s.atS >= found.atS)) found = s;
  return found;
}

/** Backlog at `marks` (seconds) and its growth between the first and last mark that have samples. */
export function backlogFigures(samples: readonly BacklogSample[], marks: readonly number[]): BacklogFigures {
  const at = marks.flatMap((second) => {
    const s = sampleAt(samples, second);
    return s ? [{ second, backlog: s.backlog }] : [];
  });
  const first = at[0];
  const last = at[at.length - 1];
  const span = first && last ? last.second - first.second : 0;
  return { at, growthPerSecond: first && last && span > 0 ? (last.backlog - first.backlog) / span : Number.NaN };
}

/** 15/30/45/60-style marks: quarters of `seconds`, rounded. */
export function quarterMarks(seconds: number): number[] {
  return [1, 2, 3, 4].map((q) => Math.round((seconds * q) / 4));
}

/**
 * Messages whose POST started before their room's previous message was
 * answered: for those, "newer" (acceptance order) is not certain. The
 * stream spaces a room's messages 1 s apart, so this should be 0.
 */
export function overlapping(messages: readonly RoomMessage[], answers: ReadonlyMap<string, Pick<PostResult, 'startedAt' | 'ms'>>): number {
  const answeredAt = new Map<string, number>();
  let count = 0;
  for (const m of messages) {
    const r = answers.get(m.messageId);
    if (!r) continue;
    const previous = answeredAt.get(m.roomId);
    if (previous !== undefined && r.startedAt < previous) count += 1;
    answeredAt.set(m.roomId, r.startedAt + r.ms);
  }
  return count;
}
