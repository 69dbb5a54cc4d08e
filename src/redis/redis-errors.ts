/**
 * Which Redis errors mean "this connection is no longer the right way to
 * reach this shard". Such an error is not a bug in the command: the shard must
 * be re-routed (a new queue on the slot's current master), and the command
 * retried there.
 */

/** Replies that say the node no longer serves the slot, or cannot yet. */
const ROUTING_REPLIES = [
  'MOVED',
  'ASK',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'READONLY',
  'UNBLOCKED',
  'MASTERDOWN',
  'LOADING',
  // A promoted replica has no copy of the Lua scripts; a new queue loads them.
  'NOSCRIPT',
];

/** node-redis and socket error codes of a lost or unusable connection. */
const CONNECTION_CODES = new Set([
  'NR_CLOSED',
  'CONNECTION_BROKEN',
  'UNCERTAIN_STATE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * A short, fixed label for why a routing error happened (`moved`, `readonly`,
 * ..., or `connection`), for metrics. Looks inside EXECABORT like
 * {@link isRoutingError} does.
 */
export function routingCause(err: unknown): string {
  if (!(err instanceof Error)) return 'connection';
  const inner = (err as { errors?: unknown }).errors;
  const cause = Array.isArray(inner) ? inner.find(isRoutingError) : undefined;
  if (cause) return routingCause(cause);
  const code = (err as { code?: unknown }).code;
  const word = typeof code === 'string' && ROUTING_REPLIES.includes(code) ? code : (err.message.split(' ', 1)[0] ?? '');
  return ROUTING_REPLIES.includes(word) ? word.toLowerCase() : 'connection';
}

/** True when `err` means the shard must be re-routed and the command retried. */
export function isRoutingError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // A MULTI refused by a node that lost the slot fails with EXECABORT; node-redis keeps the causes in `errors`.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.some(isRoutingError)) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || ROUTING_REPLIES.includes(code))) return true;
  if (err.name === 'AbortError') return true;
  const firstWord = err.message.split(' ', 1)[0] ?? '';
  if (ROUTING_REPLIES.includes(firstWord)) return true;
  return /connection (?:lost|is closed|in broken state)|Stream not writeable|offline queue is deactivated/i.test(
    err.message,
  );
}

/** Why Redis refused a write while the connection itself is fine (see {@link writeRefusalCause}). */
export type WriteRefusal = 'oom' | 'misconf' | 'noreplicas' | 'readonly';

const REFUSAL_REPLIES: ReadonlyMap<string, WriteRefusal> = new Map([
  ['OOM', 'oom'],
  ['MISCONF', 'misconf'],
  ['NOREPLICAS', 'noreplicas'],
  ['READONLY', 'readonly'],
]);

/**
 * The cause when `err` is Redis refusing a write: full (`maxmemory` with
 * `noeviction`), failing snapshots (`stop-writes-on-bgsave-error`), too few
 * replicas (`min-replicas-to-write`), or a replica. Looks inside EXECABORT and
 * script errors, whose message carries the refusal after a prefix, and at the
 * `cause` of a typed error. Undefined for anything else.
 */
export function writeRefusalCause(err: unknown): WriteRefusal | undefined {
  if (!(err instanceof Error)) return undefined;
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const e of inner) {
      const cause = writeRefusalCause(e);
      if (cause) return cause;
    }
  }
  // A typed error (QueueUnavailableError) made from a refusal keeps it as its cause.
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== err) {
    const refusal = writeRefusalCause(cause);
    if (refusal) return refusal;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && REFUSAL_REPLIES.has(code)) return REFUSAL_REPLIES.get(code);
  // EXECABORT and script errors quote the refused reply: "... -OOM command not allowed ...". Only a
  // reply from Redis is searched: other messages (validation, not found) may quote what a client sent.
  if (!isRedisReply(err)) return undefined;
  const match = /(?:^|[\s-])(OOM|MISCONF|NOREPLICAS|READONLY)\b/.exec(err.message);
  return match?.[1] ? REFUSAL_REPLIES.get(match[1]) : undefined;
}

/** True for an error reply from Redis as node-redis v3 reports it (a ReplyError, with the command it answered). */
function isRedisReply(err: Error): boolean {
  return err.name === 'ReplyError' || (err as { command?: unknown }).command !== undefined;
}
