/**
 * The one place where errors become HTTP responses. Typed errors map to a
 * status and a stable `error` code; anything unexpected becomes a bare 500,
 * logged in full here and never shown to the client (no stack, no Redis
 * internals, no config).
 */
import type { Middleware } from 'koa';
import {
  AppError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  QueueUnavailableError,
  RateLimitedError,
  RecipientsChangedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../src/core/errors';
import type { Logger } from '../../src/core/logger';
import { writeRefusalCause } from '../../src/redis/redis-errors';

/** A response body for an error. */
interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** Status per error class; the class decides, never the message. */
const STATUS = new Map<Function, number>([
  [ValidationError, 400],
  [MalformedBodyError, 400],
  [UnauthorizedError, 401],
  [NotFoundError, 404],
  [RecipientsChangedError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
  [QueueUnavailableError, 503],
]);

/** Seconds a client should wait before retrying after a 503. */
const RETRY_AFTER_SECONDS = 1;

/** Maps thrown errors to JSON responses. Mount first, so it sees everything. */
export function errorHandler(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError(`no route for ${ctx.method} ${ctx.path}`);
    } catch (err) {
      const { status, body } = toResponse(err);
      if (status === 503) log.warn({ err: err instanceof Error ? err.message : String(err), path: ctx.path }, 'queue unavailable');
      else if (status >= 500) log.error({ err, path: ctx.path }, 'request failed');
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      if (status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      if (err instanceof RateLimitedError) ctx.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
      ctx.status = status;
      ctx.body = body;
    }
  };
}

/** Exported for unit tests: the status and body for any thrown value. */
export function toResponse(err: unknown): { status: number; body: ErrorBody } {
  // Redis refusing a write reaches here typed when it came through onShard; this catches any other
  // path. A typed error keeps its own status: its message may quote the client's input.
  const typed = !(err instanceof AppError) && writeRefusalCause(err) ? new QueueUnavailableError('Redis refused the write', { cause: err }) : err;
  const status = typed instanceof Error ? STATUS.get(typed.constructor) : undefined;
  if (status !== undefined) return { status, body: typedBody(typed as AppError, status) };
  const httpStatus = clientHttpStatus(err);
  if (httpStatus !== undefined) {
    return { status: httpStatus, body: { error: 'http_error', message: (err as Error).message } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error' } };
}

function typedBody(err: AppError, status: number): ErrorBody {
  if (err instanceof ValidationError) {
    return { error: err.code, message: 'the request body is invalid', details: err.details };
  }
  if (err instanceof RecipientsChangedError) {
    return { error: err.code, message: err.message, details: [{ path: err.field, message: 'must be the same recipients as the first attempt of this messageId' }] };
  }
  if (status === 503) {
    return { error: err.code, message: 'the queue is temporarily unavailable; nothing was accepted, retry the request' };
  }
  return { error: err.code, message: err.message };
}

/** A 4xx thrown by Koa or the router (e.g. 405), which is safe to show. */
function clientHttpStatus(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const candidate = (err as { status?: unknown; expose?: unknown }).status;
  const expose = (err as { expose?: unknown }).expose;
  return typeof candidate === 'number' && candidate >= 400 && candidate < 500 && expose === true
    ? candidate
    : undefined;
}
