/**
 * The shared body of the bench's comparison consumers (no-op, naive, seed):
 * the service's shard queues, named and configured exactly as the service's
 * consumer names them (same prefix, hash-tagged names, removeOnSuccess,
 * process-wide concurrency split over shards the same way), with a handler
 * of the caller's choosing; or, for the seed-style baseline, one plain queue. Runs as a helper process; the settings come as
 * one JSON argument, so nothing here reads the environment.
 */
import BeeQueue = require('bee-queue');
import { ArrivalCounter, targetOf } from './arrival-counter';
import { serveIpc } from './ipc';
import { splitConcurrency } from '../src/routing/shard-set';
import { LANES } from '../src/queue/lane';
import { buildShards } from '../src/queue/shards';

/** What a comparison consumer is told. */
export interface WorkerSettings {
  host: string;
  port: number;
  prefix: string;
  shards: number;
  concurrency: number;
  /** The proxy URL (naive consumer). */
  url: string;
  /** Counts whose moment to stamp from the first job on (the bench may ask only later). */
  watch: number[];
  /**
   * One plain queue of this name with the whole concurrency, instead of the
   * service's shard queues (the seed-style baseline).
   */
  single?: string;
}

/** Reads the settings the bench passed as the first argument. */
export function workerSettings(argv: readonly string[]): WorkerSettings {
  const text = argv[2];
  if (text === undefined) throw new Error('usage: node <consumer>.js <settings JSON>');
  return JSON.parse(text) as WorkerSettings;
}

function beeQueue(settings: WorkerSettings, name: string): BeeQueue {
  return new BeeQueue(name, {
    prefix: settings.prefix,
    isWorker: true,
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    removeOnSuccess: true,
    redis: { host: settings.host, port: settings.port },
  });
}

/** The queues to process and each one's concurrency. */
function benchQueues(settings: WorkerSettings): { queues: BeeQueue[]; split: number[] } {
  if (settings.single !== undefined) return { queues: [beeQueue(settings, settings.single)], split: [settings.concurrency] };
  // Both lanes' queues, each lane with the whole concurrency: the backlog sits in one lane (10k-recipient rooms
  // are bulk), so the baseline gets as many slots on it as it is configured for, as a pre-lanes consumer would.
  const shards = LANES.flatMap((lane) => buildShards(settings.shards, lane));
  const perLane = splitConcurrency(settings.concurrency, settings.shards);
  return { queues: shards.map((shard) => beeQueue(settings, shard.queueName)), split: LANES.flatMap(() => perLane) };
}

/**
 * Processes every shard with `handler`, counts finished jobs (after
 * Bee-Queue has removed them from Redis, i.e. on 'succeeded'), and serves
 * `count` / `waitFor` / `close` to the bench.
 */
export async function runBeeWorker(settings: WorkerSettings, handler: (job: BeeQueue.Job<unknown>) => Promise<void>): Promise<void> {
  const counter = new ArrivalCounter();
  for (const target of settings.watch) counter.watch(target);
  let failures = 0;
  const { queues, split } = benchQueues(settings);
  queues.forEach((queue, i) => {
    queue.on('succeeded', () => counter.add());
    queue.on('failed', () => void (failures += 1));
    queue.on('error', (err) => process.stderr.write(`queue error: ${err.message}\n`));
    queue.process(split[i] ?? 1, handler);
  });
  await Promise.all(queues.map((queue) => queue.ready()));
  serveIpc(
    {
      count: () => ({ count: counter.count, firstAt: counter.firstAt, failures }),
      waitFor: (arg) => counter.waitFor(targetOf(arg)),
    },
    { shards: queues.length, split },
  );
  // SIGTERM from the bench: let running jobs finish, then leave.
  process.once('SIGTERM', () => {
    void Promise.allSettled(queues.map((queue) => queue.close(5_000))).finally(() => process.exit(0));
  });
}
