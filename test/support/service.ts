/**
 * In-process producer and consumer for integration tests, built by the same
 * factories the processes use, on an ephemeral port.
 */
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/core/logger';
import type { EndpointResolver } from '../../src/routing/endpoint-resolver';
import { type Consumer, startConsumer } from '../../consumer/consumer';
import { createProducer, type Producer } from '../../producer/producer';
import { createHttpServer } from '../../producer/server';
import type { ProducerConfig } from '../../src/config/config';
import type { ConsumerConfig } from '../../src/config/consumer-config';
import { consumerConfig, producerConfig, SHARED_REDIS_URL } from './env';
import { deletePrefix } from './redis';

/** A producer listening on an ephemeral port. */
export interface RunningProducer extends Producer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a producer from `env`. `adjust` may change the parsed config, for a
 * value a test needs outside what the environment allows (a 3 s TTL, say).
 */
export async function runProducer(env: Record<string, string>, resolver?: EndpointResolver, adjust?: (config: ProducerConfig) => void): Promise<RunningProducer> {
  const config = producerConfig(env);
  adjust?.(config);
  const producer = createProducer(config, silentLogger(), resolver);
  const server = createHttpServer(producer.app, config.http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...producer,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await producer.shards.close(1000);
    },
  };
}

/** Starts a consumer from `env`; `adjust` as for {@link runProducer}. */
export function runConsumer(env: Record<string, string>, resolver?: EndpointResolver, adjust?: (config: ConsumerConfig) => void): Promise<Consumer> {
  const config = consumerConfig(env);
  adjust?.(config);
  return startConsumer(config, silentLogger(), resolver);
}

/** What a test started; a part may be missing when its setup failed halfway. */
export interface TestServiceParts {
  consumer?: Consumer | undefined;
  producer?: RunningProducer | undefined;
  proxy?: { close(): Promise<void> } | undefined;
  env?: Record<string, string> | undefined;
}

/** Stops a test's consumer, producer and proxy, in that order, then deletes its keys from the shared Redis. */
export async function stopTestService(parts: TestServiceParts): Promise<void> {
  await parts.consumer?.close(1000);
  await parts.producer?.close();
  await parts.proxy?.close();
  if (parts.env) await deletePrefix(SHARED_REDIS_URL, parts.env['QUEUE_PREFIX']!);
}
