/**
 * The operator dashboard. `GET /dashboard` is a static page with no data in
 * it; everything it shows comes from `GET /v1/dashboard` (and the other /v1
 * routes), which need the same bearer token as the rest of the API. The page
 * asks for the token and keeps it in sessionStorage for the tab.
 */
import Router from '@koa/router';
import type { QueueDepths } from '../../src/metrics/queue-depth';
import { dashboardPage } from '../dashboard/page';

/** Builds the dashboard routes. */
export function dashboardRouter(depths: QueueDepths): Router {
  const router = new Router();
  const page = dashboardPage();
  router.get('/dashboard', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    // The page runs only its own script and talks only to this origin.
    ctx.set('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:");
    ctx.set('X-Frame-Options', 'DENY');
    ctx.body = page;
  });
  router.get('/v1/dashboard', async (ctx) => {
    const shards = await depths.read();
    ctx.body = { at: Date.now(), shards };
  });
  return router;
}
