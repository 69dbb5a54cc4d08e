/**
 * `POST /v1/messages`: validate, expand, enqueue, answer 202 once every push
 * is in Redis.
 */
import Router from '@koa/router';
import { acceptMessage, type IntakeDeps } from '../../src/message/accept-message';
import { messageSchema } from '../../src/message/message-schema';
import { validate } from '../../src/message/validate';
import { readJsonBody } from '../middleware/json-body';
import type { LogState } from '../middleware/request-log';

/** What the messages routes need. */
export interface MessagesDeps {
  intake: IntakeDeps;
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
    ctx.status = 202;
    ctx.body = result;
  });
  return router;
}
