/**
 * Typed configuration for each process role, parsed once from the
 * environment at startup. Every problem is collected and reported together, so
 * an operator fixes a bad deployment in one round. Nothing else in the code
 * base reads `process.env`.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors';
import { envBool, envEnum, envInt, envList, envOptionalInt, envPattern } from './env-fields';
import { type RedisConfig, redisEnvShape, toRedisConfig } from './redis-config';

/** Log settings. */
export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  pretty: boolean;
}

/** Queue layout shared by producers and consumers; both must agree on it. */
export interface QueueConfig {
  /** Namespace of every Redis key, one per deployment. */
  prefix: string;
  /** Number of shard queues. Changing it needs a drain: see docs/operations.md. */
  shards: number;
  /** Bee-Queue stall interval: how long a dead worker's job stays hidden. */
  stallIntervalMs: number;
}

/** How a failed push is retried through the queue (beyond the HTTP-level retries). */
export interface JobRetryConfig {
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** How long delivery state is kept; every record expires or is capped. */
export interface RetentionConfig {
  /** Message records, delivery markers and status counts live this long after their last change. */
  idempotencyTtlSeconds: number;
  deadLetterTtlSeconds: number;
  deadLetterMaxPerShard: number;
}

/** Settings both roles share. */
export interface CommonConfig {
  redis: RedisConfig;
  queue: QueueConfig;
  retention: RetentionConfig;
  log: LogConfig;
  shutdownTimeoutMs: number;
}

/** The producer (HTTP API) process. */
export interface ProducerConfig extends CommonConfig {
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Slow clients are cut off: time to send the headers, and the whole request. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  /** Requests per second per token, shared by all producers through Redis; 0 for no limit. */
  apiRateLimit: number;
  /** Accepted bearer tokens: several at once, so they can be rotated. */
  apiTokens: string[];
  intake: {
    maxRecipients: number;
    /** Messages with at least this many pushes travel in the bulk lane. */
    bulkMinRecipients: number;
    chunkSize: number;
    enqueueTimeoutMs: number;
    /** Replicas that must confirm each write before a 202 (WAIT); 0 to not wait. */
    waitReplicas: number;
    waitTimeoutMs: number;
    /** Most connections per Redis node that intakes lease for their writes and WAIT (see intake-connections). */
    connectionsPerNode: number;
    /** Pushes with a collapseKey and no sendAt are held this long before they are due, so bursts collapse (0: not held). */
    collapseHoldMs: number;
  };
  jobRetry: JobRetryConfig;
}

/** Variables every role reads. */
export const commonShape = {
  ...redisEnvShape,
  QUEUE_PREFIX: envPattern(
    /^[a-z][a-z0-9_-]{0,31}$/,
    'must be 1-32 characters of a-z, 0-9, _ or -, starting with a letter',
    'pf',
  ),
  QUEUE_SHARDS: envInt(16, 1, 1024),
  STALL_INTERVAL_MS: envInt(5000, 1000, 600_000),
  LOG_LEVEL: envEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LOG_PRETTY: envBool(false),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100, 600_000),
  IDEMPOTENCY_TTL_SECONDS: envInt(86_400, 60, 90 * 86_400),
  DEAD_LETTER_TTL_SECONDS: envInt(7 * 86_400, 60, 90 * 86_400),
  DEAD_LETTER_MAX_PER_SHARD: envInt(10_000, 1, 10_000_000),
};

/** The retry policy written into each new job (by the producer, and by dead-letter replays). */
export function jobRetryShape() {
  return {
    JOB_RETRIES: envInt(5, 0, 100),
    JOB_BACKOFF_MS: envInt(1000, 1, 3_600_000),
    JOB_BACKOFF_MAX_MS: envInt(300_000, 1, 86_400_000),
  };
}

/** The job retry policy from the parsed variables of {@link jobRetryShape}, with its cross-field check. */
export function jobRetryFrom(
  v: { JOB_RETRIES: number; JOB_BACKOFF_MS: number; JOB_BACKOFF_MAX_MS: number },
  problem: (message: string) => void,
): JobRetryConfig {
  if (v.JOB_BACKOFF_MAX_MS < v.JOB_BACKOFF_MS) problem('JOB_BACKOFF_MAX_MS must be at least JOB_BACKOFF_MS');
  return { retries: v.JOB_RETRIES, backoffBaseMs: v.JOB_BACKOFF_MS, backoffMaxMs: v.JOB_BACKOFF_MAX_MS };
}

