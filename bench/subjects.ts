/**
 * The consumers a drain can measure: the real service consumer (one or more
 * processes), and the bench's no-op and naive Bee-Queue consumers. Each is
 * a {@link DrainSubject} with a way to stop it afterwards.
 */
import { firstExit } from './children';
import type { DrainSubject } from './drain';
import { type Helper, startHelper, waitForCount } from './helpers';
import type { ProxyHandle } from './proxy';
import { CONSUMER_CONCURRENCY, type ConsumerHandle, QUEUE_SHARDS, spawnConsumer } from './service';
import type { WorkerSettings } from './bee-worker';
import { SEED_QUEUE } from './seed-backlog';
import type { RedisTarget, Workspace } from './workspace';

/** Where the consumers run. */
export interface DeliveryEnv {
  ws: Workspace;
  target: RedisTarget;
  prefix: string;
  proxy: ProxyHandle;
}

/** A subject that can be stopped once measured. */
export interface StoppableSubject extends DrainSubject {
  stop(): Promise<void>;
}

/** `count` service consumer processes, spawned together; pushes are counted at the proxy. */
export function serviceSubject(env: DeliveryEnv, label: string, count = 1): StoppableSubject & { consumers: ConsumerHandle[] } {
  const consumers: ConsumerHandle[] = [];
  return {
    label,
    consumers,
    async spawn() {
      await env.proxy.reset();
      for (let i = 0; i < count; i++) {
        const name = `consumer-${env.prefix}-${label.replace(/[^a-z0-9]+/gi, '-')}-${i}`;
        consumers.push(await spawnConsumer(env.ws, env.target, env.prefix, env.proxy.url, name));
      }
      return { pids: consumers.map((c) => c.child.pid), spawnedAt: consumers[0]?.child.spawnedAt ?? Date.now() };
    },
    reached: (target, timeoutMs) => env.proxy.waitFor(target, timeoutMs),
    died: () => firstExit(consumers.map((c) => c.child)),
    async stop() {
      await Promise.all(consumers.map((c) => c.child.stop()));
    },
  };
}

/**
 * The no-op, HTTP-floor, naive or seed-style consumer. The no-op one counts its own
 * finished jobs (it sends nothing); the others are counted at the proxy, like
 * the service. The seed-style one reads the single queue of ./seed-backlog.ts.
 */
export function helperSubject(env: DeliveryEnv, kind: 'noop' | 'naive' | 'floor' | 'seed', pushes: number): StoppableSubject {
  let helper: Helper | undefined;
  return {
    label: kind === 'noop' ? 'no-op' : kind,
    async spawn() {
      await env.proxy.reset();
      const settings: WorkerSettings = {
        host: env.target.host,
        port: env.target.port,
        prefix: env.prefix,
        shards: QUEUE_SHARDS,
        concurrency: CONSUMER_CONCURRENCY,
        url: env.proxy.url,
        watch: [pushes],
        ...(kind === 'seed' ? { single: SEED_QUEUE } : {}),
      };
      const name = `${kind}-consumer`;
      helper = await startHelper(env.ws, `${name}-${env.prefix}`, name, [JSON.stringify(settings)]);
      return { pids: [helper.child.pid], spawnedAt: helper.child.spawnedAt };
    },
    reached(target, timeoutMs) {
      if (kind !== 'noop') return env.proxy.waitFor(target, timeoutMs);
      if (!helper) throw new Error('noop consumer not started');
      return waitForCount(helper, target, timeoutMs);
    },
    died: () => (helper ? firstExit([helper.child]) : new Promise<string>(() => undefined)),
    async stop() {
      await helper?.child.stop();
    },
  };
}
