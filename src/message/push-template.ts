/**
 * The part of a message's pushes that is the same for every recipient.
 */
import type { PushTemplate } from '../push/push-job';
import type { MessageRequest } from './message-schema';

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
