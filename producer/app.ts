/**
 * The producer's Koa application. `createApp` wires middleware and routes and
 * never listens, so tests drive it on an ephemeral port and `main.ts` owns
 * the server and its shutdown.
 */
import Koa from 'koa';
import type { Logger } from '../src/core/logger';
import type { DeadLetterDeps } from '../src/deadletter/dead-letters';
import type { IntakeDeps } from '../src/message/accept-message';
import type { StatusDeps } from '../src/message/message-status';
import type { ProducerMetrics } from '../src/metrics/producer-metrics';
import type { QueueDepths } from '../src/metrics/queue-depth';
import type { QueueKeys } from '../src/queue/queue-keys';
import { type AuthState, requireBearer } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { rateLimitPerToken } from './middleware/rate-limit';
import { type LogState, requestLog } from './middleware/request-log';
import { dashboardRouter } from './routes/dashboard';
import { deadLettersRouter } from './routes/dead-letters';
import { docsRouter } from './routes/docs';
import { healthRouter } from './routes/health';
import { messagesRouter } from './routes/messages';
import { metricsRouter } from './routes/metrics';

/** Request state shared by the middleware. */
export type AppState = LogState & AuthState;

/** Everything the API needs, built by `createProducer` (or a test). */
export interface AppDeps {
  log: Logger;
  apiTokens: readonly string[];
  /** Requests per second per token; 0 for no limit. */
  apiRateLimit: number;
  keys: QueueKeys;
  intake: IntakeDeps;
  status: StatusDeps;
  deadLetters: DeadLetterDeps;
  maxRecipients: number;
  bodyLimitBytes: number;
  isReady: () => Promise<boolean>;
  metrics: ProducerMetrics;
  depths: QueueDepths;
  /** The OpenAPI document served at /openapi.json. */
  openApi: Record<string, unknown>;
}

/** The prefix of every authenticated route; the probes stay outside it. */
const API_PREFIX = '/v1/';

/** Builds the API. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  // Errors are answered by errorHandler; Koa's default handler would log them twice.
  app.silent = true;
  app.use(requestLog(deps.log));
  app.use(errorHandler(deps.log));
  app.use(healthRouter({ isReady: deps.isReady }).routes());
  app.use(metricsRouter(deps.metrics.registry).routes());
  app.use(docsRouter(deps.openApi).routes());
  const dashboard = dashboardRouter(deps.depths);

  app.use(under(API_PREFIX, requireBearer(deps.apiTokens)));
  if (deps.apiRateLimit > 0) {
    app.use(under(API_PREFIX, rateLimitPerToken(deps.apiRateLimit, deps.intake.shards, deps.keys, deps.log)));
  }
  for (const api of [messagesRouter(deps), deadLettersRouter(deps.deadLetters, deps.bodyLimitBytes), dashboard]) {
    app.use(api.routes());
    app.use(api.allowedMethods({ throw: true }));
  }
  return app;
}

/** Runs `middleware` only for paths under `prefix`. */
function under(prefix: string, middleware: Koa.Middleware<AppState>): Koa.Middleware<AppState> {
  return (ctx, next) => (ctx.path.startsWith(prefix) ? middleware(ctx, next) : next());
}
