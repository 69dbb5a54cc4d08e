/**
 * The consumer process: consumes every shard with a process-wide concurrency
 * and delivers pushes to the proxy. On SIGTERM/SIGINT it stops taking jobs,
 * lets in-flight pushes finish (within SHUTDOWN_TIMEOUT_MS), closes the queues
 * and their Redis connections, and exits 0. Jobs still running at the limit
 * return through the stalled-job check of the remaining consumers.
 */
import { parseConsumerConfig } from '../src/config/consumer-config';
import { loadConfigOrExit } from '../src/config/load-config';
import { describeRedis, redactSecrets } from '../src/config/redact';
import { createLogger } from '../src/core/logger';
import { handleSignals } from '../src/core/shutdown';
import { startConsumer } from './consumer';

async function main(): Promise<void> {
  const config = loadConfigOrExit('consumer', parseConsumerConfig);
  const log = createLogger({ name: 'consumer', ...config.log });
  log.info({ config: redactSecrets(config), redis: describeRedis(config.redis) }, 'consumer starting');
  const consumer = await startConsumer(config, log);
  log.info(
    { shards: config.queue.shards, concurrency: config.push.concurrency, metricsPort: consumer.probes.port },
    'consumer running',
  );
  const budget = config.shutdownTimeoutMs;
  handleSignals([{ name: 'queues', timeoutMs: budget + 1000, run: () => consumer.close(budget) }], log);
}

main().catch((err: unknown) => {
  process.stderr.write(`push-fanout consumer: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
