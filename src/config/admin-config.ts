/**
 * Configuration of operator tools (the dead-letter CLI): where Redis and the
 * queues are, and the retry policy a replayed push gets. No HTTP, no proxy.
 */
import { commonShape, type CommonConfig, type JobRetryConfig, jobRetryFrom, jobRetryShape, parseRole } from './config';

/** The admin tools' configuration. */
export interface AdminConfig extends CommonConfig {
  jobRetry: JobRetryConfig;
}

/** The admin tools' variables (exported for the configuration reference and its test). */
export const adminShape = { ...commonShape, ...jobRetryShape() };

/** Parses the admin configuration, or throws a ConfigError listing every problem. */
export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  return parseRole(adminShape, env, (v, problem) => {
    return { jobRetry: jobRetryFrom(v, problem) };
  });
}
