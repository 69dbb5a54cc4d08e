/**
 * The producer process: loads the config, wires Redis, the shard queues and
 * the API, listens, and shuts down in order on SIGTERM/SIGINT: HTTP first
 * (no new requests, in-flight ones finish), then the queues, whose closing
 * also closes their Redis connections.
 */
import http from 'node:http';
import { parseProducerConfig, type ProducerConfig } from '../src/config/config';
import { loadConfigOrExit } from '../src/config/load-config';
import { describeRedis, redactSecrets } from '../src/config/redact';
import { createLogger, type Logger } from '../src/core/logger';
import { handleSignals } from '../src/core/shutdown';
import { registerPushBackoff } from '../src/queue/retry-backoff';
import { ShardSet } from '../src/queue/shard-set';
import { createApp } from './app';

/** How long a readiness PING may take. */
const READY_PING_TIMEOUT_MS = 1000;

function startServer(config: ProducerConfig, shards: ShardSet, log: Logger): http.Server {
  const app = createApp({
    log,
    apiTokens: config.apiTokens,
    intake: {
      shards,
      chunkSize: config.intake.chunkSize,
      enqueueTimeoutMs: config.intake.enqueueTimeoutMs,
      jobRetry: config.jobRetry,
    },
    maxRecipients: config.intake.maxRecipients,
    bodyLimitBytes: config.http.bodyLimitBytes,
    isReady: () => shards.ping(READY_PING_TIMEOUT_MS),
  });
  const server = http.createServer(app.callback());
  // Slow clients must not hold sockets: cap header time and whole-request time.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.listen(config.http.port, config.http.host, () => {
    log.info({ address: server.address() }, 'producer listening');
  });
  return server;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
  });
}

function main(): void {
  const config = loadConfigOrExit('producer', parseProducerConfig);
  const log = createLogger({ name: 'producer', ...config.log });
  log.info({ config: redactSecrets(config), redis: describeRedis(config.redis) }, 'producer starting');
  const shards = ShardSet.create({ config, role: 'producer', log, prepare: registerPushBackoff });
  const server = startServer(config, shards, log);
  const budget = config.shutdownTimeoutMs;
  handleSignals(
    [
      { name: 'http', timeoutMs: budget, run: () => closeServer(server) },
      { name: 'queues', timeoutMs: budget, run: () => shards.close(budget) },
    ],
    log,
  );
}

main();
