/**
 * `POST /v1/messages`: validate, expand, enqueue, answer 202 once every push
 * is in Redis (200 for a repeat). `GET /v1/messages/:messageId`: its status.
 */
import Router from '@koa/router';
import { acceptMessage, type IntakeDeps } from '../../src/message/accept-message';
import { NotFoundError } from '../../src/core/errors';
import { messageIdSchema, messageSchema } from '../../src/message/message-schema';
import { messageStatus, type StatusDeps } from '../../src/message/message-status';
import type { ProducerMetrics } from '../../src/metrics/producer-metrics';
import { validate } from '../../src/message/validate';
import { readJsonBody } from '../middleware/json-body';
import type { LogState } from '../middleware/request-log';

/** What the messages routes need. */
export interface MessagesDeps {
  intake: IntakeDeps;
  status: StatusDeps;
  metrics: ProducerMetrics;
  maxRecipients: number;
  bodyLimitBytes: number;
}

/** Builds the router for `/v1/messages`. */
export function messagesRouter(deps: MessagesDeps): Router<LogState> {
  const schema = messageSchema(deps.maxRecipients);
  const router = new Router<LogState>();
  router.post('/v1/messages', async (ctx) => {
    const message = validate(schema, await readJsonBody(ctx, deps.bodyLimitBytes));
    ctx.state.logFields = { messageId: message.messageId, roomId: message.roomId };
    const result = await acceptMessage(deps.intake, message);
    ctx.state.logFields.accepted = result.accepted;
    ctx.state.logFields.duplicate = result.duplicate ?? false;
    // A repeat is answered from the first intake's record: nothing new was queued.
    ctx.status = result.duplicate ? 200 : 202;
    if (result.duplicate) deps.metrics.duplicates.inc();
    else {
      deps.metrics.accepted.inc();
      deps.metrics.enqueued.inc(result.accepted);
    }
    ctx.body = result;
  });
  router.get('/v1/messages/:messageId', async (ctx) => {
    const messageId = validate(messageIdSchema, ctx.params['messageId']);
    const status = await messageStatus(deps.status, messageId);
    if (!status) throw new NotFoundError(`no accepted message ${messageId}`);
    ctx.body = status;
  });
  return router;
}
