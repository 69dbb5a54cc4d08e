/**
 * Typed errors with stable codes. Callers decide what to do from the class
 * (is it retryable? which HTTP status?), never by matching messages. Messages
 * of server-side errors may name internals, so only the producer's error
 * handler decides what a client gets to see.
 */

/** Base class: every error the service raises on purpose has a stable `code`. */
export abstract class AppError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with a request field. `path` is dotted, e.g. `notification.body`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The request body is well-formed JSON but breaks the schema. */
export class ValidationError extends AppError {
  readonly code = 'invalid_request';
  constructor(readonly details: FieldProblem[]) {
    super(`invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
  }
}

/** The request body is not parseable JSON (or not valid UTF-8). */
export class MalformedBodyError extends AppError {
  readonly code = 'invalid_json';
}

/** The request body is not declared as JSON. */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
  }
}

/** No valid credentials were presented. */
export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
}

/** The client sent more requests than its token's rate limit allows. */
export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  constructor(readonly retryAfterMs: number) {
    super('too many requests for this token; retry later');
  }
}

/** The requested resource does not exist. */
export class NotFoundError extends AppError {
  readonly code = 'not_found';
}

/**
 * A retry of a message id whose intake failed midway names other recipients than the first
 * attempt. Its pushes' marker slots are positions in the first attempt's recipient list, so it
 * is refused (409) and enqueues nothing; `field` names the request field at fault.
 */
export class RecipientsChangedError extends AppError {
  readonly code = 'recipients_changed';
  readonly field = 'recipientIds';
  constructor(messageId: string) {
    super(`a retry of messageId ${messageId} must carry the same recipients`);
  }
}

/**
 * Redis could not durably take a write within its deadline. Nothing was
 * acknowledged; the caller may retry the same request safely.
 */
export class QueueUnavailableError extends AppError {
  readonly code = 'queue_unavailable';
}

/** The environment does not describe a runnable configuration. */
export class ConfigError extends AppError {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * A push failed in a way that may succeed later (network error, timeout, 429,
 * 5xx). The job goes back to the queue for a delayed retry.
 */
export class TransientPushError extends AppError {
  readonly code = 'push_transient';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** Minimum wait the upstream asked for (Retry-After), in ms. */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The upstream rejected the push for good (a 4xx other than 408/429). Sending
 * it again cannot help, so the job is failed without retry.
 */
export class PermanentPushError extends AppError {
  readonly code = 'push_rejected';
  constructor(
    message: string,
    /** The proxy's status; undefined when the request could not even be sent (it was invalid). */
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
