/**
 * Configuration of operator tools (the dead-letter CLI): where Redis and the
 * queues are, and the retry policy a replayed push gets. No HTTP, no proxy.
 */
import { commonShape, type CommonConfig, type JobRetryConfig, jobRetryShape, parseRole } from './config';

/** The admin tools' configuration. */
export interface AdminConfig extends CommonConfig {
  jobRetry: JobRetryConfig;
}

const adminShape = { ...commonShape, ...jobRetryShape() };

/** Parses the admin configuration, or throws a ConfigError listing every problem. */
export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  return parseRole(adminShape, env, (v, problem) => {
    if (v.JOB_BACKOFF_MAX_MS < v.JOB_BACKOFF_MS) problem('JOB_BACKOFF_MAX_MS must be at least JOB_BACKOFF_MS');
    return { jobRetry: { retries: v.JOB_RETRIES, backoffBaseMs: v.JOB_BACKOFF_MS, backoffMaxMs: v.JOB_BACKOFF_MAX_MS } };
  });
}
