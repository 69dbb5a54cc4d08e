/**
 * One command on a short-lived connection, with a deadline. For topology
 * lookups, which must not share (or wait behind) the queues' connections,
 * and must give up quickly on a dead node.
 */
import { createClient } from 'redis';
import type { RedisConfig, RedisEndpoint } from '../config/redis-config';
import { withTimeout } from '../core/wait-for';
import { redisClientOptions } from './redis-client-options';

/** Connects to `endpoint`, sends `command args...`, and returns the reply. */
export async function commandOnce(
  redis: RedisConfig,
  endpoint: RedisEndpoint,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<unknown> {
  const client = createClient(redisClientOptions(redis, endpoint));
  // Errors surface through the promise below; an unhandled 'error' event would crash.
  client.on('error', () => undefined);
  const reply = new Promise<unknown>((resolve, reject) => {
    client.once('ready', () => {
      client.send_command(command, [...args], (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value)));
    });
    client.once('error', reject);
  });
  try {
    return await withTimeout(reply, timeoutMs, () => new Error(`${command} on ${endpoint.host}:${endpoint.port} timed out`));
  } finally {
    client.end(false);
  }
}
