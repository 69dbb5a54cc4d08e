/**
 * The HTTP client for the upstream push proxy: axios over an undici
 * keep-alive pool (see undici-adapter), with quick in-attempt retries of
 * transient failures (retry/http-retry).
 */
import axios, { type AxiosAdapter, type AxiosError, type AxiosInstance, type AxiosRequestConfig, type CreateAxiosDefaults, isAxiosError } from 'axios';
import { retryAfter } from 'axios-retry';
import type { ConsumerConfig } from '../config/consumer-config';
import type { PushJobData } from '../push/push-job';
import { classifyFailure } from '../retry/classify-failure';
import { installHttpRetry } from '../retry/http-retry';
import { idempotencyKey, pushRequestJson } from './push-request';
import type { RateLimiter, RateScope } from '../rate/rate-limiter';
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
   * PermanentPushError otherwise. `scope` is the push's shard, for the rate limit.
   */
  send(push: PushJobData, scope?: RateScope): Promise<void>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/**
 * The instance's whole config, merged into every request (and every retry)
 * by axios. `axios.create` would start from axios' global defaults (header
 * buckets per method, transitional flags, form and XSRF settings, body
 * transforms) and re-merge all of them per request, which profiling showed
 * to be the largest part of axios' cost here; none of it applies to a JSON
 * POST through the undici adapter. So the defaults are exactly what a push
 * needs: headers as one plain object, no transforms.
 */
function pushDefaults(options: PushClientOptions, adapter: AxiosAdapter): CreateAxiosDefaults {
  return {
    adapter,
    timeout: options.timeoutMs,
    // A push proxy does not redirect; following one would re-send the push elsewhere.
    maxRedirects: 0,
    validateStatus: (status) => status >= 200 && status < 300,
    // The proxy's answer is not used: it is neither parsed nor transformed.
    responseType: 'text',
    transformResponse: [],
    // The body is sent as serialised by pushRequestJson; Content-Type stays the header below.
    transformRequest: [],
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'push-fanout',
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
  };
}

/** Builds the client. One per consumer process. */
export function createPushClient(options: PushClientOptions): PushClient {
  const transport = undiciTransport(options.maxSockets, options.timeoutMs);
  const instance = axios.create();
  // Replaced in place: the instance's request function reads this very object (see pushDefaults).
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults)) delete defaults[key];
  Object.assign(defaults, pushDefaults(options, transport.adapter));
  // axios runs request interceptors last-added first: timing is added first so that it
  // starts after the rate-limit wait and measures the request alone.
  if (options.onResponse) installTiming(instance, options.onResponse);
  if (options.limiter) installLimiter(instance, options.limiter);
  installHttpRetry(instance, options);
  return {
    async send(push, scope) {
      // One config object per push and no method shorthand: `post` would merge configs once more.
      const config: AxiosRequestConfig = { method: 'post', url: options.url, data: pushRequestJson(push), headers: { 'Idempotency-Key': idempotencyKey(push) } };
      if (scope) config.rateScope = new CarriedScope(scope);
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
 * Every request, first attempts and axios-retry's retries alike, waits for a
 * token; every 429 pauses all pods. Interceptors see both, which a wrapper
 * around `send` would not.
 */
function installLimiter(instance: AxiosInstance, limiter: RateLimiter): void {
  instance.interceptors.request.use(async (config) => {
    await limiter.acquire(config.rateScope);
    return config;
  });
  instance.interceptors.response.use(undefined, async (err: unknown) => {
    if (isAxiosError(err) && err.response?.status === 429) {
      await limiter.pause(retryAfter(err) || DEFAULT_THROTTLE_MS).catch(() => undefined);
    }
    throw err;
  });
}

/** Times each request, retries included; keyed by config object so nothing is added to the request. */
function installTiming(instance: AxiosInstance, onResponse: (status: number, seconds: number) => void): void {
  const started = new WeakMap<object, bigint>();
  const elapsed = (config: object | undefined): number => {
    const start = config ? started.get(config) : undefined;
    return start === undefined ? 0 : Number(process.hrtime.bigint() - start) / 1e9;
  };
  instance.interceptors.request.use((config) => {
    started.set(config, process.hrtime.bigint());
    return config;
  });
  instance.interceptors.response.use(
    (response) => {
      onResponse(response.status, elapsed(response.config));
      return response;
    },
    (err: unknown) => {
      if (isAxiosError(err)) onResponse(err.response?.status ?? 0, elapsed(err.config));
      throw err;
    },
  );
}
