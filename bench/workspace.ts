/**
 * Where the benchmark's processes live: the compiled scripts, the log
 * directory every child writes into (and runs in, so no stray `.env` is
 * picked up), the API token, and the Redis a scenario runs against.
 */
import path from 'node:path';

/** Shared by every scenario of one benchmark invocation. */
export interface Workspace {
  /** The compiled project root (`dist/`). */
  dist: string;
  /** Child logs, and the children's working directory. */
  logDir: string;
  /** Accepted by every producer the bench starts. */
  token: string;
}

/** A Redis the service runs against: one server or a cluster. */
export interface RedisTarget {
  kind: 'standalone' | 'cluster';
  /** REDIS_URL or REDIS_CLUSTER_NODES, as the service reads it. */
  env: Record<string, string>;
  /** For the bench's own clients and helper consumers (standalone only). */
  host: string;
  port: number;
  /** Every redis-server process behind it, for CPU figures. */
  pids: () => number[];
}

/** The compiled path of a bench helper script, e.g. `proxy-process`. */
export function benchScript(ws: Workspace, name: string): string {
  return path.join(ws.dist, 'bench', `${name}.js`);
}

/** The compiled path of a service entry point, e.g. `producer/main`. */
export function serviceScript(ws: Workspace, name: string): string {
  return path.join(ws.dist, `${name}.js`);
}

/** The log file of a child named `name`. */
export function logFile(ws: Workspace, name: string): string {
  return path.join(ws.logDir, `${name}.log`);
}
