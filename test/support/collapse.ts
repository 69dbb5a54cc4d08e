/**
 * Checks of collapse tests on what the proxy received: the position of each
 * push (acceptance order at the producer) and "never older after newer" per
 * recipient and collapseKey.
 */
import type { ReceivedPush } from '../../scripts/support/stand-in-proxy';

/** A push's position: the epoch (first claim, ms) in its Idempotency-Key, then its message id. */
export interface PushPosition {
  epochMs: number;
  messageId: string;
}

/** The position of a received push, read from its Idempotency-Key `<messageId>:<epoch>:<recipientId>`. */
export function positionOfReceived(push: ReceivedPush): PushPosition {
  const [messageId, epoch] = push.idempotencyKey.split(':');
  return { epochMs: parseInt(epoch ?? '', 36), messageId: messageId ?? '' };
}

/** Negative if `a` is older than `b`, 0 if equal; ids compare by code unit (they are ASCII). */
export function comparePositions(a: PushPosition, b: PushPosition): number {
  if (a.epochMs !== b.epochMs) return a.epochMs - b.epochMs;
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

/** The pair a received push belongs to. */
export function pairOf(push: ReceivedPush): string {
  return `${String(push.body['recipientId'])}\u0000${String(push.body['collapseKey'])}`;
}

/**
 * Every place where a pair received a push older than one it had received
 * before (in arrival order); an equal re-send is allowed. Empty when the rule held.
 */
export function backwardsSends(received: readonly ReceivedPush[]): string[] {
  const newest = new Map<string, PushPosition>();
  const problems: string[] = [];
  for (const push of received) {
    const pair = pairOf(push);
    const position = positionOfReceived(push);
    const before = newest.get(pair);
    if (before && comparePositions(position, before) < 0) {
      problems.push(`${pair.replace('\u0000', '/')}: ${position.messageId} after ${before.messageId}`);
    } else {
      newest.set(pair, position);
    }
  }
  return problems;
}

/** The last push each pair received, by arrival order. */
export function lastByPair(received: readonly ReceivedPush[]): Map<string, ReceivedPush> {
  const last = new Map<string, ReceivedPush>();
  for (const push of received) last.set(pairOf(push), push);
  return last;
}
