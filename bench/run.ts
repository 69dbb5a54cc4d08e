/**
 * `npm run bench`: the push-fanout benchmark. Starts its own Redis (and
 * cluster), proxy and service processes, runs every selected scenario
 * `--runs` times (interleaved: run 1 of each, then run 2, …), prints the
 * medians as tables with what likely limited each figure, and writes all
 * per-run results to bench/results/bench-<timestamp>.json. Progress goes to
 * stderr, so stdout holds only the report. See ./args.ts for the flags.
 */
import os from 'node:os';
import path from 'node:path';
import { type BenchOptions, parseBenchArgs, USAGE, UsageError } from './args';
import { BROADCAST_RECIPIENTS, type BroadcastContext, runBroadcast } from './broadcast';
import { runBusyRoom } from './busy-room';
import type { BusyRoomContext } from './busy-room-steps';
import { cleanupAll, killLeftovers, wasInterrupted } from './children';
import { type DeliveryContext, type DeliveryRun, runDelivery } from './delivery';
import { type IntakeContext, runIntake } from './intake';
import { describeRun, type Outcome, printReport, type Results, scenarioReport, writeResults } from './output';
import { DEFAULT_JOB_RETRY, prepareMessage, recipientIds } from './payload';
import { runScale } from './scale';
import { broadcastSetup, busyRoomSetup, clusterDelivery, createWorkspace, producerFor, proxyFor, resultsDir, type Standalone, standaloneDelivery, startStandalone } from './setup';
import { PRODUCER_OVERRIDES } from './service';
import { runSoak } from './soak';
import { soakSection } from './table';
import type { Workspace } from './workspace';

const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Sequential 1k-room requests behind the API latency figure. */
const LATENCY_REQUESTS = 50;

function progress(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** MAX_BODY_BYTES for the producers: the default unless the largest room's body would not fit. */
function bodyLimitEnv(options: BenchOptions): { env: Record<string, string>; note: string } {
  const broadcast = options.scenarios.includes('broadcast') ? BROADCAST_RECIPIENTS : 0;
  const largest = Math.max(...options.sizes, 10_000, broadcast);
  const bytes = Buffer.byteLength(prepareMessage('size-probe', recipientIds(largest)).body);
  if (bytes <= DEFAULT_BODY_LIMIT) return { env: {}, note: `MAX_BODY_BYTES left at its 1 MiB default (largest body: ${bytes} bytes)` };
  return { env: { MAX_BODY_BYTES: '4194304' }, note: `MAX_BODY_BYTES=4194304: the largest body (${bytes} bytes) exceeds the 1 MiB default` };
}

/** The scenarios' processes, started once and kept for every run. */
interface Setup {
  intake?: IntakeContext;
  delivery?: DeliveryContext;
  scale?: DeliveryContext;
  cluster?: DeliveryContext;
  broadcast?: BroadcastContext;
  busyRoom?: BusyRoomContext;
  /** Why the cluster could not be set up, if so (the rest still runs). */
  clusterError?: string;
}

async function prepare(ws: Workspace, options: BenchOptions, redis: Standalone, producerEnv: Record<string, string>): Promise<Setup> {
  const proxy = await proxyFor(ws);
  const retry = DEFAULT_JOB_RETRY;
  const settings = { pushes: options.pushes, latencySeconds: options.latencySeconds, producerEnv };
  const setup: Setup = {};
  if (options.scenarios.includes('intake')) {
    const producer = await producerFor(ws, redis.target, 'bintake', producerEnv);
    setup.intake = { target: redis.target, producer, redis: redis.client, retry, sizes: options.sizes, latencyRequests: LATENCY_REQUESTS };
  }
  if (options.scenarios.includes('delivery')) setup.delivery = await standaloneDelivery(ws, redis, proxy, 'bdelivery', settings);
  if (options.scenarios.includes('scale')) {
    setup.scale = await standaloneDelivery(ws, redis, proxy, 'bscale', settings);
    if (options.cluster) {
      progress('starting a 3-master/3-replica Redis Cluster');
      try {
        setup.cluster = await clusterDelivery(ws, proxy, 'bcluster', options.pushes, producerEnv);
      } catch (err) {
        setup.clusterError = err instanceof Error ? err.message : String(err);
        progress(`cluster setup FAILED, scale runs without it: ${setup.clusterError.split('\n')[0] ?? ''}`);
      }
    }
  }
  if (options.scenarios.includes('broadcast')) setup.broadcast = await broadcastSetup(ws, redis, proxy, producerEnv, options.seed);
  if (options.scenarios.includes('busy-room')) setup.busyRoom = await busyRoomSetup(ws, redis, producerEnv, options.busySeconds);
  return setup;
}

/** Runs one scenario run; a failure is recorded and the benchmark goes on with the next. */
async function attempt<T>(results: Results, scenario: string, run: number, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    if (wasInterrupted()) throw err;
    const message = err instanceof Error ? err.message : String(err);
    progress(`${scenario} run ${run} FAILED: ${message.split('\n')[0] ?? ''}`);
    results.errors.push({ scenario, run, message });
    return undefined;
  }
}

