/**
 * The wire format of one push to the upstream proxy. The Idempotency-Key is
 * unique per message acceptance and recipient, so a proxy that dedupes can drop a push
 * this service sends twice (after a crash or a failover).
 */
import { type PushJobData, pushJobId } from '../push/push-job';

/** The JSON body POSTed to the push proxy. */
export interface PushRequestBody {
  messageId: string;
  roomId: string;
  senderId: string;
  recipientId: string;
  notification: { title: string | null; body: string };
  data: Record<string, unknown> | null;
  collapseKey: string | null;
  priority: 'high' | 'normal';
  /** ISO 8601, or null when the push never expires. */
  expiresAt: string | null;
  /**
   * Earlier pushes of this recipient and collapseKey that this one replaces
   * (they were not sent); 0 when none were, or the push has no collapseKey.
   * The app may show "+N more".
   */
  collapsedCount: number;
}

/**
 * The Idempotency-Key header value of a push: its job id
 * (`<messageId>:<epoch>:<recipientId>`), so the two can never disagree, and a
 * message id reused after the idempotency window gets new keys.
 */
export function idempotencyKey(push: PushJobData): string {
  return pushJobId(push.messageId, push.recipientId, push.epoch);
}

/**
 * Builds the proxy's body. Absent optional fields are sent as null (and
 * priority as "normal") so the proxy always sees the same shape.
 */
export function pushRequestBody(push: PushJobData): PushRequestBody {
  return {
    messageId: push.messageId,
    roomId: push.roomId,
    senderId: push.senderId,
    recipientId: push.recipientId,
    notification: { title: push.notification.title ?? null, body: push.notification.body },
    data: push.data ?? null,
    collapseKey: push.collapseKey ?? null,
    priority: push.priority ?? 'normal',
    expiresAt: push.expiresAt !== undefined ? new Date(push.expiresAt).toISOString() : null,
    collapsedCount: push.collapsedCount ?? 0,
  };
}

/** The body as sent: the JSON text of {@link pushRequestBody}, serialised once, never re-parsed. */
export function pushRequestJson(push: PushJobData): string {
  return JSON.stringify(pushRequestBody(push));
}
