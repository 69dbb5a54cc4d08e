/**
 * Assembles the producer from its config: shard queues plus the API. Kept out
 * of `main.ts` so tests build exactly what production runs, minus the
 * listening socket and signal handling.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import type { ProducerConfig } from '../src/config/config';
import type { Logger } from '../src/core/logger';
import type { EndpointResolver } from '../src/routing/endpoint-resolver';
import { deadLetterStoreFor } from '../src/deadletter/dead-letter-store';
import { MessageRecords } from '../src/message/message-records';
import { DeliveryMarkers } from '../src/delivery/delivery-markers';
import { ProducerMetrics } from '../src/metrics/producer-metrics';
import { openApiDocument } from '../src/openapi/openapi-document';
import { QueueDepths } from '../src/metrics/queue-depth';
import { QueueKeys } from '../src/queue/queue-keys';
import { registerPushBackoff } from '../src/retry/retry-policy';
import { ShardSet } from '../src/routing/shard-set';
import { type AppState, createApp } from './app';

/** How long a readiness probe (a write per shard) may take. */
const READY_PING_TIMEOUT_MS = 1000;

/** A wired producer. */
export interface Producer {
  app: Koa<AppState>;
  shards: ShardSet;
  metrics: ProducerMetrics;
}

/** The service version, for the API description. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** How old a queue-depth reading may be when scraped or shown. */
const DEPTH_MAX_AGE_MS = 2000;

/** Builds the producer's queues and API. `resolver` overrides slot routing (tests). */
export function createProducer(config: ProducerConfig, log: Logger, resolver?: EndpointResolver): Producer {
  let metrics: ProducerMetrics | undefined;
  const onReroute = (_: unknown, cause: string): void => void metrics?.reroutes.inc({ cause });
  const onWriteRefused = (_: unknown, cause: string): void => void metrics?.writeRefusals.inc({ cause });
  const shards = ShardSet.create({
    config,
    role: 'producer',
    log,
    prepare: registerPushBackoff,
    resolver,
    onReroute,
    onWriteRefused,
    intakeConnectionsPerNode: config.intake.connectionsPerNode,
  });
  const keys = new QueueKeys(config.queue.prefix);
  const depths = new QueueDepths(shards, keys, DEPTH_MAX_AGE_MS, READY_PING_TIMEOUT_MS * 2);
  const built = new ProducerMetrics(depths);
  metrics = built;
  const records = new MessageRecords(keys);
  const timeoutMs = config.intake.enqueueTimeoutMs;
  const app = createApp({
    log,
    apiTokens: config.apiTokens,
    apiRateLimit: config.apiRateLimit,
    keys,
    intake: {
      shards,
      records,
      idempotencyTtlSeconds: config.retention.idempotencyTtlSeconds,
      bulkMinRecipients: config.intake.bulkMinRecipients,
      policy: {
        keys,
        chunkSize: config.intake.chunkSize,
        timeoutMs,
        retry: config.jobRetry,
        waitReplicas: config.intake.waitReplicas,
        waitTimeoutMs: config.intake.waitTimeoutMs,
        collapseHoldMs: config.intake.collapseHoldMs,
        onReplicaAcks: (acked) => built.replicaAcks.inc({ acked: String(acked) }),
        onUnreplicated: (shard, acked) => {
          built.unreplicated.inc();
          log.warn({ shard, acked, wanted: config.intake.waitReplicas }, 'write acknowledged by fewer replicas than asked');
        },
      },
    },
    status: { shards, records, outcomes: new DeliveryMarkers(keys, config.retention.idempotencyTtlSeconds), timeoutMs },
    deadLetters: { shards, store: deadLetterStoreFor(config.retention, keys), retry: config.jobRetry, timeoutMs },
    maxRecipients: config.intake.maxRecipients,
    bodyLimitBytes: config.http.bodyLimitBytes,
    isReady: () => shards.ping(READY_PING_TIMEOUT_MS),
    metrics: built,
    depths,
    openApi: openApiDocument(config.intake.maxRecipients, PACKAGE_VERSION),
  });
  return { app, shards, metrics: built };
}