/** The producer's variables (exported for the configuration reference and its test). */
export const producerShape = {
  ...commonShape,
  HOST: envPattern(/^\S+$/, 'must be a host name or address', '0.0.0.0'),
  PORT: envInt(3000, 0, 65535),
  API_TOKENS: envList(),
  MAX_BODY_BYTES: envInt(1024 * 1024, 1024, 64 * 1024 * 1024),
  HTTP_HEADERS_TIMEOUT_MS: envInt(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: envInt(30_000, 100, 600_000),
  HTTP_KEEPALIVE_TIMEOUT_MS: envInt(5_000, 100, 600_000),
  API_RATE_LIMIT: envInt(0, 0, 1_000_000),
  MAX_RECIPIENTS: envInt(100_000, 1, 1_000_000),
  BULK_MIN_RECIPIENTS: envInt(1000, 1, 1_000_000),
  // One Lua call per chunk; Lua's unpack takes at most ~8000 values (2 per job).
  ENQUEUE_CHUNK_SIZE: envInt(1000, 1, 2000),
  ENQUEUE_TIMEOUT_MS: envInt(5000, 100, 120_000),
  ...jobRetryShape(),
  // Unset means "depends on the Redis mode", see below.
  REDIS_WAIT_REPLICAS: envOptionalInt(0, 16),
  REDIS_WAIT_TIMEOUT_MS: envInt(500, 1, 60_000),
  INTAKE_CONNECTIONS_PER_NODE: envInt(32, 1, 1024),
  COLLAPSE_HOLD_MS: envInt(0, 0, 10_000),
};


/** The process environment, or a test's stand-in for it. */
export type Env = Record<string, string | undefined>;

/** Minimum token length: short tokens can be guessed. */
const MIN_TOKEN_LENGTH = 16;

/** Parses the producer's configuration, or throws a {@link ConfigError} listing every problem. */
export function parseProducerConfig(env: Env): ProducerConfig {
  return parseRole(producerShape, env, (v, problem) => {
    if (v.API_TOKENS.length === 0) problem('API_TOKENS is required: a comma-separated list of bearer tokens');
    if (v.API_TOKENS.some((t) => t.length < MIN_TOKEN_LENGTH)) {
      problem(`API_TOKENS: every token must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    if (v.HTTP_REQUEST_TIMEOUT_MS < v.HTTP_HEADERS_TIMEOUT_MS) {
      problem('HTTP_REQUEST_TIMEOUT_MS must be at least HTTP_HEADERS_TIMEOUT_MS');
    }
    return {
      http: {
        host: v.HOST,
        port: v.PORT,
        bodyLimitBytes: v.MAX_BODY_BYTES,
        headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: v.HTTP_KEEPALIVE_TIMEOUT_MS,
      },
      apiRateLimit: v.API_RATE_LIMIT,
      apiTokens: v.API_TOKENS,
      intake: {
        maxRecipients: v.MAX_RECIPIENTS,
        bulkMinRecipients: v.BULK_MIN_RECIPIENTS,
        chunkSize: v.ENQUEUE_CHUNK_SIZE,
        enqueueTimeoutMs: v.ENQUEUE_TIMEOUT_MS,
        // A cluster has replicas to wait for; a standalone server usually has none.
        waitReplicas: v.REDIS_WAIT_REPLICAS ?? (v.REDIS_CLUSTER_NODES ? 1 : 0),
        waitTimeoutMs: v.REDIS_WAIT_TIMEOUT_MS,
        connectionsPerNode: v.INTAKE_CONNECTIONS_PER_NODE,
        collapseHoldMs: v.COLLAPSE_HOLD_MS,
      },
      jobRetry: jobRetryFrom(v, problem),
    };
  });
}

type CommonValues = z.output<z.ZodObject<typeof commonShape>>;

/**
 * Validates `env` against `shape`, then lets `build` derive the role's fields
 * and add cross-field problems. Throws once, with everything that is wrong.
 */
export function parseRole<S extends typeof commonShape, R>(
  shape: S,
  env: Env,
  build: (values: z.output<z.ZodObject<S>>, problem: (message: string) => void) => R,
): CommonConfig & R {
  const problems: string[] = [];
  const problem = (message: string): void => void problems.push(message);
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problem(`${issue.path.join('.')}: ${issue.message}`);
  }
  // The Redis variables are combined even when another field failed, so that
  // every problem is reported in one go. A bad REDIS_TLS is already reported
  // above; here it only must not hide the other Redis problems.
  const redisVars = z.object({ ...redisEnvShape, REDIS_TLS: redisEnvShape.REDIS_TLS.catch(false) }).parse(env);
  const redis = toRedisConfig(redisVars, problem);
  const role = parsed.success ? build(parsed.data, problem) : undefined;
  if (!parsed.success || !redis || role === undefined || problems.length > 0) throw new ConfigError(problems);
  // Every role's shape extends commonShape, so the common fields are there.
  return { ...common(parsed.data as unknown as CommonValues, redis), ...role };
}

function common(v: CommonValues, redis: RedisConfig): CommonConfig {
  return {
    redis,
    queue: { prefix: v.QUEUE_PREFIX, shards: v.QUEUE_SHARDS, stallIntervalMs: v.STALL_INTERVAL_MS },
    retention: {
      idempotencyTtlSeconds: v.IDEMPOTENCY_TTL_SECONDS,
      deadLetterTtlSeconds: v.DEAD_LETTER_TTL_SECONDS,
      deadLetterMaxPerShard: v.DEAD_LETTER_MAX_PER_SHARD,
    },
    log: { level: v.LOG_LEVEL, pretty: v.LOG_PRETTY },
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
  };
}
