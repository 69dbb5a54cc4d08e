/**
 * One push: what the producer writes per recipient and the consumer sends.
 * The job carries everything the consumer needs, so a consumer never reads
 * anything but its own shard's keys.
 */
import type { MessageRequest } from './message-schema';

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
}

/** What names one push's marker and counters. */
export type PushRef = Pick<PushJobData, 'messageId' | 'recipientId' | 'epoch' | 'recordExpiresAt'>;

/** The parts of a push that are the same for every recipient of a message. */
export type PushTemplate = Omit<PushJobData, 'recipientId'>;

/** Builds the shared part of every push of `message`, accepted at `now`. */
export function pushTemplate(message: MessageRequest, now: number): PushTemplate {
  const template: PushTemplate = {
    messageId: message.messageId,
    roomId: message.roomId,
    senderId: message.senderId,
    notification: message.notification,
    acceptedAt: now,
  };
  if (message.data !== undefined) template.data = message.data;
  if (message.collapseKey !== undefined) template.collapseKey = message.collapseKey;
  if (message.priority !== undefined) template.priority = message.priority;
  // A scheduled push's time to live starts when it is due, not when it was accepted.
  const due = message.sendAt !== undefined && message.sendAt > now ? message.sendAt : undefined;
  if (due !== undefined) template.sendAt = due;
  if (message.ttlSeconds !== undefined) template.expiresAt = (due ?? now) + message.ttlSeconds * 1000;
  return template;
}
