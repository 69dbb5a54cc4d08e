/**
 * Bearer-token auth. Tokens are compared in constant time, and every
 * configured token is checked on every request, so neither the length of a
 * match nor which token matched shows in the response time. Several tokens
 * may be active at once, which is how they are rotated.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { UnauthorizedError } from '../../src/core/errors';

/** Hashing first gives equal-length buffers, as timingSafeEqual requires. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** True if `presented` equals one of the configured token digests. */
export function tokenMatches(presented: string, digests: readonly Buffer[]): boolean {
  const candidate = digest(presented);
  let match = false;
  for (const known of digests) match = timingSafeEqual(candidate, known) || match;
  return match;
}

/** Rejects requests without a valid `Authorization: Bearer <token>`. */
export function requireBearer(tokens: readonly string[]): Middleware {
  const digests = tokens.map(digest);
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('missing bearer token: send Authorization: Bearer <token>');
    if (!tokenMatches(match[1], digests)) throw new UnauthorizedError('invalid bearer token');
    await next();
  };
}
