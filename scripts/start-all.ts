/**
 * `npm start`: the whole service on one machine, on embedded defaults.
 *
 * It provides what the environment does not: a `redis-server` on a free port
 * (unless REDIS_URL or REDIS_CLUSTER_NODES is set), a stand-in push proxy
 * that logs each push (unless PUSH_PROXY_URL is set) and a dev token (unless
 * API_TOKENS is set). Then it runs the real producer and consumer processes,
 * exactly as production does, and prints a banner with a ready-to-paste curl.
 * Ctrl-C stops everything, in reverse order.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseLauncherConfig } from '../src/config/launcher-config';
import { loadConfigOrExit } from '../src/config/load-config';
import { createLogger, type Logger } from '../src/core/logger';
import { ChildProcesses } from './support/child-processes';
import { findFreePort } from './support/free-port';
import { isRedisServerInstalled, type RedisServerHandle, startRedisServer } from './support/redis-server';
import { startStandInProxy, type StandInProxy } from './support/stand-in-proxy';
import { printBanner } from './support/banner';
import { waitForReady } from './support/http-probe';

interface Embedded {
  redis?: RedisServerHandle;
  proxy?: StandInProxy;
}

async function startEmbedded(redisProvided: boolean, proxyUrl: string | undefined, log: Logger): Promise<Embedded> {
  const embedded: Embedded = {};
  if (!redisProvided) {
    if (!isRedisServerInstalled()) {
      process.stderr.write(
        'npm start needs redis-server to run Redis for you, and it is not installed.\n' +
          'Install it (Debian/Ubuntu): sudo apt-get install -y redis-server\n' +
          'Or point the service at an existing Redis: REDIS_URL=redis://host:6379 npm start\n',
      );
      process.exit(1);
    }
    embedded.redis = await startRedisServer();
    log.info({ port: embedded.redis.port, redisPid: embedded.redis.pid, dir: embedded.redis.dir }, 'started an embedded redis-server');
  }
  if (!proxyUrl) {
    const pushLog = log.child({ component: 'stand-in-proxy' });
    embedded.proxy = await startStandInProxy({
      countOnly: true,
      onPush: (push) => pushLog.info({ idempotencyKey: push.idempotencyKey, push: push.body }, 'push received'),
    });
    log.info({ url: embedded.proxy.url }, 'started the stand-in push proxy');
  }
  return embedded;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('start', (env) => parseLauncherConfig(env, Boolean(process.stdout.isTTY)));
  const log = createLogger({ name: 'start', level: 'info', pretty: config.logPretty });
  const embedded = await startEmbedded(config.redisProvided, config.pushProxyUrl, log);
  const token = config.apiTokens[0] ?? `dev-${randomBytes(18).toString('base64url')}`;
  const overrides: Record<string, string> = { LOG_PRETTY: String(config.logPretty), PORT: String(config.port) };
  // The consumer's probe and metrics server must not collide with anything already on the machine.
  const metricsPort = config.metricsPort ?? (await findFreePort());
  overrides['METRICS_PORT'] = String(metricsPort);
  if (embedded.redis) overrides['REDIS_URL'] = embedded.redis.url;
  if (embedded.proxy) overrides['PUSH_PROXY_URL'] = embedded.proxy.url;
  if (config.apiTokens.length === 0) overrides['API_TOKENS'] = token;

  const children = new ChildProcesses(log, overrides);
  const stopEmbedded = async (): Promise<void> => {
    await embedded.proxy?.close();
    await embedded.redis?.stop();
  };
  children.onExit(async (code) => {
    await stopEmbedded();
    process.exit(code);
  });
  children.spawn('producer', path.join(__dirname, '..', 'producer', 'main.js'));
  children.spawn('consumer', path.join(__dirname, '..', 'consumer', 'main.js'));

  const base = `http://127.0.0.1:${config.port}`;
  await waitForReady(`${base}/readyz`, 20_000);
  printBanner({ base, token, generatedToken: config.apiTokens.length === 0, embedded, metricsPort });
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
