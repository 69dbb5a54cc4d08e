/**
 * The delivery ceiling: a Bee-Queue consumer of the service's shard queues
 * whose handler does nothing. What is left is Bee-Queue's own cost per job
 * (fetch, mark active, finish and remove) over the same Redis: no consumer
 * can deliver faster than this with Bee-Queue on this machine.
 */
import { runBeeWorker, workerSettings } from './bee-worker';

runBeeWorker(workerSettings(process.argv), async () => undefined).catch((err: unknown) => {
  process.stderr.write(`noop-consumer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
