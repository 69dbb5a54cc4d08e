/**
 * The messages the benchmark posts, and the per-recipient job JSON the
 * intake floors write. Recipient ids are short (`r` + base 36), so a
 * 100,000-recipient room is about 0.8 MB of JSON and fits the producer's
 * default 1 MiB body limit. The job data is built by the producer's own
 * code (schema validation, then pushTemplate), so the floors write exactly
 * the bytes the service writes per push.
 */
import type BeeQueue = require('bee-queue');
import type { JobRetryConfig } from '../src/config/config';
import { messageSchema, type MessageRequest } from '../src/message/message-schema';
import type { PushJobData } from '../src/push/push-job';
import { pushTemplate } from '../src/message/push-template';
import { validate } from '../src/message/validate';
import { pushJobId } from '../src/push/push-job';
import { jobJson } from '../src/bee/job-json';
import { retryOptions } from '../src/retry/retry-policy';

/** The sender: never among the recipients, so every recipient gets one push. */
export const SENDER_ID = 'bench-sender';

/** A job's retry budget and backoff, as the producer's config has them. */
export type JobRetry = JobRetryConfig;

/**
 * The producer's defaults (JOB_RETRIES=5, JOB_BACKOFF_MS=1000,
 * JOB_BACKOFF_MAX_MS=300000, see docs/configuration.md); the bench's producers run
 * with them, so the floors write the same bytes per job.
 */
export const DEFAULT_JOB_RETRY: JobRetry = { retries: 5, backoffBaseMs: 1000, backoffMaxMs: 300_000 };

/** A message ready to post: its request body as JSON text, and its recipients. */
export interface PreparedMessage {
  messageId: string;
  recipients: string[];
  /** The exact bytes sent to POST /v1/messages. */
  body: string;
}

/** `count` distinct short recipient ids, `r0`, `r1`, … in base 36, from `offset`. */
export function recipientIds(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `r${(offset + i).toString(36)}`);
}

/** What a scenario may set on a message; the rest is the same for every bench message. */
export interface MessageShape {
  roomId?: string;
  senderId?: string;
  /** The message's collapseKey; null (the default) sends none (see {@link prepareMessage}). */
  collapseKey?: string | null;
  /** The notification text. */
  text?: string;
}

/**
 * Builds a realistic group-chat message (title, body, data, collapse key, TTL) for `recipients`.
 *
 * By default the message has no collapseKey. With a shared one (it used to be
 * 'bench-room' for all) a collapsing service would drop pushes of earlier
 * messages to the same recipients, and the intake, delivery and broadcast
 * scenarios would do less work than they claim to measure. With a unique one
 * per message, every push would pay for collapse bookkeeping (a turn taken and
 * given back) that the baselines beside it (no-op, seed-style, naive) do not
 * do, so the ratios would compare unequal work. Collapse is measured by the
 * busy-room scenario, which sets its keys explicitly.
 */
export function prepareMessage(messageId: string, recipients: string[], shape: MessageShape = {}): PreparedMessage {
  const roomId = shape.roomId ?? 'bench-room';
  const collapseKey = shape.collapseKey ?? null;
  const body = {
    messageId,
    roomId,
    senderId: shape.senderId ?? SENDER_ID,
    recipientIds: recipients,
    notification: { title: 'Bench room', body: shape.text ?? 'Lunch at noon? The usual place.' },
    data: { roomUrl: `/rooms/${roomId}`, kind: 'chat' },
    ...(collapseKey === null ? {} : { collapseKey }),
    priority: 'high',
    ttlSeconds: 3600,
  };
  return { messageId, recipients, body: JSON.stringify(body) };
}

/** The message as the producer sees it after validation. */
export function parsedMessage(message: PreparedMessage): MessageRequest {
  return validate(messageSchema(1_000_000), JSON.parse(message.body) as unknown);
}

/** Bee-Queue job options as the producer stores them (retry budget and jittered backoff): the service's own. */
function jobOptions(now: number, retry: JobRetry): Record<string, unknown> {
  return { ...retryOptions(retry), timestamp: now };
}

/** The data of every push of `message`, as accepted at `now`. */
export function pushData(message: PreparedMessage, now: number): PushJobData[] {
  const template = pushTemplate(parsedMessage(message), now);
  return message.recipients.map((recipientId) => ({ ...template, recipientId }));
}

/** One Bee-Queue job's stored JSON per recipient: what the LPUSH floor writes. */
export function jobJsonStrings(message: PreparedMessage, now: number, retry: JobRetry): string[] {
  const options = jobOptions(now, retry);
  return pushData(message, now).map((data) => jobJson(data, options));
}

/** Unsaved Bee-Queue jobs on `queue`, ids and options as the producer sets them: what the saveAll floor saves. */
export function beeJobs(queue: BeeQueue, message: PreparedMessage, now: number, retry: JobRetry): BeeQueue.Job<unknown>[] {
  return pushData(message, now).map((data) => {
    const job = queue.createJob<unknown>(data).setId(pushJobId(data.messageId, data.recipientId));
    // Assigned directly: job.backoff() would insist the strategy is registered on this queue.
    Object.assign(job.options, jobOptions(now, retry));
    return job;
  });
}
