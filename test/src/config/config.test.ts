import { expect } from 'chai';
import { parseProducerConfig } from '../../../src/config/config';
import { parseConsumerConfig } from '../../../src/config/consumer-config';
import { ConfigError } from '../../../src/core/errors';

const TOKEN = 'a-token-of-sixteen-chars';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('applies the documented defaults', () => {
    const config = parseProducerConfig({ REDIS_URL: 'redis://localhost:6379', API_TOKENS: TOKEN });
    expect(config.queue).to.deep.equal({ prefix: 'pf', shards: 16, stallIntervalMs: 5000 });
    expect(config.http).to.deep.equal({
      host: '0.0.0.0',
      port: 3000,
      bodyLimitBytes: 1024 * 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
    expect(config.apiRateLimit).to.equal(0);
    expect(config.intake.waitReplicas).to.equal(0);
    expect(config.retention).to.deep.equal({ idempotencyTtlSeconds: 86_400, deadLetterTtlSeconds: 604_800, deadLetterMaxPerShard: 10_000 });
    expect(config.intake.maxRecipients).to.equal(100_000);
    expect(config.jobRetry.retries).to.equal(5);
    expect(config.redis).to.include({ mode: 'standalone', db: 0, tls: false });
  });

  it('treats an empty variable as unset', () => {
    const config = parseProducerConfig({ REDIS_URL: 'redis://localhost', API_TOKENS: TOKEN, PORT: '' });
    expect(config.http.port).to.equal(3000);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      parseProducerConfig({ PORT: 'eighty', QUEUE_SHARDS: '0', LOG_LEVEL: 'loud', REDIS_TLS: 'yes' }),
    );
    const text = problems.join('\n');
    for (const name of ['PORT', 'QUEUE_SHARDS', 'LOG_LEVEL', 'REDIS_TLS', 'REDIS_URL or REDIS_CLUSTER_NODES']) {
      expect(text).to.contain(name);
    }
  });

  it('requires API tokens for the producer, and long ones', () => {
    expect(problemsOf(() => parseProducerConfig({ REDIS_URL: 'redis://h' })).join()).to.contain('API_TOKENS is required');
    expect(problemsOf(() => parseProducerConfig({ REDIS_URL: 'redis://h', API_TOKENS: 'short' })).join()).to.contain(
      'at least 16',
    );
  });

  it('accepts several tokens for rotation', () => {
    const config = parseProducerConfig({ REDIS_URL: 'redis://h', API_TOKENS: `${TOKEN}, ${TOKEN}-next ,` });
    expect(config.apiTokens).to.deep.equal([TOKEN, `${TOKEN}-next`]);
  });

  it('requires a push proxy URL for the consumer', () => {
    expect(problemsOf(() => parseConsumerConfig({ REDIS_URL: 'redis://h' })).join()).to.contain('PUSH_PROXY_URL');
    expect(problemsOf(() => parseConsumerConfig({ REDIS_URL: 'redis://h', PUSH_PROXY_URL: 'ftp://x' })).join()).to.contain(
      'http',
    );
  });

  it('parses consumer settings', () => {
    const config = parseConsumerConfig({
      REDIS_URL: 'redis://h',
      PUSH_PROXY_URL: 'http://proxy:8080/push',
      CONSUMER_CONCURRENCY: '8',
      PUSH_TIMEOUT_MS: '250',
    });
    expect(config.push).to.include({ url: 'http://proxy:8080/push', concurrency: 8, timeoutMs: 250, retries: 3 });
  });

  it('takes credentials, TLS and database from REDIS_URL', () => {
    const { redis } = parseProducerConfig({ REDIS_URL: 'rediss://user:p%40ss@cache:6380/2', API_TOKENS: TOKEN });
    expect(redis).to.deep.include({ mode: 'standalone', username: 'user', password: 'p@ss', tls: true, db: 2 });
    expect(redis.mode === 'standalone' && redis.endpoint).to.deep.equal({ host: 'cache', port: 6380 });
  });

  it('lets REDIS_PASSWORD override the URL and never echoes the URL in errors', () => {
    const { redis } = parseProducerConfig({ REDIS_URL: 'redis://:old@h', REDIS_PASSWORD: 'new', API_TOKENS: TOKEN });
    expect(redis.password).to.equal('new');
    const problems = problemsOf(() => parseProducerConfig({ REDIS_URL: 'http://:secret@h', API_TOKENS: TOKEN }));
    expect(problems.join()).to.contain('REDIS_URL').and.not.contain('secret');
  });

  it('waits for one replica by default in cluster mode only', () => {
    expect(parseProducerConfig({ REDIS_CLUSTER_NODES: 'a:1', API_TOKENS: TOKEN }).intake.waitReplicas).to.equal(1);
    expect(parseProducerConfig({ REDIS_CLUSTER_NODES: 'a:1', API_TOKENS: TOKEN, REDIS_WAIT_REPLICAS: '0' }).intake.waitReplicas).to.equal(0);
  });

  it('parses cluster seeds and rejects both modes at once', () => {
    const { redis } = parseProducerConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001,[::1]:7002', API_TOKENS: TOKEN });
    expect(redis.mode === 'cluster' && redis.seeds).to.deep.equal([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(problemsOf(() => parseProducerConfig({ REDIS_CLUSTER_NODES: 'a', API_TOKENS: TOKEN })).join()).to.contain(
      'host:port',
    );
    expect(
      problemsOf(() => parseProducerConfig({ REDIS_URL: 'redis://h', REDIS_CLUSTER_NODES: 'a:1', API_TOKENS: TOKEN })).join(),
    ).to.contain('both set');
  });
});
