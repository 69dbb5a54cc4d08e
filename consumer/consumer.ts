/**
 * Assembles the consumer from its config: the push client, the shard queues
 * and the handler. Kept out of `main.ts` so tests run exactly this.
 */
import type { ConsumerConfig } from '../src/config/config';
import type { Logger } from '../src/core/logger';
import { deadLetterStoreFor } from '../src/deadletter/dead-letter-store';
import { OutcomeStore } from '../src/delivery/outcome-store';
import { createPushClient } from '../src/notify/push-client';
import { SharedRateLimiter, UNLIMITED } from '../src/notify/rate-limiter';
import { QueueKeys } from '../src/queue/queue-keys';
import type { EndpointResolver } from '../src/queue/endpoint-resolver';
import { registerPushBackoff } from '../src/queue/retry-backoff';
import { ShardSet } from '../src/queue/shard-set';
import { createPushHandler } from './push-handler';

/** A running consumer. */
export interface Consumer {
  shards: ShardSet;
  /** Stops taking jobs, lets running pushes finish within `timeoutMs`, closes connections. */
  close(timeoutMs: number): Promise<void>;
}

/** Builds the consumer and starts processing every shard. `resolver` overrides slot routing (tests). */
export function startConsumer(config: ConsumerConfig, log: Logger, resolver?: EndpointResolver): Consumer {
  const shards = ShardSet.create({ config, role: 'consumer', log, prepare: registerPushBackoff, resolver });
  const keys = new QueueKeys(config.queue.prefix);
  const client = createPushClient({
    ...config.push,
    maxSockets: config.push.concurrency,
    onRetry: (n, err) => log.debug({ retry: n, reason: err.code ?? err.response?.status }, 'retrying push request'),
    limiter: config.push.rateLimit > 0 ? new SharedRateLimiter(shards.get(0), keys, config.push.rateLimit) : UNLIMITED,
  });
  const handler = createPushHandler({
    client,
    log,
    outcomes: new OutcomeStore(keys, config.retention.idempotencyTtlSeconds),
    deadLetters: deadLetterStoreFor(config.retention, keys),
    shards: new Map(shards.queues.map((q) => [q.shard.queueName, q.shard])),
  });
  shards.process(config.push.concurrency, handler, config.queue.stallIntervalMs);
  return {
    shards,
    async close(timeoutMs) {
      await shards.close(timeoutMs);
      client.close();
    },
  };
}
