/**
 * The OpenAPI 3 description of the API, generated from the very zod schemas
 * that validate requests, so the document cannot drift from the checks.
 * Response shapes are described here with zod as well.
 */
import { z } from 'zod';
import { listQuerySchema, replayBodySchema } from '../deadletter/dead-letter-schema';
import { messageIdSchema, messageSchema } from '../message/message-schema';
import { type Lane, LANES } from '../queue/lane';

type JsonSchema = Record<string, unknown>;

/** zod → JSON Schema as OpenAPI 3.0 wants it, from the input side of transforms. */
export function toSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as JsonSchema;
}

const errorSchema = z.object({
  error: z.string().meta({ description: 'stable error code, e.g. invalid_request' }),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const laneSchema = z.enum(LANES as [Lane, ...Lane[]]).meta({
  description: 'the lane the pushes travel in: interactive (rooms below BULK_MIN_RECIPIENTS) or bulk (large rooms, or lane "bulk" asked for)',
});
const acceptedSchema = z.object({ messageId: z.string(), accepted: z.number().int(), lane: laneSchema, duplicate: z.literal(true).optional() });
const statusSchema = z.object({
  messageId: z.string(),
  lane: laneSchema,
  ...Object.fromEntries(['accepted', 'delivered', 'failed', 'expired', 'pending'].map((k) => [k, z.number().int()])),
  collapsed: z.number().int().meta({
    description: 'pushes not sent because a newer message with the same collapseKey was accepted for that recipient; accepted = delivered + failed + expired + collapsed + pending',
  }),
});
const deadLetterListSchema = z.object({ total: z.number().int(), items: z.array(z.record(z.string(), z.unknown())) });

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: toSchema(schema) } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), json(errorSchema, ERROR_TEXT[c] ?? 'error')]));
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request: each bad field is named in details',
  401: 'missing or invalid bearer token',
  404: 'not found',
  409: 'a retry of an intake that failed midway named other recipientIds than its first attempt; nothing was enqueued',
  413: 'body larger than MAX_BODY_BYTES',
  415: 'Content-Type is not application/json',
  429: 'per-token rate limit (API_RATE_LIMIT) exceeded; see Retry-After',
  503: 'Redis unavailable; nothing was accepted, retry (see Retry-After)',
};

function queryParameters(): JsonSchema[] {
  const props = (toSchema(listQuerySchema)['properties'] ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

function apiPaths(maxRecipients: number): JsonSchema {
  return {
    '/v1/messages': {
      post: {
        summary: 'Accept a chat message: one push per recipient',
        requestBody: { required: true, content: { 'application/json': { schema: toSchema(messageSchema(maxRecipients)) } } },
        responses: { '202': json(acceptedSchema, 'every push is in Redis'), '200': json(acceptedSchema, 'repeat of an accepted messageId'), ...errors(400, 401, 409, 413, 415, 429, 503) },
      },
    },
    '/v1/messages/{messageId}': {
      get: {
        summary: 'Delivery status of a message',
        parameters: [{ name: 'messageId', in: 'path', required: true, schema: toSchema(messageIdSchema) }],
        responses: { '200': json(statusSchema, 'counts of the message pushes'), ...errors(400, 401, 404, 429, 503) },
      },
    },
    '/v1/dead-letters': {
      get: { summary: 'List dead letters, newest first', parameters: queryParameters(), responses: { '200': json(deadLetterListSchema, 'dead letters'), ...errors(400, 401, 429, 503) } },
    },
    '/v1/dead-letters/replay': {
      post: {
        summary: 'Re-enqueue dead letters (a push delivered since is not sent again)',
        requestBody: { required: true, content: { 'application/json': { schema: toSchema(replayBodySchema) } } },
        responses: { '200': json(
            z.object({ replayed: z.number().int(), skipped: z.number().int(), skippedJobIds: z.array(z.string()).max(100) }),
            'how many were re-enqueued, and how many were kept because their job is still queued (the first 100 of their ids)',
          ), ...errors(400, 401, 413, 415, 429, 503) },
      },
    },
  };
}

const OPEN_PATHS = {
  '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } } },
  '/readyz': { get: { summary: 'Readiness: Redis answers for every shard', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'Redis unavailable' } } } },
  '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { '200': { description: 'text exposition format' } } } },
  '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3 document' } } } },
};

/** Builds the document. */
export function openApiDocument(maxRecipients: number, version: string): JsonSchema {
  return {
    openapi: '3.0.3',
    info: { title: 'push-fanout', version, description: 'Fans one group-chat message out into one push per recipient.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: { ...apiPaths(maxRecipients), ...OPEN_PATHS },
  };
}
