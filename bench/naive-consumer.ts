/**
 * The naive baseline: the same queues, and a handler that POSTs each push
 * with a default `axios.post` (the default instance: no keep-alive agent, so
 * a TCP connection per push; follow-redirects on), and nothing else: no
 * delivery markers, no outcome records, no retries of its own. The service
 * should beat it on speed despite doing more per push.
 */
import axios from 'axios';
import { runBeeWorker, workerSettings } from './bee-worker';
import type { PushJobData } from '../src/push/push-job';
import { idempotencyKey, pushRequestBody } from '../src/notify/push-request';

const settings = workerSettings(process.argv);

runBeeWorker(settings, async (job) => {
  const push = job.data as PushJobData;
  // The Idempotency-Key lets the proxy attribute pushes; the body is the service's wire format.
  await axios.post(settings.url, pushRequestBody(push), { headers: { 'Idempotency-Key': idempotencyKey(push) } });
}).catch((err: unknown) => {
  process.stderr.write(`naive-consumer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
