/**
 * The producer process: loads the config, wires the producer, listens, and
 * shuts down in order on SIGTERM/SIGINT: HTTP first (no new requests,
 * in-flight ones finish), then the queues, whose closing also closes their
 * Redis connections.
 */
import http from 'node:http';
import { parseProducerConfig } from '../src/config/config';
import { loadConfigOrExit } from '../src/config/load-config';
import { describeRedis, redactSecrets } from '../src/config/redact';
import { createLogger } from '../src/core/logger';
import { handleSignals } from '../src/core/shutdown';
import { createProducer } from './producer';
import { createHttpServer } from './server';

/** Stops accepting connections and resolves once in-flight requests are answered. */
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
  const { app, shards } = createProducer(config, log);
  const server = createHttpServer(app, config.http);
  server.listen(config.http.port, config.http.host, () => {
    log.info({ address: server.address() }, 'producer listening');
  });
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
