/**
 * The operator dashboard. `GET /dashboard` is a static page with no data in
 * it, and `GET /dashboard/static/<file>` its stylesheet, scripts and icon
 * (producer/dashboard/static). Everything the page shows comes from
 * `GET /v1/dashboard` (and the other /v1 routes), which need the same bearer
 * token as the rest of the API; the page asks for the token and keeps it in
 * sessionStorage for the tab.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { QueueDepths } from '../../src/metrics/queue-depth';
import { loadStaticFiles, type StaticFile } from '../dashboard/static-files';

/** The page's file; the others are served under {@link ASSET_PATH}. */
const PAGE_FILE = 'dashboard.html';

/** Where the page asks for its assets (the paths in dashboard.html). */
export const ASSET_PATH = '/dashboard/static/';

/**
 * Nothing inline and nothing from elsewhere: every script and style is a file
 * of this origin, the page talks only to this origin, and it may not be framed,
 * submit a form anywhere or change its base URL.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Every file, the page included, may be stored but must be revalidated before
 * each use (`no-cache` with a content-hash ETag): an unchanged file costs a
 * 304 with no body, and the first load after a deploy gets the new page and
 * the new scripts together, never a cached page from the old release or a new
 * page with old modules. Long-lived caching would need versioned asset URLs,
 * which for an operator page loaded a few times a day saves only a few 304s.
 */
const CACHE_CONTROL = 'no-cache';

/** Builds the dashboard routes; reads the page's files now, so missing files fail at start. */
export function dashboardRouter(depths: QueueDepths): Router {
  const files = loadStaticFiles();
  const page = files.get(PAGE_FILE);
  if (page === undefined) throw new Error(`the dashboard files are missing: no ${PAGE_FILE}`);
  const router = new Router();
  router.get('/dashboard', (ctx) => {
    ctx.set('Content-Security-Policy', DASHBOARD_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    serve(ctx, page);
  });
  router.get(`${ASSET_PATH}:name`, (ctx) => {
    const name = ctx.params['name'] ?? '';
    const file = name === PAGE_FILE ? undefined : files.get(name);
    // No match leaves the 404 to the error handler; names are looked up, never joined to a path.
    if (file !== undefined) serve(ctx, file);
  });
  router.get('/v1/dashboard', async (ctx) => {
    const shards = await depths.read();
    ctx.body = { at: Date.now(), shards };
  });
  return router;
}

/** Answers with `file`, or 304 when the client's copy has the same ETag. */
function serve(ctx: Context, file: StaticFile): void {
  ctx.set('Cache-Control', CACHE_CONTROL);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.etag = file.etag;
  ctx.type = file.type;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = file.body;
}
