/**
 * Reads a Redis Cluster's topology from its nodes (CLUSTER SLOTS, CLUSTER INFO,
 * INFO replication) and judges its health, so that callers can wait on a
 * condition instead of sleeping.
 */
import { parseClusterSlots } from '../../src/redis/cluster-slots';
import { HARNESS_HOST } from './redis-command';
import type { RedisServerHandle } from './redis-server';

/** Number of hash slots in every Redis Cluster. */
export const CLUSTER_SLOT_COUNT = 16384;

/** A master as CLUSTER SLOTS describes it. */
export interface ClusterMaster {
  port: number;
  /** Inclusive [first, last] slot ranges, ascending. */
  slots: Array<[number, number]>;
  replicaPorts: number[];
}

/** What the topology checks need from a node: where it is and a way to ask it. */
export type ClusterNode = Pick<RedisServerHandle, 'port' | 'command'>;

/** Parses "key:value" lines as INFO and CLUSTER INFO return them. */
function parseInfo(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(reply).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Groups CLUSTER SLOTS ranges (parsed as the service parses them) by master, ordered by each master's first slot. */
function mastersIn(reply: unknown): ClusterMaster[] {
  const byPort = new Map<number, ClusterMaster>();
  for (const range of parseClusterSlots(reply, HARNESS_HOST)) {
    const port = range.master.port;
    const master = byPort.get(port) ?? { port, slots: [], replicaPorts: [] };
    byPort.set(port, master);
    master.slots.push([range.start, range.end]);
    for (const { port: replicaPort } of range.replicas) {
      if (!master.replicaPorts.includes(replicaPort)) master.replicaPorts.push(replicaPort);
    }
  }
  const masters = [...byPort.values()];
  masters.forEach((m) => m.slots.sort((a, b) => a[0] - b[0]));
  return masters.sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
}

/** Canonical "first-last:port" list, so two nodes' views can be compared. */
function slotOwnership(masters: ClusterMaster[]): string {
  return masters.flatMap((m) => m.slots.map(([a, b]) => `${a}-${b}:${m.port}`)).sort().join(',');
}

function slotsCovered(masters: ClusterMaster[]): number {
  return masters.reduce((sum, m) => sum + m.slots.reduce((n, [a, b]) => n + b - a + 1, 0), 0);
}

/** Masters that own slots, as the first of `nodes` that answers CLUSTER SLOTS sees them. */
export async function mastersSeenBy(nodes: readonly ClusterNode[]): Promise<ClusterMaster[]> {
  let lastError: unknown = new Error('no live cluster node');
  for (const node of nodes) {
    try {
      return mastersIn(await node.command('CLUSTER', 'SLOTS'));
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Every one of the `live` nodes is ok, agrees on who owns which slot, and those owners are live. */
export async function isClusterHealthy(live: readonly ClusterNode[]): Promise<boolean> {
  const livePorts = new Set(live.map((node) => node.port));
  const views = await Promise.all(
    live.map(async (node) => {
      const info = parseInfo(await node.command('CLUSTER', 'INFO'));
      if (info.get('cluster_state') !== 'ok') return undefined;
      return mastersIn(await node.command('CLUSTER', 'SLOTS'));
    }),
  );
  const [first] = views;
  if (first === undefined || views.some((v) => v === undefined)) return false;
  const ownership = slotOwnership(first);
  return (
    slotsCovered(first) === CLUSTER_SLOT_COUNT &&
    first.every((m) => livePorts.has(m.port)) &&
    views.every((v) => v !== undefined && slotOwnership(v) === ownership)
  );
}

/** Each master has at least `replicasPerMaster` replicas, each among the `live` nodes and linked up to it. */
export async function replicasLinkedUp(
  masters: readonly ClusterMaster[],
  live: readonly ClusterNode[],
  replicasPerMaster: number,
): Promise<boolean> {
  const checks = masters.flatMap((master) => {
    if (master.replicaPorts.length < replicasPerMaster) return [Promise.resolve(false)];
    return master.replicaPorts.map(async (port) => {
      const replica = live.find((node) => node.port === port);
      if (replica === undefined) return false;
      const info = parseInfo(await replica.command('INFO', 'replication'));
      return info.get('master_port') === String(master.port) && info.get('master_link_status') === 'up';
    });
  });
  return (await Promise.all(checks)).every(Boolean);
}
