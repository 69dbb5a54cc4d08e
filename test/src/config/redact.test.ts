import { expect } from 'chai';
import { parseProducerConfig } from '../../../src/config/config';
import { describeRedis, REDACTED, redactSecrets } from '../../../src/config/redact';

describe('redact', () => {
  const config = parseProducerConfig({
    REDIS_URL: 'redis://:hunter2-password@cache:6379',
    API_TOKENS: 'token-one-0123456789,token-two-0123456789',
  });

  it('masks tokens and passwords anywhere in a config', () => {
    const text = JSON.stringify(redactSecrets(config));
    expect(text).not.to.contain('hunter2');
    expect(text).not.to.contain('token-one');
    expect(text).to.contain(REDACTED);
  });

  it('leaves the original untouched', () => {
    redactSecrets(config);
    expect(config.redis.password).to.equal('hunter2-password');
  });

  it('describes Redis without secrets', () => {
    expect(describeRedis(config.redis)).to.equal('cache:6379/0 (with password)');
  });
});
