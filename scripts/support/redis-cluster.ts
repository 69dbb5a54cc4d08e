/**
 * Starts a real Redis Cluster (masters plus replicas, one `redis-server` each)
 * for tests and the cluster CLI, and answers questions about its topology so
 * failover tests can wait on conditions instead of sleeping.
 */
import { execFile } from 'node:child_process';
import { isClusterHealthy, mastersSeenBy, replicasLinkedUp, type ClusterMaster } from './cluster-topology';
import { findFreeClusterPorts } from './free-port';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from '../../src/core/wait-for';

const STARTUP_TIMEOUT_MS = 30_000;
const CREATE_TIMEOUT_MS = 30_000;
/** Polling every node is a handful of connections; 100 ms keeps two cores calm. */
const POLL_INTERVAL_MS = 100;

/** Thrown when `redis-cli --cluster create` fails; carries its output. */
export class RedisClusterStartError extends Error {
  readonly code = 'redis_cluster_start_failed';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n--- redis-cli output ---\n${output}`);
    this.name = 'RedisClusterStartError';
  }
}

/** Options for {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** At least 3, as `redis-cli --cluster create` requires. Default 3. */
  masters?: number;
  /** Default 1. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long before a silent node is failed over. Default 2000. */
  nodeTimeoutMs?: number;
  /** Sets requirepass and masterauth on every node. */
  password?: string;
  /** Run nodes in their own sessions so they outlive this process (for the CLI). */
  detached?: boolean;
}

/** A running cluster; nodes may be killed and restarted individually. */
export interface RedisClusterHandle {
  readonly nodes: RedisServerHandle[];
  /** "127.0.0.1:p1,127.0.0.1:p2,..." for every node. */
  readonly seeds: string;
  readonly password: string | undefined;
  /** Masters that own slots, as the first live node that answers sees them (settled after waitForHealthy). */
  masters(): Promise<ClusterMaster[]>;
  /** Port of the master that owns `slot`. */
  ownerOfSlot(slot: number): Promise<number>;
  /** Waits until every live node says cluster_state:ok and live masters cover all slots. */
  waitForHealthy(timeoutMs?: number): Promise<void>;
  /** Waits until healthy and every master has its full set of in-sync replicas. */
  waitForReplicas(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

type Settings = Required<Omit<RedisClusterOptions, 'password'>> & { password?: string };

class ManagedRedisCluster implements RedisClusterHandle {
  constructor(
    readonly nodes: RedisServerHandle[],
    private readonly settings: Settings,
  ) {}

  get seeds(): string {
    return this.nodes.map((node) => `${node.host}:${node.port}`).join(',');
  }
  get password(): string | undefined {
    return this.settings.password;
  }

  private live(): RedisServerHandle[] {
    return this.nodes.filter((node) => node.running);
  }

  masters(): Promise<ClusterMaster[]> {
    return mastersSeenBy(this.live());
  }

  async ownerOfSlot(slot: number): Promise<number> {
    const owner = (await this.masters()).find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b));
    if (owner === undefined) throw new Error(`slot ${slot} has no master`);
    return owner.port;
  }

  async waitForHealthy(timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
    await waitFor(() => isClusterHealthy(this.live()), {
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      description: 'every live cluster node to report cluster_state:ok with all slots on live masters',
    });
  }

  async waitForReplicas(timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
    await waitFor(() => this.replicasInSync(), {
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      description: `every master to have ${this.settings.replicasPerMaster} in-sync replica(s)`,
    });
  }

  /** Healthy, and each master has its full set of live, linked-up replicas. */
  private async replicasInSync(): Promise<boolean> {
    if (!(await isClusterHealthy(this.live()))) return false;
    const masters = await this.masters();
    return replicasLinkedUp(masters, this.live(), this.settings.replicasPerMaster);
  }

  async stop(): Promise<void> {
    await settleAll(this.nodes.map((node) => node.stop()));
  }
}

/** Waits for every promise, then rethrows the first failure, so one bad node can't strand the rest. */
async function settleAll<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Starts one cluster-enabled server per port; stops the started ones if any fails. */
async function startNodes(ports: number[], settings: Settings): Promise<RedisServerHandle[]> {
  const args = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(settings.nodeTimeoutMs),
    // An empty master would otherwise wait 5 s for more replicas before syncing.
    '--repl-diskless-sync-delay', '0',
    // CLUSTER SLOTS hides a replica until its replication offset is non-zero, and
    // on an idle master only the replication PING (default every 10 s) moves it.
    '--repl-ping-replica-period', '1',
  ];
  if (settings.password !== undefined) args.push('--masterauth', settings.password);
  const { password, detached } = settings;
  const started = await Promise.allSettled(
    ports.map((port) => startRedisServer({ port, password, detached, args })),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return nodes;
  await settleAll(nodes.map((node) => node.stop()));
  throw failed.reason;
}

/** Runs `redis-cli --cluster create`, which assigns slots and pairs replicas with masters. */
function createCluster(nodes: RedisServerHandle[], settings: Settings): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`)];
  args.push('--cluster-replicas', String(settings.replicasPerMaster), '--cluster-yes');
  if (settings.password !== undefined) args.push('-a', settings.password, '--no-auth-warning');
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: CREATE_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const message = missing
        ? 'redis-cli was not found on PATH. Install it with: sudo apt-get install -y redis-tools (Debian/Ubuntu)'
        : `redis-cli --cluster create failed: ${err.message}`;
      reject(new RedisClusterStartError(message, `${stdout}${stderr}`.trim()));
    });
  });
}

/** Starts a cluster and resolves once it is healthy with every replica in sync. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const settings: Settings = {
    masters: options.masters ?? 3,
    replicasPerMaster: options.replicasPerMaster ?? 1,
    nodeTimeoutMs: options.nodeTimeoutMs ?? 2000,
    detached: options.detached ?? false,
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  if (settings.masters < 3) throw new RangeError('a Redis Cluster needs at least 3 masters');
  const ports = await findFreeClusterPorts(settings.masters * (1 + settings.replicasPerMaster));
  const cluster = new ManagedRedisCluster(await startNodes(ports, settings), settings);
  try {
    await createCluster(cluster.nodes, settings);
    await cluster.waitForReplicas(STARTUP_TIMEOUT_MS);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
