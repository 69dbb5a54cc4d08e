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

/**
 * The index of the configured token digest equal to `presented`'s, or -1.
 * Every digest is compared, whatever matched, so timing reveals nothing.
 */
export function matchingToken(presented: string, digests: readonly Buffer[]): number {
  const candidate = digest(presented);
  let found = -1;
  digests.forEach((known, i) => {
    if (timingSafeEqual(candidate, known)) found = i;
  });
  return found;
}

/** What auth leaves for later middleware. */
export interface AuthState {
  /** A short, non-reversible name of the token used: for rate limits and logs, never the token. */
  tokenId?: string;
}

/** Rejects requests without a valid `Authorization: Bearer <token>`. */
export function requireBearer(tokens: readonly string[]): Middleware<AuthState> {
  const digests = tokens.map(digest);
  const ids = digests.map((d) => d.toString('hex').slice(0, 16));
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('missing bearer token: send Authorization: Bearer <token>');
    const index = matchingToken(match[1], digests);
    if (index < 0) throw new UnauthorizedError('invalid bearer token');
    ctx.state.tokenId = ids[index];
    await next();
  };
}
