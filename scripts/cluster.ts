/**
 * CLI behind `npm run cluster:start` and `npm run cluster:stop`: starts a local
 * 3-master, 3-replica Redis Cluster that outlives this command, and stops it
 * again from the state file that `start` leaves behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedisCluster } from './support/redis-cluster';
import { isProcessAlive, stopProcess } from './support/process-control';

/** Where `start` records the running cluster so that `stop` can find it. */
export const CLUSTER_STATE_FILE = path.join(os.tmpdir(), 'push-fanout-cluster.json');

/** What `start` writes to {@link CLUSTER_STATE_FILE}. */
export interface ClusterState {
  seeds: string;
  startedAt: string;
  nodes: Array<{ pid: number; port: number; dir: string }>;
}

const USAGE = 'usage: node dist/scripts/cluster.js start|stop';

function isClusterState(value: unknown): value is ClusterState {
  if (typeof value !== 'object' || value === null) return false;
  const { seeds, nodes } = value as Partial<Record<keyof ClusterState, unknown>>;
  return (
    typeof seeds === 'string' &&
    Array.isArray(nodes) &&
    nodes.every((n: Partial<Record<string, unknown>>) => {
      return typeof n.pid === 'number' && typeof n.port === 'number' && typeof n.dir === 'string';
    })
  );
}

/** The recorded cluster, or undefined if no state file exists. */
function readState(): ClusterState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(CLUSTER_STATE_FILE, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value: unknown = JSON.parse(text);
  if (isClusterState(value)) return value;
  throw new Error(`${CLUSTER_STATE_FILE} is not a cluster state file; delete it if no cluster is running`);
}

/**
 * True if `pid` is still the redis-server we started on `port`: after a reboot
 * or a crash the pid may belong to an unrelated process that must not be signalled.
 */
function isOurNode(node: { pid: number; port: number }): boolean {
  if (!isProcessAlive(node.pid)) return false;
  try {
    // redis-server retitles itself "redis-server 127.0.0.1:PORT [cluster]".
    const title = fs.readFileSync(`/proc/${node.pid}/cmdline`, 'utf8');
    return title.includes('redis-server') && title.includes(`:${node.port}`);
  } catch {
    return true; // no /proc (not Linux): trust the recorded pid
  }
}

/** Stops whatever is left of a recorded cluster and forgets it; returns how many nodes were stopped. */
async function stopRecorded(state: ClusterState): Promise<number> {
  const running = state.nodes.filter(isOurNode);
  const results = await Promise.allSettled(running.map((node) => stopProcess(node.pid)));
  state.nodes.forEach((node) => fs.rmSync(node.dir, { recursive: true, force: true }));
  fs.rmSync(CLUSTER_STATE_FILE, { force: true });
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return running.length;
}

function printConnection(seeds: string): void {
  console.log(`REDIS_CLUSTER_NODES=${seeds}`);
  // A comment line, so the output can be appended to a .env file as it is.
  console.log('# Redis Cluster is running; stop it with: npm run cluster:stop');
}

async function start(): Promise<number> {
  const existing = readState();
  if (existing !== undefined) {
    const alive = existing.nodes.filter(isOurNode).length;
    if (alive === existing.nodes.length) {
      printConnection(existing.seeds);
      return 0;
    }
    if (alive > 0) {
      console.error(`A cluster is half running (${alive}/${existing.nodes.length} nodes); run: npm run cluster:stop`);
      return 1;
    }
    await stopRecorded(existing); // stale: only its directories are left to clean up
  }
  // Detached: the nodes must survive this command's exit.
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, detached: true });
  const state: ClusterState = {
    seeds: cluster.seeds,
    startedAt: new Date().toISOString(),
    nodes: cluster.nodes.map((node) => ({ pid: node.pid, port: node.port, dir: node.dir })),
  };
  fs.writeFileSync(CLUSTER_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  printConnection(cluster.seeds);
  return 0;
}

async function stop(): Promise<number> {
  const state = readState();
  if (state === undefined) {
    console.log(`No running cluster (no state file at ${CLUSTER_STATE_FILE}).`);
    return 0;
  }
  const stopped = await stopRecorded(state);
  console.log(`Stopped the Redis Cluster (${stopped} of ${state.nodes.length} nodes were running).`);
  return 0;
}

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function runClusterCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'start' && rest.length === 0) return start();
  if (command === 'stop' && rest.length === 0) return stop();
  console.error(USAGE);
  return 2;
}

if (require.main === module) {
  runClusterCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
