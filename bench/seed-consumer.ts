/**
 * The seed-style baseline: the design the project started from. One plain
 * Bee-Queue queue (not sharded, no lanes), `process(50, …)`, and a default
 * `axios.post(url, job.data)` per job: the default axios instance over
 * Node 20's global agent, which keeps connections alive. No markers, no
 * outcome records, no retries, no Idempotency-Key. The bench fills that one
 * queue with the same pushes (see ./seed-backlog.ts).
 */
import axios from 'axios';
import { runBeeWorker, workerSettings } from './bee-worker';

const settings = workerSettings(process.argv);

runBeeWorker(settings, async (job) => {
  await axios.post(settings.url, job.data);
}).catch((err: unknown) => {
  process.stderr.write(`seed-consumer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
