/**
 * One push: what the producer writes per recipient and the consumer sends.
 * The job carries everything the consumer needs, so a consumer never reads
 * anything but its own shard's keys.
 */

/** The data of one push job. Times are epoch milliseconds. */
export interface PushJobData {
  messageId: string;
  roomId: string;
  senderId: string;
  recipientId: string;
  notification: { title?: string; body: string };
  data?: Record<string, unknown>;
  collapseKey?: string;
  priority?: 'high' | 'normal';
  /** Do not send after this time; absent means no expiry. */
  expiresAt?: number;
  /** Send no sooner than this; absent means now. */
  sendAt?: number;
  /** When the producer accepted the message; for accept→deliver latency. */
  acceptedAt: number;
  /**
   * Which acceptance of `messageId` this push belongs to (see pushJobId).
   * Absent on pushes accepted before epochs existed.
   */
  epoch?: string;
  /** When the message record expires (epoch ms): the push's marker and counters expire with it. */
  recordExpiresAt?: number;
  /**
   * The push's position among its message's recipients on its shard (in the order intake groups
   * them): its slot in the shard's packed outcome bitfield. Absent on pushes queued before the
   * bitfield existed (or by a takeover of such an intake): those keep a hash field per recipient.
   */
  index?: number;
  /**
   * Set by the consumer for the send only, never stored in a job: how many
   * earlier pushes of this recipient and collapseKey this one replaces.
   */
  collapsedCount?: number;
}

/** What names one push's marker and counters. */
export type PushRef = Pick<PushJobData, 'messageId' | 'recipientId' | 'epoch' | 'recordExpiresAt' | 'index'>;

/** The parts of a push that are the same for every recipient of a message. */
export type PushTemplate = Omit<PushJobData, 'recipientId' | 'index'>;

/**
 * The Bee-Queue job id of one push, also its Idempotency-Key: unique per
 * message, acceptance and recipient. `epoch` tells apart two acceptances of
 * one message id (a reuse after the idempotency window), so a push of the
 * second is neither skipped as a job that still exists nor dropped by the
 * proxy as a repeat. Pushes accepted before epochs existed have none.
 * A message id has no `:` and an epoch neither, so ids cannot collide.
 */
export function pushJobId(messageId: string, recipientId: string, epoch?: string): string {
  return epoch === undefined ? `${messageId}:${recipientId}` : `${messageId}:${epoch}:${recipientId}`;
}
