/**
 * Parsing of CLUSTER SLOTS replies, and agreement between several of them.
 * Pure, so the rules are unit-tested without a cluster.
 */
import type { RedisEndpoint } from '../config/redis-config';

/** A contiguous slot range and the master serving it. */
export interface SlotRange {
  start: number;
  end: number;
  master: RedisEndpoint;
  replicas: RedisEndpoint[];
}

/**
 * Parses one CLUSTER SLOTS reply. A node that does not know its own address
 * reports an empty host; the address we asked it at is the right one then.
 */
export function parseClusterSlots(reply: unknown, askedHost: string): SlotRange[] {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SLOTS: unexpected reply');
  return reply.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length < 3) throw new Error('CLUSTER SLOTS: malformed range');
    const [start, end, master, ...replicas] = entry as [unknown, unknown, unknown, ...unknown[]];
    return {
      start: Number(start),
      end: Number(end),
      master: parseNode(master, askedHost),
      replicas: replicas.map((r) => parseNode(r, askedHost)),
    };
  });
}

function parseNode(node: unknown, askedHost: string): RedisEndpoint {
  if (!Array.isArray(node) || node.length < 2) throw new Error('CLUSTER SLOTS: malformed node');
  const host = String(node[0]);
  return { host: host === '' || host === '?' ? askedHost : host, port: Number(node[1]) };
}

/** `host:port`, for comparing endpoints. */
export function endpointKey(endpoint: RedisEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/**
 * The master of `slot` that most views agree on. A node that restarts after
 * being failed over still believes its old config for a moment; asking
 * several nodes and taking the majority keeps one stale node from pointing a
 * shard at a demoted master.
 */
export function majorityOwner(views: readonly SlotRange[][], slot: number): RedisEndpoint | undefined {
  const votes = new Map<string, { endpoint: RedisEndpoint; count: number }>();
  for (const view of views) {
    const range = view.find((r) => r.start <= slot && slot <= r.end);
    if (!range) continue;
    const key = endpointKey(range.master);
    const entry = votes.get(key) ?? { endpoint: range.master, count: 0 };
    entry.count += 1;
    votes.set(key, entry);
  }
  let best: { endpoint: RedisEndpoint; count: number } | undefined;
  for (const entry of votes.values()) if (!best || entry.count > best.count) best = entry;
  return best?.endpoint;
}

/** Every node a set of views mentions, masters and replicas. */
export function nodesIn(views: readonly SlotRange[][]): RedisEndpoint[] {
  const all = new Map<string, RedisEndpoint>();
  for (const range of views.flat()) {
    for (const node of [range.master, ...range.replicas]) all.set(endpointKey(node), node);
  }
  return [...all.values()];
}
