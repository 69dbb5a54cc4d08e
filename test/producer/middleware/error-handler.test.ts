import { expect } from 'chai';
import {
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  QueueUnavailableError,
  RecipientsChangedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../src/core/errors';
import { toResponse } from '../../../producer/middleware/error-handler';

describe('error-handler', () => {
  it('maps each typed error to its status and stable code', () => {
    const cases: Array<[Error, number, string]> = [
      [new ValidationError([{ path: 'a', message: 'bad' }]), 400, 'invalid_request'],
      [new MalformedBodyError('x'), 400, 'invalid_json'],
      [new UnauthorizedError('x'), 401, 'unauthorized'],
      [new NotFoundError('x'), 404, 'not_found'],
      [new PayloadTooLargeError(10), 413, 'payload_too_large'],
      [new UnsupportedMediaTypeError('x'), 415, 'unsupported_media_type'],
      [new QueueUnavailableError('x'), 503, 'queue_unavailable'],
      [new RecipientsChangedError('m1'), 409, 'recipients_changed'],
    ];
    for (const [err, status, code] of cases) {
      const response = toResponse(err);
      expect(response.status, code).to.equal(status);
      expect(response.body.error).to.equal(code);
    }
  });

  it('names recipientIds in a 409 for a retry with other recipients', () => {
    const response = toResponse(new RecipientsChangedError('m1'));
    expect(response.body.message).to.equal('a retry of messageId m1 must carry the same recipients');
    expect(response.body.details).to.deep.equal([{ path: 'recipientIds', message: 'must be the same recipients as the first attempt of this messageId' }]);
  });

  it('answers 503 for a write Redis refused, whatever path it took (OOM, MISCONF, NOREPLICAS, READONLY)', () => {
    for (const code of ['OOM', 'MISCONF', 'NOREPLICAS', 'READONLY']) {
      // node-redis replies carry the first word as `code`.
      const refused = Object.assign(new Error(`${code} command not allowed (node 10.0.0.5:6379)`), { code });
      const response = toResponse(refused);
      expect(response.status, code).to.equal(503);
      expect(response.body.error).to.equal('queue_unavailable');
      expect(response.body.message).not.to.contain('10.0.0.5');
    }
  });

  it("keeps a typed error's status when its message quotes a refusal word the client sent", () => {
    // An unknown field named "OOM", or an id "READONLY", must not turn a 400 or 404 into a retryable 503.
    expect(toResponse(new ValidationError([{ path: '(body)', message: 'unrecognized key: "OOM"' }])).status).to.equal(400);
    expect(toResponse(new NotFoundError('no accepted message READONLY')).status).to.equal(404);
    // Nor does a plain error that merely mentions the word: only Redis replies are searched.
    expect(toResponse(new Error('cannot parse OOM from input')).status).to.equal(500);
    const scriptError = Object.assign(new Error('ERR Error running script: -OOM command not allowed'), { name: 'ReplyError', code: 'ERR' });
    expect(toResponse(scriptError).status).to.equal(503);
  });

  it('includes field details for validation errors', () => {
    const { body } = toResponse(new ValidationError([{ path: 'roomId', message: 'is required' }]));
    expect(body.details).to.deep.equal([{ path: 'roomId', message: 'is required' }]);
  });

  it('hides the internals of unexpected errors and of 503s', () => {
    const secret = new Error('ECONNREFUSED 10.0.0.5:6379 password=hunter2');
    expect(toResponse(secret)).to.deep.equal({ status: 500, body: { error: 'internal_error', message: 'internal error' } });
    const unavailable = toResponse(new QueueUnavailableError('shard 3 on 10.0.0.5:6379 timed out'));
    expect(unavailable.body.message).not.to.contain('10.0.0.5');
  });

  it('passes through exposed 4xx errors from Koa', () => {
    const err = Object.assign(new Error('Method Not Allowed'), { status: 405, expose: true });
    expect(toResponse(err).status).to.equal(405);
    const hidden = Object.assign(new Error('boom'), { status: 502, expose: false });
    expect(toResponse(hidden).status).to.equal(500);
  });
});
