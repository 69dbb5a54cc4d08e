/**
 * One log line per request, with its outcome and duration. Routes add what
 * they know (messageId, accepted) to `ctx.state.logFields`.
 */
import type { Middleware } from 'koa';
import type { Logger } from '../../src/core/logger';

/** Fields a route wants on its request's log line. */
export interface LogState {
  logFields?: Record<string, unknown>;
}

/** Logs each request on completion; probes are logged at debug to keep logs readable. */
export function requestLog(log: Logger): Middleware<LogState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms, ...ctx.state.logFields };
      const probe = ctx.path === '/healthz' || ctx.path === '/readyz' || ctx.path === '/metrics';
      if (probe) log.debug(line, 'request');
      else log.info(line, 'request');
    }
  };
}
