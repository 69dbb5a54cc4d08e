/**
 * The backlog of the seed-style baseline: the same pushes the API would
 * store (the producer's own job data, in rooms of 10,000), written into one
 * plain Bee-Queue queue with Bee-Queue's saveAll while no consumer runs.
 */
import BeeQueue = require('bee-queue');
import { BACKLOG_ROOM } from './backlog';
import { saveAllFloor } from './intake-floors';
import { prepareMessage, pushData, recipientIds } from './payload';

/** The seed-style consumer's queue name (under the scenario's prefix). */
export const SEED_QUEUE = 'seed';

/** Saves `pushes` pushes as messages `<tag>m0`, `<tag>m1`, … into the seed queue. */
export async function enqueueSeedBacklog(redis: { host: string; port: number }, prefix: string, pushes: number, tag: string): Promise<void> {
  const queue = new BeeQueue(SEED_QUEUE, { prefix, isWorker: false, getEvents: false, sendEvents: false, redis: { host: redis.host, port: redis.port } });
  try {
    await queue.ready();
    const full = recipientIds(BACKLOG_ROOM);
    const now = Date.now();
    for (let i = 0, left = pushes; left > 0; i++, left -= BACKLOG_ROOM) {
      const recipients = left >= BACKLOG_ROOM ? full : full.slice(0, left);
      const jobs = pushData(prepareMessage(`${tag}m${i}`, recipients), now).map((data) => queue.createJob<unknown>(data));
      await saveAllFloor(queue, jobs);
    }
  } finally {
    await queue.close();
  }
}
