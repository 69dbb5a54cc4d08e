/**
 * Request schemas of the dead-letter routes and CLI: which dead letters to
 * list or replay.
 */
import { z } from 'zod';
import { idSchema } from '../message/message-schema';

const reasonSchema = z.enum(['rejected', 'retries_exhausted'], { message: 'must be "rejected" or "retries_exhausted"' });

/** `GET /v1/dead-letters` query. */
export const listQuerySchema = z.strictObject({
  messageId: idSchema.optional(),
  reason: reasonSchema.optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
    .optional(),
});

/**
 * `POST /v1/dead-letters/replay` body. Replaying everything must be asked
 * for explicitly (`all: true`): an empty body is a mistake, not a wish.
 */
export const replayBodySchema = z
  .strictObject({
    all: z.literal(true, { message: 'must be true' }).optional(),
    messageId: idSchema.optional(),
    reason: reasonSchema.optional(),
  })
  .refine((b) => b.all === true || b.messageId !== undefined || b.reason !== undefined, {
    message: 'name messageId and/or reason, or set "all": true',
  });
