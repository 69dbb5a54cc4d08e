/**
 * The HTTP floor: the no-op ceiling plus one bare undici POST per push over
 * a keep-alive pool (the same body and Idempotency-Key as the service, the
 * answer's body drained), and nothing else: no axios, no retries, no markers,
 * no lanes. No consumer that makes one HTTP exchange per push through Node
 * can cost less per push than this on the same machine, so service / floor
 * says how much of the service's cost is its own and how much is the
 * exchange's.
 */
import { Agent } from 'undici';
import { runBeeWorker, workerSettings } from './bee-worker';
import type { PushJobData } from '../src/push/push-job';
import { idempotencyKey, pushRequestJson } from '../src/notify/push-request';

const settings = workerSettings(process.argv);
const url = new URL(settings.url);
const agent = new Agent({ connections: settings.concurrency });

runBeeWorker(settings, async (job) => {
  const push = job.data as PushJobData;
  const { statusCode, body } = await agent.request({
    origin: url.origin,
    path: url.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(push) },
    body: pushRequestJson(push),
  });
  await body.dump();
  if (statusCode < 200 || statusCode >= 300) throw new Error(`proxy answered ${statusCode}`);
}).catch((err: unknown) => {
  process.stderr.write(`floor-consumer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
