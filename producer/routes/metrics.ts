/**
 * `GET /metrics`: Prometheus metrics. Open, like the probes: counters and
 * queue depths reveal no message content, token or address.
 */
import Router from '@koa/router';
import type { Registry } from 'prom-client';

/** Builds the metrics route. */
export function metricsRouter(registry: Registry): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
