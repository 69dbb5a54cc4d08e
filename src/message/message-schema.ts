/**
 * The schema of `POST /v1/messages`, the one definition both validation and
 * the API docs come from.
 *
 * Unknown fields are rejected rather than ignored: a misspelt optional field
 * (`colapseKey`) would otherwise be dropped silently, and `__proto__`-style
 * keys never get past validation.
 */
import { z } from 'zod';

/**
 * Ids are 1-128 characters from a conservative set. No braces (a `{` in a key
 * could move it to another hash slot), no spaces or control characters (they
 * end up in Redis keys, log lines and HTTP headers).
 */
export const ID_PATTERN = /^[A-Za-z0-9._~:@+=/-]{1,128}$/;
const ID_MESSAGE = 'must be 1-128 characters of A-Z, a-z, 0-9 and . _ ~ : @ + = / -';

/** Largest `data` object, measured as JSON in bytes. */
export const MAX_DATA_BYTES = 4096;
/** Longest `ttlSeconds`: 28 days, as FCM allows. */
export const MAX_TTL_SECONDS = 2_419_200;
/** Furthest a `sendAt` may lie ahead. */
export const MAX_SEND_AHEAD_MS = 30 * 86_400_000;

/** An id field: a bounded string from {@link ID_PATTERN}. */
export const idSchema = z.string({ message: 'must be a string' }).regex(ID_PATTERN, ID_MESSAGE);

/**
 * A message id additionally has no `:`. Push keys are `<messageId>:<recipientId>`;
 * with a colon allowed on both sides, `m` + `a:b` and `m:a` + `b` would share a
 * key, and the second push would be skipped as a duplicate.
 */
export const messageIdSchema = idSchema.refine((id) => !id.includes(':'), 'must not contain ":"');

const notificationSchema = z.strictObject({
  title: z.string({ message: 'must be a string' }).max(256, 'must be at most 256 characters').optional(),
  body: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'),
});

const dataSchema = z
  .record(z.string(), z.unknown(), { message: 'must be a JSON object' })
  .refine((data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES, {
    message: `must be at most ${MAX_DATA_BYTES} bytes as JSON`,
  });

/**
 * When to send: an ISO 8601 time with an offset, at most 30 days ahead. A time
 * in the past means "now". Parsed to epoch milliseconds.
 */
const sendAtSchema = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-01-31T09:00:00Z' })
  .transform((text) => Date.parse(text))
  .refine((ms) => ms <= Date.now() + MAX_SEND_AHEAD_MS, 'must be at most 30 days ahead');

/** Builds the message schema; `maxRecipients` comes from config. */
export function messageSchema(maxRecipients: number) {
  return z.strictObject({
    messageId: messageIdSchema,
    roomId: idSchema,
    senderId: idSchema,
    recipientIds: z
      .array(idSchema, { message: 'must be an array of ids' })
      .min(1, 'must list at least one recipient')
      .max(maxRecipients, `must list at most ${maxRecipients} recipients`),
    notification: notificationSchema,
    data: dataSchema.optional(),
    collapseKey: z
      .string({ message: 'must be a string' })
      .max(128, 'must be at most 128 characters')
      .meta({ description: "a recipient's push of this message replaces its unsent pushes of older messages with the same key (see docs/collapse.md)" })
      .optional(),
    priority: z.enum(['high', 'normal'], { message: 'must be "high" or "normal"' }).optional(),
    ttlSeconds: z
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_TTL_SECONDS, `must be at most ${MAX_TTL_SECONDS}`)
      .optional(),
    sendAt: sendAtSchema.optional(),
    lane: z
      .enum(['auto', 'bulk'], { message: 'must be "auto" or "bulk"' })
      .optional()
      .describe('"bulk" sends the pushes in the bulk lane whatever the room size (marketing, digests); "auto" (the default) picks by recipient count'),
  });
}

/** A validated `POST /v1/messages` body. */
export type MessageRequest = z.output<ReturnType<typeof messageSchema>>;
