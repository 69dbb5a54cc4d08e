/**
 * Reads a JSON request body with a hard size limit. The limit is enforced
 * while streaming (and up front from Content-Length), so a huge body is cut
 * off, not buffered. Bytes that are not valid UTF-8 are rejected rather than
 * silently replaced, so what is validated is exactly what was sent.
 */
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../src/core/errors';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses the body of `ctx` as JSON, within `limitBytes`. */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new UnsupportedMediaTypeError('Content-Type must be application/json');
  }
  const raw = await readRaw(ctx, limitBytes);
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw new MalformedBodyError('the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // JSON.parse also throws RangeError on absurd nesting; both are the client's fault.
    const reason = err instanceof SyntaxError ? err.message : 'nesting too deep';
    throw new MalformedBodyError(`the request body is not valid JSON: ${reason}`);
  }
}

async function readRaw(ctx: Context, limitBytes: number): Promise<Buffer> {
  try {
    return await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('content-length') || undefined });
  } catch (err) {
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
    if (type === 'request.size.invalid') throw new MalformedBodyError('the body length does not match Content-Length');
    throw new MalformedBodyError('the request body could not be read');
  }
}
