/**
 * Finds the Redis node that owns a hash slot. Standalone Redis has one answer;
 * a cluster asks its nodes (see cluster-resolver). This interface is the only
 * thing the shard router knows about the deployment.
 */
import type { RedisEndpoint } from '../config/redis-config';

/** Answers "which node should a shard on `slot` talk to?". */
export interface EndpointResolver {
  /** The node that owns `slot` now. May ask Redis, so it can fail or be slow. */
  ownerOf(slot: number): Promise<RedisEndpoint>;
  /** Forgets any cached topology, so the next lookup asks again. */
  invalidate(): void;
}

/** Standalone Redis: every slot lives on the one configured server. */
export class StandaloneResolver implements EndpointResolver {
  constructor(private readonly endpoint: RedisEndpoint) {}

  /** Always the configured server. */
  ownerOf(): Promise<RedisEndpoint> {
    return Promise.resolve(this.endpoint);
  }

  /** Nothing is cached. */
  invalidate(): void {}
}

