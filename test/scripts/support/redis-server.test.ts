import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isProcessAlive } from '../../../scripts/support/process-control';
import { redisCommand } from '../../../scripts/support/redis-command';
import {
  isRedisServerInstalled,
  RedisServerMissingError,
  RedisServerStartError,
  startRedisServer,
  type RedisServerHandle,
  type RedisServerOptions,
} from '../../../scripts/support/redis-server';

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('scripts/support/redis-server', function () {
  this.timeout(30_000);
  const started: RedisServerHandle[] = [];

  async function start(options?: RedisServerOptions): Promise<RedisServerHandle> {
    const server = await startRedisServer(options);
    started.push(server);
    return server;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });

  it('finds redis-server on PATH', () => {
    expect(isRedisServerInstalled()).to.equal(true);
  });

  it('starts a server on 127.0.0.1 that answers PING', async () => {
    const server = await start();
    expect(server.host).to.equal('127.0.0.1');
    expect(server.port).to.not.equal(6379);
    expect(server.url).to.equal(`redis://127.0.0.1:${server.port}`);
    expect(isProcessAlive(server.pid)).to.equal(true);
    expect(fs.existsSync(path.join(server.dir, 'redis.log'))).to.equal(true);
    expect(await redisCommand({ port: server.port }, ['PING'])).to.equal('PONG');
  });

  it('makes a password-protected server refuse unauthenticated clients', async () => {
    const server = await start({ password: 's3cret pass' });
    expect(server.url).to.equal(`redis://:s3cret%20pass@127.0.0.1:${server.port}`);
    const anonymous = await rejectionOf(redisCommand({ port: server.port }, ['SET', 'k', 'v']));
    expect(anonymous.message).to.match(/NOAUTH/);
    const wrong = await rejectionOf(redisCommand({ port: server.port, password: 'nope' }, ['PING']));
    expect(wrong.message).to.match(/WRONGPASS|invalid password/i);
    expect(await redisCommand({ port: server.port, password: 's3cret pass' }, ['SET', 'k', 'v'])).to.equal('OK');
    expect(await server.command('GET', 'k')).to.equal('v');
  });

  it('restarts a killed server on the same port and dir', async () => {
    const server = await start();
    const { port, dir, pid } = server;
    await server.kill('SIGKILL');
    expect(server.running).to.equal(false);
    expect(isProcessAlive(pid)).to.equal(false);
    await rejectionOf(server.command('PING'));
    await server.restart();
    expect(server.running).to.equal(true);
    expect(server.pid).to.not.equal(pid);
    expect([server.port, server.dir]).to.deep.equal([port, dir]);
    expect(await server.command('PING')).to.equal('PONG');
  });

  it('stop ends the process and removes its temp dir', async () => {
    const server = await start();
    const { pid, dir } = server;
    await server.stop();
    expect(() => process.kill(pid, 0)).to.throw();
    expect(fs.existsSync(dir)).to.equal(false);
  });

  it('keeps a caller-supplied dir on stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-fanout-test-'));
    try {
      const server = await start({ dir });
      await server.stop();
      expect(fs.existsSync(path.join(dir, 'redis.log'))).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with the log tail when the server cannot start', async () => {
    const err = await rejectionOf(startRedisServer({ args: ['--no-such-directive', 'x'] }));
    expect(err).to.be.instanceOf(RedisServerStartError);
    expect((err as RedisServerStartError).code).to.equal('redis_server_start_failed');
    expect(err.message).to.match(/Bad directive/);
  });

  it('does not mistake another server on the requested port for its own', async () => {
    const first = await start();
    const err = await rejectionOf(startRedisServer({ port: first.port }));
    expect(err).to.be.instanceOf(RedisServerStartError);
    expect(err.message).to.match(/Address already in use/);
    expect(await first.command('PING')).to.equal('PONG');
  });

  it('explains how to install redis-server when it is missing', async () => {
    const savedPath = process.env['PATH'];
    process.env['PATH'] = fs.mkdtempSync(path.join(os.tmpdir(), 'push-fanout-empty-path-'));
    try {
      const err = await rejectionOf(startRedisServer());
      expect(err).to.be.instanceOf(RedisServerMissingError);
      expect((err as RedisServerMissingError).code).to.equal('redis_server_missing');
      expect(err.message).to.include('sudo apt-get install -y redis-server');
    } finally {
      fs.rmSync(process.env['PATH'], { recursive: true, force: true });
      process.env['PATH'] = savedPath;
    }
  });
});
