/**
 * The HTTP client for the upstream push proxy: axios over an undici
 * keep-alive pool (see undici-adapter), with quick in-attempt retries of
 * transient failures (retry/http-retry).
 */
import axios, { type AxiosAdapter, type AxiosError, type AxiosRequestConfig, type CreateAxiosDefaults, isAxiosError } from 'axios';
import { retryAfter } from 'axios-retry';
import type { ConsumerConfig } from '../config/consumer-config';
import type { PushJobData } from '../push/push-job';
import { classifyFailure } from '../retry/classify-failure';
import { installHttpRetry } from '../retry/http-retry';
import { idempotencyKey, pushRequestJson } from './push-request';
import { type RateLimiter, type RateScope, UNLIMITED } from '../rate/rate-limiter';
import { undiciTransport } from './undici-adapter';

/** Options for {@link createPushClient}: the proxy settings of the consumer config, plus wiring. */
export interface PushClientOptions
  extends Pick<ConsumerConfig['push'], 'url' | 'token' | 'timeoutMs' | 'retries' | 'retryBaseMs' | 'retryMaxDelayMs'> {
  /** Upper bound of open sockets; the consumer's concurrency. */
  maxSockets: number;
  /** Told about every in-attempt retry, for logs and metrics. */
  onRetry?: (retryCount: number, err: AxiosError) => void;
  /** Paces every request, retries included (the shared rate limit). */
  limiter?: RateLimiter;
  /** Told about every HTTP request: its status (0 if none came) and duration in seconds. */
  onResponse?: (status: number, seconds: number) => void;
}

// The push's rate-limit scope travels in the request config, so that axios-retry's retries carry it too.
declare module 'axios' {
  interface AxiosRequestConfig {
    /** Whose token bucket the request takes from (see rate-limiter). */
    rateScope?: RateScope;
  }
}

/**
 * A push's scope as it rides in the request config. axios deep-copies plain
 * objects when it merges configs (once per request and per retry); a class
 * instance is passed by reference, so the shard is not copied every time.
 */
class CarriedScope implements RateScope {
  readonly shard: RateScope['shard'];
  readonly redis: RateScope['redis'];
  constructor(scope: RateScope) {
    this.shard = scope.shard;
    this.redis = scope.redis;
  }
}

/** Pause applied to all pods after a 429 without Retry-After. */
const DEFAULT_THROTTLE_MS = 1000;

/** Sends pushes to the proxy. */
export interface PushClient {
  /**
   * Sends one push; resolves on 2xx, throws a TransientPushError or
   * PermanentPushError otherwise. `scope` is the push's shard, for the rate limit;
   * `signal` stops the send (and its in-attempt retries) when aborted.
   */
  send(push: PushJobData, scope?: RateScope, signal?: AbortSignal): Promise<void>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/**
 * The instance's whole config, merged into every request (and every retry)
 * by axios. `axios.create` would start from axios' global defaults (header
 * buckets per method, transitional flags, form and XSRF settings, body
 * transforms) and re-merge all of them per request, which profiling showed
 * to be the largest part of axios' cost here; none of it applies to a JSON
 * POST through the undici adapter. axios' per-request work (the merge, its
 * config and header checks) grows with every key and header, so only what
 * changes a request is here: no transforms (an absent list is none, as an
 * empty one), no redirect or response-type settings (the undici adapter
 * never follows a redirect and hands back text), and only the header that
 * axios itself would otherwise set (Content-Type). The headers every push
 * carries alike go with the transport ({@link transportHeaders}).
 */
function pushDefaults(options: PushClientOptions, adapter: AxiosAdapter): CreateAxiosDefaults {
  return {
    adapter,
    timeout: options.timeoutMs,
    validateStatus: (status) => status >= 200 && status < 300,
    headers: { 'Content-Type': 'application/json' },
  };
}

/**
 * Headers fixed for the client's life, set once in the transport. The token
 * there also stays out of the axios config that every AxiosError carries.
 */
function transportHeaders(options: Pick<PushClientOptions, 'token'>): Record<string, string> {
  return { 'User-Agent': 'push-fanout', ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) };
}

/** Builds the client. One per consumer process. */
export function createPushClient(options: PushClientOptions): PushClient {
  const transport = undiciTransport(options.maxSockets, options.timeoutMs, transportHeaders(options));
  const instance = axios.create();
  // Replaced in place: the instance's request function reads this very object (see pushDefaults).
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults)) delete defaults[key];
  Object.assign(defaults, pushDefaults(options, meteredAdapter(transport.adapter, options)));
  installHttpRetry(instance, options);
  // Without a rate limit nothing reads a request's scope: it is not carried (one config key less for axios to merge).
  const limited = options.limiter !== undefined && options.limiter !== UNLIMITED;
  return {
    async send(push, scope, signal) {
      // One config object per push and no method shorthand: `post` would merge configs once more.
      const config: AxiosRequestConfig = { method: 'post', url: options.url, data: pushRequestJson(push), headers: { 'Idempotency-Key': idempotencyKey(push) } };
      if (scope && limited) config.rateScope = new CarriedScope(scope);
      if (signal) config.signal = signal;
      try {
        await instance.request(config);
      } catch (err) {
        throw classifyFailure(err);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * Wraps the transport with the rate limit and the timing. Every request,
 * first attempts and axios-retry's retries alike, goes through the adapter,
 * after every request interceptor and before every response interceptor: it
 * waits for a token (with the push's scope, which retries carry in their
 * config), times the request alone (after the token wait), and pauses all
 * pods on a 429 before axios-retry decides on a retry, as interceptors did,
 * without an interceptor's promise hops per request. The no-op limiter
 * (no rate limit configured) is skipped altogether.
 */
function meteredAdapter(adapter: AxiosAdapter, options: Pick<PushClientOptions, 'limiter' | 'onResponse'>): AxiosAdapter {
  const limiter = options.limiter === UNLIMITED ? undefined : options.limiter;
  const onResponse = options.onResponse;
  if (!limiter && !onResponse) return adapter;
  const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
  return async (config) => {
    if (limiter) await limiter.acquire(config.rateScope);
    const start = process.hrtime.bigint();
    try {
      const response = await adapter(config);
      onResponse?.(response.status, seconds(start));
      return response;
    } catch (err: unknown) {
      const status = isAxiosError(err) ? (err.response?.status ?? 0) : 0;
      onResponse?.(status, seconds(start));
      if (limiter && status === 429) await limiter.pause(retryAfter(err as AxiosError) || DEFAULT_THROTTLE_MS).catch(() => undefined);
      throw err;
    }
  };
}