async function runAll(setup: Setup, options: BenchOptions): Promise<Results> {
  const results: Results = { intake: [], delivery: [], scale: [], broadcast: [], busyRoom: [], errors: [] };
  if (setup.clusterError) results.errors.push({ scenario: 'cluster setup', run: 0, message: setup.clusterError });
  const { intake, delivery, scale, cluster, broadcast, busyRoom } = setup;
  if (intake) {
    // An unreported round first, so the producer's and the bench's code is JIT-compiled before run 1 counts.
    progress('warm-up: intake of 1k rooms (not reported)');
    await attempt(results, 'intake warm-up', 0, () => runIntake({ ...intake, sizes: [1000], latencyRequests: 0 }, 0));
  }
  for (let run = 1; run <= options.runs; run++) {
    const of = `${run}/${options.runs}`;
    if (intake) {
      progress(`run ${of}: intake`);
      const r = await attempt(results, 'intake', run, () => runIntake(intake, run));
      if (r) results.intake.push(r);
    }
    let d: DeliveryRun | undefined;
    if (delivery) {
      progress(`run ${of}: delivery`);
      d = await attempt(results, 'delivery', run, () => runDelivery(delivery, run));
      if (d) results.delivery.push(d);
    }
    if (scale) {
      progress(`run ${of}: scale${cluster ? ' (with cluster)' : ''}`);
      const r = await attempt(results, 'scale', run, () => runScale(scale, cluster, run, d?.service));
      if (r) results.scale.push(r);
    }
    if (broadcast) {
      progress(`run ${of}: broadcast (seed ${broadcast.seed})`);
      const r = await attempt(results, 'broadcast', run, () => runBroadcast(broadcast, run));
      if (r) results.broadcast.push(r);
    }
    if (busyRoom) {
      progress(`run ${of}: busy-room`);
      const r = await attempt(results, 'busy-room', run, () => runBusyRoom(busyRoom, run, progress));
      if (r) results.busyRoom.push(r);
    }
  }
  return results;
}

/** Parses the flags, or prints the usage and exits 2. */
function optionsOrExit(): BenchOptions {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** The soak alone: its own producer, proxy and one consumer. */
async function soakOnly(ws: Workspace, options: BenchOptions, redis: Standalone, producerEnv: Record<string, string>): Promise<Outcome> {
  const settings = { pushes: options.soakPushes, latencySeconds: 0, producerEnv };
  const ctx = await standaloneDelivery(ws, redis, await proxyFor(ws), 'bsoak', settings);
  progress(`soak: ${options.soakPushes} pushes through one consumer`);
  const soak = await runSoak(ctx, options.soakPushes);
  return { text: soakSection(soak), summary: { soak: { ...soak, samples: undefined } }, soak };
}

async function main(): Promise<void> {
  const options = optionsOrExit();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const ws = createWorkspace(stamp);
  const body = bodyLimitEnv(options);
  const loadBefore = os.loadavg();
  progress(`logs in ${path.relative(process.cwd(), ws.logDir)}; starting Redis, proxy and producers`);
  const redis = await startStandalone();
  const outcome = options.soak
    ? await soakOnly(ws, options, redis, body.env)
    : scenarioReport(await runAll(await prepare(ws, options, redis, body.env), options), options);
  const notes = [body.note, `producer overrides: ${JSON.stringify(PRODUCER_OVERRIDES)} (no code path changes; a slow 100k intake must not 503)`, `child logs: ${ws.logDir}`];
  const meta = describeRun({ startedAt, loadBefore, redisVersion: redis.version, root: path.resolve(ws.dist, '..'), options, notes });
  const file = path.join(resultsDir(ws), `bench-${stamp}.json`);
  writeResults(file, meta, outcome);
  printReport(file, meta, outcome);
}

/** Stops everything, checks nothing it started survived, and exits with `code`. */
async function finish(code: number): Promise<never> {
  await cleanupAll();
  const left = killLeftovers();
  if (left.length > 0) process.stderr.write(`bench: had to SIGKILL leftover processes ${left.join(', ')}\n`);
  process.exit(code);
}

main()
  .then(() => finish(0))
  .catch(async (err: unknown) => {
    // After Ctrl-C, requests fail because their processes are going away; the signal handler exits.
    if (wasInterrupted()) return;
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await finish(1);
  });
