/**
 * `GET /v1/dead-letters` and `POST /v1/dead-letters/replay`: look at pushes
 * that failed for good, and send them again.
 */
import Router from '@koa/router';
import { type DeadLetterDeps, listDeadLetters, replayDeadLetters } from '../../src/deadletter/dead-letters';
import { listQuerySchema, replayBodySchema } from '../../src/deadletter/dead-letter-schema';
import { validate } from '../../src/message/validate';
import { readJsonBody } from '../middleware/json-body';
import type { LogState } from '../middleware/request-log';

/** Default page size of the list. */
const DEFAULT_LIMIT = 100;

/** Builds the dead-letter routes. */
export function deadLettersRouter(deps: DeadLetterDeps, bodyLimitBytes: number): Router<LogState> {
  const router = new Router<LogState>();
  router.get('/v1/dead-letters', async (ctx) => {
    const query = validate(listQuerySchema, ctx.query);
    const { limit, ...filter } = query;
    ctx.body = await listDeadLetters(deps, filter, limit ?? DEFAULT_LIMIT);
  });
  router.post('/v1/dead-letters/replay', async (ctx) => {
    const { all: _all, ...filter } = validate(replayBodySchema, await readJsonBody(ctx, bodyLimitBytes));
    const result = await replayDeadLetters(deps, filter);
    ctx.state.logFields = { replayed: result.replayed, skipped: result.skipped, ...filter };
    ctx.body = result;
  });
  return router;
}
