/**
 * `npm run profile [-- --pushes N]`: a CPU profile of the service consumer
 * draining N pushes (30,000 by default). Starts its own redis-server, the
 * bench's stand-in proxy and a producer; posts the backlog through the API
 * (rooms of 10,000) with no consumer running; then runs one consumer
 * (CONSUMER_CONCURRENCY=50, QUEUE_SHARDS=16, as the bench) under
 * `node --cpu-prof` until the proxy has counted every push, and stops it.
 *
 * Prints the top five functions by self time and the time per owner
 * (package), as markdown, counting busy time only (see
 * support/cpu-profile.ts for what is left out) and only the samples taken
 * between the first and the last push at the proxy, so process start and
 * shutdown are not in it. The .cpuprofile is kept for a closer look
 * (Chrome DevTools, speedscope).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyscalls } from '../bench/procfs';
import { enqueueBacklog } from '../bench/backlog';
import { firstExit } from '../bench/children';
import { drainTimeoutMs } from '../bench/drain';
import { spawnConsumer } from '../bench/service';
import { createWorkspace, producerFor, proxyFor, startStandalone } from '../bench/setup';
import { type CpuProfile, EXCLUDED, ownerTable, summarizeProfile, topTable } from './support/cpu-profile';
import { runBenchScript } from './support/bench-script';

const PREFIX = 'bprofile';

/** Monotonic µs (the profile's clock) minus epoch µs, to place the proxy's epoch-ms stamps in the profile. */
function monotonicOffsetUs(): number {
  return Number(process.hrtime.bigint() / 1000n) - Date.now() * 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pushes: { type: 'string' } } });
  const pushes = Number(values.pushes ?? 30_000);
  if (!Number.isSafeInteger(pushes) || pushes < 1) throw new Error(`--pushes must be a positive integer, got ${values.pushes}`);
  const ws = createWorkspace(`profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const profileDir = path.join(ws.logDir, 'cpu-profile');
  const redis = await startStandalone();
  const proxy = await proxyFor(ws);
  const producer = await producerFor(ws, redis.target, PREFIX, {});
  process.stderr.write(`profile: posting ${pushes} pushes, then one consumer drains them under --cpu-prof\n`);
  await enqueueBacklog(producer.api, pushes, 'prof');
  await proxy.reset();
  const load = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const consumer = await spawnConsumer(ws, redis.target, PREFIX, proxy.url, 'consumer-profiled', ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const died = firstExit([consumer.child]).then((why) => Promise.reject(new Error(why)));
  const reached = await Promise.race([proxy.waitFor(pushes, drainTimeoutMs(pushes)), died]);
  // Counted from spawn: start-up writes (a few dozen) are noise against tens of thousands of pushes.
  const writes = writeSyscalls(consumer.child.pid);
  const offset = monotonicOffsetUs();
  // A graceful stop: the profile is written as the process exits.
  await consumer.child.stop();
  const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${profileDir}`);
  const profile = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, { fromUs: reached.firstAt * 1000 + offset, toUs: reached.reachedAt * 1000 + offset });
  const steady = ((pushes - 1) * 1000) / Math.max(1, reached.reachedAt - reached.firstAt);
  process.stdout.write(
    [
      `## Consumer CPU profile: ${pushes.toLocaleString('en-US')} pushes, first to last push (${(reached.reachedAt - reached.firstAt).toFixed(0)} ms, ${steady.toFixed(0)} pushes/s under the profiler)`,
      '',
      `Busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled (${((summary.busyMs * 1000) / pushes).toFixed(1)} µs per push); excluded: ${EXCLUDED.join(', ')}. Load average at the start: ${load}.`,
      `Writes of the consumer, spawn to last push: ${(writes.calls / pushes).toFixed(2)} system calls and ${(writes.bytes / pushes).toFixed(0)} bytes per push (/proc/<pid>/io syscw, wchar).`,
      '',
      topTable(summary, pushes),
      '',
      ownerTable(summary, pushes),
      '',
      `Profile: ${path.join(profileDir, file)}`,
      '',
    ].join('\n'),
  );
}

runBenchScript('profile', main);
