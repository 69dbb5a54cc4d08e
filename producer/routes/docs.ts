/**
 * `GET /openapi.json`: the API description, built once from the request
 * schemas. Open: it describes the API, it holds no data.
 */
import Router from '@koa/router';

/** Builds the docs route for a prebuilt document. */
export function docsRouter(document: Record<string, unknown>): Router {
  const router = new Router();
  const body = JSON.stringify(document);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
