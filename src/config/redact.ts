/**
 * Redaction of secrets before anything is logged. Config objects are logged at
 * startup to make deployments debuggable, so their secrets must be masked
 * first; log lines themselves are covered by the logger's redact paths.
 */
import type { RedisConfig } from './redis-config';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Property names that hold secrets wherever they appear. */
const SECRET_KEYS = new Set(['password', 'token', 'apiTokens', 'authorization']);

/**
 * Returns a deep copy of `value` with every secret property masked. Used for
 * config objects, which are small, so a plain recursive copy is fine.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEYS.has(key) && value !== undefined) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

/** A one-line, secret-free description of where Redis is, for logs and banners. */
export function describeRedis(redis: RedisConfig): string {
  const auth = redis.password ? ' (with password)' : '';
  const tls = redis.tls ? ' over TLS' : '';
  if (redis.mode === 'cluster') {
    return `cluster via ${redis.seeds.map((s) => `${s.host}:${s.port}`).join(',')}${tls}${auth}`;
  }
  return `${redis.endpoint.host}:${redis.endpoint.port}/${redis.db}${tls}${auth}`;
}
