/**
 * What the all-in-one launcher (`npm start`) needs to decide before it starts
 * anything: which parts the environment already provides. Everything the
 * producer and consumer need is still parsed, strictly, by those processes.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors';
import { envBool, envInt, envList, envOptionalInt, envOptionalString } from './env-fields';

/** The launcher's view of the environment. */
export interface LauncherConfig {
  /** True if REDIS_URL or REDIS_CLUSTER_NODES is set: use that Redis, start none. */
  redisProvided: boolean;
  /** The proxy to deliver to; undefined means run the built-in stand-in. */
  pushProxyUrl: string | undefined;
  /** Tokens already configured; none means generate a dev token. */
  apiTokens: string[];
  port: number;
  /** The consumer's probe/metrics port, if set; otherwise the launcher picks a free one. */
  metricsPort: number | undefined;
  /** Pretty logs: on by default in a terminal. */
  logPretty: boolean;
}

/** The launcher's variables (exported for the configuration reference and its test). */
export const launcherShape = z.object({
  REDIS_URL: envOptionalString(),
  REDIS_CLUSTER_NODES: envOptionalString(),
  PUSH_PROXY_URL: envOptionalString(),
  API_TOKENS: envList(),
  PORT: envInt(3000, 0, 65535),
  METRICS_PORT: envOptionalInt(0, 65535),
  LOG_PRETTY: envOptionalString(),
});

/** Parses the launcher's view; `isTerminal` decides the default of LOG_PRETTY. */
export function parseLauncherConfig(env: Record<string, string | undefined>, isTerminal: boolean): LauncherConfig {
  const parsed = launcherShape.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const v = parsed.data;
  const pretty = envBool(isTerminal).safeParse(v.LOG_PRETTY);
  if (!pretty.success) throw new ConfigError(['LOG_PRETTY: must be true or false']);
  return {
    redisProvided: v.REDIS_URL !== undefined || v.REDIS_CLUSTER_NODES !== undefined,
    pushProxyUrl: v.PUSH_PROXY_URL,
    apiTokens: v.API_TOKENS,
    port: v.PORT,
    metricsPort: v.METRICS_PORT,
    logPretty: pretty.data,
  };
}
