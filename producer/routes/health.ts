/**
 * Probes. `/healthz` says the process is alive (restart it if not);
 * `/readyz` says it can take traffic now, which needs every shard's Redis
 * node to take writes. Neither needs auth, and neither reveals anything but a
 * status word.
 */
import Router from '@koa/router';

/** Options for {@link healthRouter}. */
export interface HealthDeps {
  /** True when Redis takes writes for every shard. */
  isReady: () => Promise<boolean>;
}

/** Builds the probe routes. */
export function healthRouter(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await deps.isReady();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'redis_unavailable' };
  });
  return router;
}
