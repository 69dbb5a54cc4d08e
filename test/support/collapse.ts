/**
 * Checks of collapse tests on what the proxy received: the position of each
 * push (acceptance order at the producer) and "never older after newer" per
 * recipient and collapseKey.
 */
import type { ReceivedPush } from '../../scripts/support/stand-in-proxy';
import { delay } from '../../src/core/wait-for';
import { postJson } from './http';

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

/** A stream of messages to a few rooms, each message with its room as collapseKey. */
export interface RoomStream {
  /** The newest accepted message of each pair (`recipient\0collapseKey`), as {@link pairOf} names it. */
  newest: Map<string, string>;
  /** Messages accepted so far. */
  accepted(): number;
  stop(): Promise<void>;
}

/**
 * Posts messages round-robin to `rooms` (each a member list), from a sender
 * outside them, until stopped. Like a chat backend, a message that is not
 * accepted (503, no answer) is posted again with the same id until it is, so
 * every room's newest message is known.
 */
export function startRoomStream(options: { url: string; token: string; rooms: string[][]; pauseMs: number; tag: string }): RoomStream {
  const newest = new Map<string, string>();
  let accepted = 0;
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const room = i % options.rooms.length;
      const members = options.rooms[room]!;
      const messageId = `${options.tag}-${String(i).padStart(6, '0')}`;
      const body = { messageId, roomId: `${options.tag}-room${room}`, senderId: `${options.tag}-sender`, recipientIds: members, collapseKey: `${options.tag}-room${room}`, notification: { body: messageId } };
      for (;;) {
        const status = await postJson(`${options.url}/v1/messages`, body, options.token).then((r) => r.status, () => 0);
        if (status === 202 || status === 200) break;
        await delay(options.pauseMs);
      }
      accepted += 1;
      for (const m of members) newest.set(`${m}\u0000${body.collapseKey}`, messageId);
      await delay(options.pauseMs);
    }
  })();
  return {
    newest,
    accepted: () => accepted,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
