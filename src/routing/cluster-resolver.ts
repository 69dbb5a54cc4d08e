/**
 * Finds slot owners in a Redis Cluster. It asks several known nodes for
 * CLUSTER SLOTS at once and trusts the majority (see cluster-slots). The
 * answer is cached until a shard reports a routing error, which invalidates
 * it. Nodes learned from replies are remembered, so routing keeps working
 * when the configured seeds themselves fail.
 */
import type { RedisConfig, RedisEndpoint } from '../config/redis-config';
import { QueueUnavailableError } from '../core/errors';
import { endpointKey, majorityOwner, nodesIn, parseClusterSlots, type SlotRange } from '../redis/cluster-slots';
import type { EndpointResolver } from './endpoint-resolver';
import { commandOnce } from '../redis/redis-once';

/** How long one node may take to answer CLUSTER SLOTS. */
const LOOKUP_TIMEOUT_MS = 1000;
/** How many nodes to ask per lookup: enough for a majority, few enough to stay cheap. */
const NODES_PER_LOOKUP = 5;

/** Resolves slots to masters of a Redis Cluster. */
export class ClusterResolver implements EndpointResolver {
  private readonly known = new Map<string, RedisEndpoint>();
  /** Nodes that answered the last lookup; asked first next time. */
  private answered = new Set<string>();
  private views: SlotRange[][] | undefined;
  private lookup: Promise<SlotRange[][]> | undefined;

  constructor(
    private readonly redis: RedisConfig,
    seeds: readonly RedisEndpoint[],
  ) {
    for (const seed of seeds) this.known.set(endpointKey(seed), seed);
  }

  /** The master that a majority of the asked nodes say owns `slot`. */
  async ownerOf(slot: number): Promise<RedisEndpoint> {
    const views = this.views ?? (await this.refresh());
    const owner = majorityOwner(views, slot);
    if (!owner) throw new QueueUnavailableError(`no cluster node owns slot ${slot}`);
    return owner;
  }

  /** Forgets the cached topology. */
  invalidate(): void {
    this.views = undefined;
  }

  /** One lookup at a time: concurrent callers (16 shards re-routing) share it. */
  private refresh(): Promise<SlotRange[][]> {
    this.lookup ??= this.ask().finally(() => {
      this.lookup = undefined;
    });
    return this.lookup;
  }

  private async ask(): Promise<SlotRange[][]> {
    const targets = [...this.known.values()]
      .sort((a, b) => Number(this.answered.has(endpointKey(b))) - Number(this.answered.has(endpointKey(a))))
      .slice(0, NODES_PER_LOOKUP);
    const replies = await Promise.allSettled(
      targets.map(async (node) =>
        parseClusterSlots(await commandOnce(this.redis, node, 'CLUSTER', ['SLOTS'], LOOKUP_TIMEOUT_MS), node.host),
      ),
    );
    const views = replies.flatMap((r) => (r.status === 'fulfilled' && r.value.length > 0 ? [r.value] : []));
    this.answered = new Set(targets.filter((_, i) => replies[i]?.status === 'fulfilled').map(endpointKey));
    if (views.length === 0) throw new QueueUnavailableError('no cluster node answered CLUSTER SLOTS');
    this.learn(views);
    this.views = views;
    return views;
  }

  /** Remembers every node the views mention. */
  private learn(views: SlotRange[][]): void {
    for (const node of nodesIn(views)) this.known.set(endpointKey(node), node);
  }
}
