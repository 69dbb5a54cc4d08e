/**
 * The consumer (worker) process's configuration: where the push proxy is,
 * how hard to push, and the common settings every role shares.
 */
import { envHttpUrl, envInt, envOptionalString } from './env-fields';
import { type CommonConfig, commonShape, type Env, parseRole } from './config';

/** How a consumer shares its concurrency between the lanes, in percent of it (see lane-scheduler). */
export interface LaneShares {
  /** Share bulk never takes: kept free for interactive pushes. */
  interactiveReservedPercent: number;
  /** Share bulk keeps while interactive is busy too. */
  bulkMinimumPercent: number;
}

/** The consumer (worker) process. */
export interface ConsumerConfig extends CommonConfig {
  push: {
    url: string;
    /** Sent as `Authorization: Bearer` to the proxy, if set. */
    token: string | undefined;
    timeoutMs: number;
    retries: number;
    retryBaseMs: number;
    retryMaxDelayMs: number;
    concurrency: number;
    /** Pushes per second across all consumers (shared through Redis); 0 for no limit. */
    rateLimit: number;
  };
  /** How `push.concurrency` is shared between the interactive and bulk lanes. */
  lanes: LaneShares;
  /** Port of the consumer's /metrics, /healthz and /readyz server; 0 picks a free one. */
  metricsPort: number;
  collapse: {
    /** How long a push holds its (recipient, collapseKey) turn unrenewed: what a crashed consumer costs the pair. */
    leaseMs: number;
  };
}


/** The consumer's variables (exported for the configuration reference and its test). */
export const consumerShape = {
  ...commonShape,
  PUSH_PROXY_URL: envHttpUrl(),
  PUSH_PROXY_TOKEN: envOptionalString(),
  PUSH_TIMEOUT_MS: envInt(10_000, 1, 600_000),
  PUSH_RETRIES: envInt(3, 0, 20),
  PUSH_RETRY_BASE_MS: envInt(100, 1, 60_000),
  PUSH_RETRY_MAX_DELAY_MS: envInt(5000, 1, 600_000),
  CONSUMER_CONCURRENCY: envInt(50, 1, 10_000),
  PUSH_RATE_LIMIT: envInt(0, 0, 10_000_000),
  CONSUMER_INTERACTIVE_RESERVE_PERCENT: envInt(20, 0, 100),
  CONSUMER_BULK_MIN_PERCENT: envInt(20, 0, 100),
  METRICS_PORT: envInt(9100, 0, 65535),
  COLLAPSE_LEASE_MS: envInt(15_000, 500, 600_000),
};

/** Parses the consumer's configuration, or throws a {@link ConfigError} listing every problem. */
export function parseConsumerConfig(env: Env): ConsumerConfig {
  return parseRole(consumerShape, env, (v, problem) => {
    if (v.PUSH_RETRY_MAX_DELAY_MS < v.PUSH_RETRY_BASE_MS) {
      problem('PUSH_RETRY_MAX_DELAY_MS must be at least PUSH_RETRY_BASE_MS');
    }
    if (v.CONSUMER_INTERACTIVE_RESERVE_PERCENT + v.CONSUMER_BULK_MIN_PERCENT > 100) {
      problem('CONSUMER_INTERACTIVE_RESERVE_PERCENT + CONSUMER_BULK_MIN_PERCENT must be at most 100');
    }
    return {
      push: {
        url: v.PUSH_PROXY_URL,
        token: v.PUSH_PROXY_TOKEN,
        timeoutMs: v.PUSH_TIMEOUT_MS,
        retries: v.PUSH_RETRIES,
        retryBaseMs: v.PUSH_RETRY_BASE_MS,
        retryMaxDelayMs: v.PUSH_RETRY_MAX_DELAY_MS,
        concurrency: v.CONSUMER_CONCURRENCY,
        rateLimit: v.PUSH_RATE_LIMIT,
      },
      lanes: {
        interactiveReservedPercent: v.CONSUMER_INTERACTIVE_RESERVE_PERCENT,
        bulkMinimumPercent: v.CONSUMER_BULK_MIN_PERCENT,
      },
      metricsPort: v.METRICS_PORT,
      collapse: { leaseMs: v.COLLAPSE_LEASE_MS },
    };
  });
}
