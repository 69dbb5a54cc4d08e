/**
 * The traffic of the busy-room scenario, pure: rooms of members, messages
 * whose sender rotates among the members and whose recipients are the room
 * minus the sender, and which message is each recipient's newest (the one
 * its last push must be, once collapse works).
 */

/** One planned message: which room, who sends it, who receives it, and its place in the room's order. */
export interface RoomMessage {
  messageId: string;
  roomId: string;
  senderId: string;
  recipients: string[];
  /** 0-based position in its room's acceptance order: a higher round is newer. */
  round: number;
}

/** The `size` member ids of room `roomId`: `<roomId>u0`, `<roomId>u1`, … */
export function roomMembers(roomId: string, size: number): string[] {
  return Array.from({ length: size }, (_, i) => `${roomId}u${i}`);
}

/** Message `round` of a room: sent by member `round % size`, to every other member. */
export function roomMessage(roomId: string, members: readonly string[], round: number, messageId: string): RoomMessage {
  const senderId = members[round % members.length];
  if (senderId === undefined) throw new RangeError('a room needs members');
  return { messageId, roomId, senderId, recipients: members.filter((m) => m !== senderId), round };
}

/** A burst of `count` messages to one room, ids `<tag>0` … `<tag>{count-1}`. */
export function burstPlan(roomId: string, members: readonly string[], count: number, tag: string): RoomMessage[] {
  return Array.from({ length: count }, (_, round) => roomMessage(roomId, members, round, `${tag}${round}`));
}

/**
 * Each recipient's newest message (the highest round among the messages it
 * is a recipient of), per room: a recipient id belongs to one room here.
 */
export function newestFor(messages: readonly RoomMessage[]): Map<string, RoomMessage> {
  const newest = new Map<string, RoomMessage>();
  for (const message of messages) {
    for (const r of message.recipients) {
      const known = newest.get(r);
      if (!known || known.round < message.round) newest.set(r, message);
    }
  }
  return newest;
}

/** Total pushes the messages offer (one per recipient). */
export function offeredPushes(messages: readonly RoomMessage[]): number {
  return messages.reduce((n, m) => n + m.recipients.length, 0);
}
