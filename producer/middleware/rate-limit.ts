/**
 * The optional per-token request rate limit (API_RATE_LIMIT requests per
 * second, with one second of burst). Buckets live in Redis, so the limit
 * holds across every producer pod; each token's bucket sits in the slot of
 * the shard its id hashes to, which spreads tokens over the cluster. If Redis
 * cannot answer, the request goes on: intake itself will then answer 503.
 */
import type { Middleware } from 'koa';
import { RateLimitedError } from '../../src/core/errors';
import type { Logger } from '../../src/core/logger';
import { takeToken } from '../../src/rate/token-bucket';
import type { QueueKeys } from '../../src/queue/queue-keys';
import { onShard } from '../../src/routing/on-shard';
import type { ShardSet } from '../../src/routing/shard-set';
import type { AuthState } from './auth';

/** How long the limit check may take before the request goes on unlimited. */
const CHECK_TIMEOUT_MS = 500;

/** Limits each token to `perSecond` requests. Mount after auth. */
export function rateLimitPerToken(perSecond: number, shards: ShardSet, keys: QueueKeys, log: Logger): Middleware<AuthState> {
  return async (ctx, next) => {
    const tokenId = ctx.state.tokenId;
    if (tokenId !== undefined) {
      const router = shards.forKey(tokenId);
      const key = keys.apiRateKey(router.shard, tokenId);
      const waitMs = await onShard(router, Date.now() + CHECK_TIMEOUT_MS, (c) => takeToken(c, key, perSecond, perSecond)).catch(
        (err: unknown) => {
          log.warn({ err: (err as Error).message }, 'rate limit check failed; request allowed');
          return 0;
        },
      );
      if (waitMs > 0) throw new RateLimitedError(waitMs);
    }
    await next();
  };
}
