/**
 * The HTTP client for the upstream push proxy: axios over an undici
 * keep-alive pool (see undici-adapter), with quick in-attempt retries of
 * transient failures (retry/http-retry).
 */
import axios, { type AxiosError, type AxiosInstance, isAxiosError } from 'axios';
import { retryAfter } from 'axios-retry';
import type { ConsumerConfig } from '../config/consumer-config';
import type { PushJobData } from '../push/push-job';
import { classifyFailure } from '../retry/classify-failure';
import { installHttpRetry } from '../retry/http-retry';
import { idempotencyKey, pushRequestBody } from './push-request';
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

/** Builds the client. One per consumer process. */
export function createPushClient(options: PushClientOptions): PushClient {
  const transport = undiciTransport(options.maxSockets, options.timeoutMs);
  const instance = axios.create({
    adapter: transport.adapter,
    timeout: options.timeoutMs,
    // A push proxy does not redirect; following one would re-send the push elsewhere.
    maxRedirects: 0,
    validateStatus: (status) => status >= 200 && status < 300,
    // The proxy's answer is not used; parsing it would be work for nothing.
    responseType: 'text',
    transitional: { silentJSONParsing: true, forcedJSONParsing: false, clarifyTimeoutError: false },
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'push-fanout',
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
  });
  // axios runs request interceptors last-added first: timing is added first so that it
  // starts after the rate-limit wait and measures the request alone.
  if (options.onResponse) installTiming(instance, options.onResponse);
  if (options.limiter) installLimiter(instance, options.limiter);
  installHttpRetry(instance, options);
  return {
    async send(push, scope) {
      try {
        await instance.post(options.url, pushRequestBody(push), {
          headers: { 'Idempotency-Key': idempotencyKey(push) },
          ...(scope ? { rateScope: scope } : {}),
        });
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
