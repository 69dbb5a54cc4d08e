/**
 * Where Redis is: one server (`REDIS_URL`) or a cluster (`REDIS_CLUSTER_NODES`).
 * This shape is all the rest of the service knows about the deployment;
 * only the routing code looks at `mode`.
 */
import { z } from 'zod';
import { envBool, envOptionalString } from './env-fields';

/** A host and port of a Redis node. */
export interface RedisEndpoint {
  host: string;
  port: number;
}

/** How to reach Redis, parsed from the environment. */
export type RedisConfig = {
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
} & (
  | { mode: 'standalone'; endpoint: RedisEndpoint; db: number }
  | { mode: 'cluster'; seeds: RedisEndpoint[] }
);

/** Parses `host:port`; IPv6 hosts go in brackets (`[::1]:6379`). */
export function parseEndpoint(text: string): RedisEndpoint | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** The raw Redis variables; combined into a {@link RedisConfig} by {@link toRedisConfig}. */
export const redisEnvShape = {
  REDIS_URL: envOptionalString(),
  REDIS_CLUSTER_NODES: envOptionalString(),
  REDIS_USERNAME: envOptionalString(),
  REDIS_PASSWORD: envOptionalString(),
  REDIS_TLS: envBool(false),
};

type RedisEnv = z.output<z.ZodObject<typeof redisEnvShape>>;

/** Combines the Redis variables, reporting each problem through `problem`. */
export function toRedisConfig(env: RedisEnv, problem: (message: string) => void): RedisConfig | undefined {
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) {
    problem('REDIS_URL and REDIS_CLUSTER_NODES are both set: choose one');
    return undefined;
  }
  if (env.REDIS_CLUSTER_NODES) return clusterConfig(env, env.REDIS_CLUSTER_NODES, problem);
  if (env.REDIS_URL) return standaloneConfig(env, env.REDIS_URL, problem);
  problem('REDIS_URL or REDIS_CLUSTER_NODES is required');
  return undefined;
}

function clusterConfig(env: RedisEnv, list: string, problem: (m: string) => void): RedisConfig | undefined {
  const parts = list.split(',').map((s) => s.trim()).filter(Boolean);
  const seeds = parts.map(parseEndpoint);
  const bad = parts.filter((_, i) => seeds[i] === undefined);
  if (bad.length > 0 || seeds.length === 0) {
    problem(`REDIS_CLUSTER_NODES: expected host:port,host:port,... (bad: ${bad.join(', ') || 'empty'})`);
    return undefined;
  }
  return {
    mode: 'cluster',
    seeds: seeds as RedisEndpoint[],
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    tls: env.REDIS_TLS,
  };
}

function standaloneConfig(env: RedisEnv, text: string, problem: (m: string) => void): RedisConfig | undefined {
  // The URL may carry credentials, so the message must not echo it.
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    problem('REDIS_URL: expected redis://[user:password@]host:port[/db] or rediss://...');
    return undefined;
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) {
    problem('REDIS_URL: the database number must be a non-negative integer');
    return undefined;
  }
  return {
    mode: 'standalone',
    endpoint: { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 6379 },
    db,
    username: env.REDIS_USERNAME ?? (url.username ? decodeURIComponent(url.username) : undefined),
    password: env.REDIS_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined),
    tls: env.REDIS_TLS || url.protocol === 'rediss:',
  };
}
