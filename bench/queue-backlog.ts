/**
 * How many pushes wait in a deployment's queues, read straight from Redis by
 * the bench's own client: waiting, active and delayed jobs summed over every
 * shard of both lanes, in one MULTI (Bee-Queue's structures are read through
 * src/bee/queue-counts, the one place that knows them).
 */
import type { RedisClient } from 'redis';
import { countJobs, type JobCounts } from '../src/bee/queue-counts';
import { QueueKeys } from '../src/queue/queue-keys';
import { allShards } from '../src/queue/shards';
import { QUEUE_SHARDS } from './service';

/** Job counts over every shard of both lanes of the deployment under `prefix`. */
export function queueTotals(client: RedisClient, prefix: string): Promise<JobCounts> {
  const keys = new QueueKeys(prefix);
  const shards = allShards(QUEUE_SHARDS);
  const multi = shards.reduce((m, shard) => countJobs(m, keys.beeKeys(shard)), client.multi());
  return new Promise((resolve, reject) => {
    multi.exec((err, replies) => {
      if (err || !replies) return reject(err ?? new Error('MULTI aborted'));
      const totals: JobCounts = { waiting: 0, active: 0, delayed: 0 };
      // countJobs queues waiting, active, delayed per shard, in that order.
      replies.forEach((reply, i) => {
        const state = (['waiting', 'active', 'delayed'] as const)[i % 3];
        if (state) totals[state] += Number(reply);
      });
      resolve(totals);
    });
  });
}
