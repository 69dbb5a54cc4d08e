/**
 * Test configuration built through the real config parsers, so tests run the
 * same code paths as the processes. Each test gets its own key prefix on the
 * shared Redis, so tests never see each other's queues.
 */
import { randomBytes } from 'node:crypto';
import { parseProducerConfig, type ProducerConfig } from '../../src/config/config';
import { type ConsumerConfig, parseConsumerConfig } from '../../src/config/consumer-config';

/** The Redis every session and CI run provides. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A token accepted by test producers. */
export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** A fresh, unique key prefix. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

type Env = Record<string, string>;

/** Environment for a producer and consumer pair sharing one prefix. */
export function baseEnv(overrides: Env = {}): Env {
  return {
    REDIS_URL: SHARED_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix(),
    QUEUE_SHARDS: '4',
    API_TOKENS: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    PUSH_PROXY_URL: 'http://127.0.0.1:9/unused',
    // Several consumers run at once in tests: each takes a free port for its probes.
    METRICS_PORT: '0',
    ...overrides,
  };
}

/** Producer config from `env`. */
export function producerConfig(env: Env): ProducerConfig {
  return parseProducerConfig(env);
}

/** Consumer config from `env`. */
export function consumerConfig(env: Env): ConsumerConfig {
  return parseConsumerConfig(env);
}
