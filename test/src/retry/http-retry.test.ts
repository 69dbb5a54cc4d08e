/**
 * In-attempt retries through axios-retry, installed as the push client does:
 * its request interceptor runs synchronously (the dispatch starts inside the
 * call, not after promise hops), and retries still count and come back through it.
 */
import axios, { AxiosError, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { expect } from 'chai';
import { installHttpRetry } from '../../../src/retry/http-retry';

describe('retry/http-retry', () => {
  /** An adapter answering `statuses` in turn (an AxiosError for >= 300), recording each attempt's retry count. */
  function scripted(statuses: number[], attempts: number[]): AxiosAdapter {
    return async (config: InternalAxiosRequestConfig) => {
      attempts.push((config as unknown as { 'axios-retry'?: { retryCount?: number } })['axios-retry']?.retryCount ?? -1);
      const status = statuses.shift() ?? 200;
      const response = { data: '', status, statusText: '', headers: {}, config, request: {} };
      if (status >= 300) throw new AxiosError(`status ${status}`, AxiosError.ERR_BAD_RESPONSE, config, {}, response);
      return response;
    };
  }

  it("starts the dispatch inside the request call: axios-retry's interceptor is synchronous", async () => {
    const attempts: number[] = [];
    const instance = axios.create({ adapter: scripted([200], attempts) });
    installHttpRetry(instance, { retries: 2, retryBaseMs: 1, retryMaxDelayMs: 5 });
    const pending = instance.request({ url: 'http://proxy.invalid/push', method: 'post', data: '{}' });
    expect(attempts, 'adapter called before the first await').to.deep.equal([0]);
    expect((await pending).status).to.equal(200);
  });

  it('still retries a transient failure through the interceptor, counting each retry, and gives up after `retries`', async () => {
    const attempts: number[] = [];
    const instance = axios.create({ adapter: scripted([503, 503], attempts) });
    let retried = 0;
    installHttpRetry(instance, { retries: 2, retryBaseMs: 1, retryMaxDelayMs: 5, onRetry: () => void retried++ });
    expect((await instance.request({ url: 'http://proxy.invalid/push', method: 'post', data: '{}' })).status).to.equal(200);
    expect({ attempts, retried }).to.deep.equal({ attempts: [0, 1, 2], retried: 2 });

    const exhausted: number[] = [];
    const failing = axios.create({ adapter: scripted([503, 503, 503, 503], exhausted) });
    installHttpRetry(failing, { retries: 2, retryBaseMs: 1, retryMaxDelayMs: 5 });
    const err = await failing.request({ url: 'http://proxy.invalid/push', method: 'post', data: '{}' }).then(() => undefined, (e: unknown) => e);
    expect((err as AxiosError).response?.status).to.equal(503);
    expect(exhausted).to.have.length(3);
  });
});
