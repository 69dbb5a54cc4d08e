/**
 * The producer's Koa application. `createApp` wires middleware and routes and
 * never listens, so tests drive it on an ephemeral port and `main.ts` owns
 * the server and its shutdown.
 */
import Koa from 'koa';
import type { DeadLetterDeps } from '../src/deadletter/dead-letters';
import type { IntakeDeps } from '../src/message/accept-message';
import type { StatusDeps } from '../src/message/message-status';
import type { Logger } from '../src/core/logger';
import { requireBearer } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { type LogState, requestLog } from './middleware/request-log';
import { healthRouter } from './routes/health';
import { deadLettersRouter } from './routes/dead-letters';
import { messagesRouter } from './routes/messages';

/** Everything the API needs, built by `createProducer` (or a test). */
export interface AppDeps {
  log: Logger;
  apiTokens: readonly string[];
  intake: IntakeDeps;
  status: StatusDeps;
  deadLetters: DeadLetterDeps;
  maxRecipients: number;
  bodyLimitBytes: number;
  isReady: () => Promise<boolean>;
}

/** Builds the API. */
export function createApp(deps: AppDeps): Koa<LogState> {
  const app = new Koa<LogState>();
  // Errors are answered by errorHandler; Koa's default handler would log them twice.
  app.silent = true;
  app.use(requestLog(deps.log));
  app.use(errorHandler(deps.log));

  const health = healthRouter({ isReady: deps.isReady });
  app.use(health.routes());

  app.use(requireBearerUnder('/v1/', deps.apiTokens));
  for (const api of [messagesRouter(deps), deadLettersRouter(deps.deadLetters, deps.bodyLimitBytes)]) {
    app.use(api.routes());
    app.use(api.allowedMethods({ throw: true }));
  }
  return app;
}

/** Auth for everything under `prefix`; the probes stay open. */
function requireBearerUnder(prefix: string, tokens: readonly string[]): Koa.Middleware<LogState> {
  const auth = requireBearer(tokens);
  return (ctx, next) => (ctx.path.startsWith(prefix) ? auth(ctx, next) : next());
}
