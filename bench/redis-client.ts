/**
 * The bench's own node-redis v3 connection to its Redis: the LPUSH floor
 * writes through it, and it wipes the data between measurements.
 */
import { createClient, type RedisClient } from 'redis';
import { sendCommand } from '../src/redis/send-command';

/** Opens a client and resolves once it is ready. */
export function connectRedis(host: string, port: number): Promise<RedisClient> {
  const client = createClient({ host, port });
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
  });
}

/**
 * Deletes everything on the bench's own server, synchronously so the next
 * measurement does not share Redis's CPU with a lazy free in the background.
 */
export async function flushAll(client: RedisClient): Promise<void> {
  await sendCommand(client, 'FLUSHALL', ['SYNC']);
}

/** Closes the client after its pending replies. */
export function quit(client: RedisClient): Promise<void> {
  return new Promise((resolve) => client.quit(() => resolve()));
}
