/**
 * In-attempt retries of one push request (axios-retry): quick retries of a
 * transient failure within one run of the job, before the queue's own retry
 * (retry-policy) takes over.
 *
 * axios-retry retries only idempotent methods by default; a push is a POST,
 * but it is made idempotent by its Idempotency-Key, so every method is
 * retried here. A Retry-After longer than the in-attempt cap is not waited out
 * while holding a worker slot: the push fails back to the queue, which
 * schedules it no sooner than asked.
 */
import type { AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import axiosRetry, { retryAfter } from 'axios-retry';
import { equalJitter } from '../core/backoff';
import { isTransientFailure } from './classify-failure';

/** How many in-attempt retries, and their backoff. */
export interface HttpRetryOptions {
  retries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Told about every in-attempt retry, for logs and metrics. */
  onRetry?: (retryCount: number, err: AxiosError) => void;
}

/** The delay before in-attempt retry `n` (1-based): the same jittered, capped backoff as the queue's. */
export function retryDelayMs(n: number, base: number, cap: number): number {
  return equalJitter(base, cap, n - 1);
}

/** Makes `instance` retry transient failures in-attempt. */
export function installHttpRetry(instance: AxiosInstance, options: HttpRetryOptions): void {
  const { requestInterceptorId } = axiosRetry(instance, {
    retries: options.retries,
    shouldResetTimeout: true,
    retryCondition: (err) => isTransientFailure(err) && retryAfter(err) <= options.retryMaxDelayMs,
    retryDelay: (n, err) =>
      Math.max(retryAfter(err), retryDelayMs(n, options.retryBaseMs, options.retryMaxDelayMs)),
    ...(options.onRetry ? { onRetry: (n: number, err: AxiosError) => options.onRetry?.(n, err) } : {}),
  });
  markSynchronous(instance, requestInterceptorId);
}

/** The part of axios' interceptor manager read here; `forEach` is what axios itself walks per request. */
interface InterceptorList {
  forEach(fn: (handler: { fulfilled?: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig }) => void): void;
}

/**
 * axios-retry's request interceptor only records the attempt in the config
 * and returns it, synchronously, but is registered as asynchronous: axios then
 * chains the whole request (interceptor, dispatch, response interceptors) as
 * promise hops on every request. Registered again with `synchronous: true`,
 * it runs inline and the dispatch starts at once; what it does is unchanged.
 */
function markSynchronous(instance: AxiosInstance, id: number): void {
  const handlers: { fulfilled?: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig }[] = [];
  (instance.interceptors.request as unknown as InterceptorList).forEach((handler) => handlers.push(handler));
  // Only when axios-retry's is the instance's one request interceptor, so it is surely the one listed.
  const fulfilled = handlers.length === 1 && id === 0 ? handlers[0]?.fulfilled : undefined;
  if (!fulfilled) return;
  instance.interceptors.request.eject(id);
  instance.interceptors.request.use(fulfilled, undefined, { synchronous: true });
}
