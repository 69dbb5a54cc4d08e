/**
 * Sorts upstream failures into "try again later" and "never". This decision
 * is what makes retries safe: a 400 retried forever is load for nothing, and a
 * 503 not retried is a lost push.
 */
import { isAxiosError } from 'axios';
import { retryAfter } from 'axios-retry';
import { PermanentPushError, TransientPushError } from '../core/errors';

/**
 * Statuses worth retrying: 429 and 5xx, and 408 (the server timed out waiting
 * for the request: nothing about the push itself was wrong).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * axios' codes for a request that was never sent because it is invalid as
 * built (the undici adapter reports a header value undici refuses as
 * ERR_BAD_OPTION_VALUE): every attempt would fail the same way.
 */
const INVALID_REQUEST_CODES: ReadonlySet<string> = new Set(['ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION', 'ERR_INVALID_URL', 'ERR_NOT_SUPPORT']);

/** True for an axios error about a request that can never be sent (see {@link INVALID_REQUEST_CODES}). */
export function isInvalidRequest(err: unknown): boolean {
  return isAxiosError(err) && err.response === undefined && INVALID_REQUEST_CODES.has(err.code ?? '');
}

/** True for an axios error that a later attempt may not hit: no answer, or a retryable status. */
export function isTransientFailure(err: unknown): boolean {
  if (!isAxiosError(err)) return false;
  if (err.code === 'ERR_CANCELED' || isInvalidRequest(err)) return false;
  return err.response === undefined || isRetryableStatus(err.response.status);
}

/** Turns whatever the HTTP call threw into a typed push error. */
export function classifyFailure(err: unknown): TransientPushError | PermanentPushError {
  if (!isAxiosError(err)) {
    // Not an HTTP outcome (a bug or a resource problem): retrying is the safe side.
    const message = err instanceof Error ? err.message : String(err);
    return new TransientPushError(`push failed: ${message}`, undefined, undefined, { cause: err });
  }
  if (isInvalidRequest(err)) {
    return new PermanentPushError(`push request is invalid and was not sent: ${err.message}`, undefined, { cause: err });
  }
  const status = err.response?.status;
  if (status === undefined) {
    return new TransientPushError(`push proxy unreachable: ${err.code ?? err.message}`, undefined, undefined, {
      cause: err,
    });
  }
  if (isRetryableStatus(status)) {
    const wait = retryAfter(err);
    return new TransientPushError(`push proxy answered ${status}`, status, wait > 0 ? wait : undefined);
  }
  return new PermanentPushError(`push proxy rejected the push with ${status}`, status);
}
