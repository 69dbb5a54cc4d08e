import { expect } from 'chai';
import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios';
import { PermanentPushError, TransientPushError } from '../../../src/core/errors';
import { classifyFailure, isTransientFailure } from '../../../src/retry/classify-failure';

function httpError(status: number, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() };
  const response = { status, headers, data: '', statusText: '', config } as unknown as AxiosResponse;
  return new AxiosError(`status ${status}`, 'ERR_BAD_RESPONSE', config, {}, response);
}

describe('classify-failure', () => {
  it('treats 429, 408 and 5xx as transient', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(isTransientFailure(httpError(status)), String(status)).to.equal(true);
      expect(classifyFailure(httpError(status))).to.be.instanceOf(TransientPushError);
    }
  });

  it('treats every other 4xx as permanent', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422]) {
      expect(isTransientFailure(httpError(status)), String(status)).to.equal(false);
      const err = classifyFailure(httpError(status));
      expect(err).to.be.instanceOf(PermanentPushError);
      expect((err as PermanentPushError).status).to.equal(status);
    }
  });

  it('treats network errors and timeouts as transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT']) {
      const err = new AxiosError('down', code);
      expect(isTransientFailure(err), code).to.equal(true);
      expect(classifyFailure(err)).to.be.instanceOf(TransientPushError);
    }
  });

  it('treats a request that could not be sent because it is invalid as permanent, without a status', () => {
    for (const code of ['ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION', 'ERR_INVALID_URL', 'ERR_NOT_SUPPORT']) {
      const err = new AxiosError('invalid Idempotency-Key header', code);
      expect(isTransientFailure(err), code).to.equal(false);
      const classified = classifyFailure(err);
      expect(classified, code).to.be.instanceOf(PermanentPushError);
      expect((classified as PermanentPushError).status).to.equal(undefined);
      expect(classified.cause).to.equal(err);
    }
  });

  it('does not retry a cancelled request', () => {
    expect(isTransientFailure(new AxiosError('cancelled', 'ERR_CANCELED'))).to.equal(false);
  });

  it('carries Retry-After', () => {
    const err = classifyFailure(httpError(429, { 'retry-after': '7' })) as TransientPushError;
    expect(err.retryAfterMs).to.equal(7000);
  });
});
