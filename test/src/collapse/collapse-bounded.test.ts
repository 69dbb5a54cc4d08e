import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { type RedisServerHandle, startRedisServer } from '../../../scripts/support/redis-server';
import { CollapseState } from '../../../src/collapse/collapse-state';
import { waitFor } from '../../../src/core/wait-for';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { call, connectClient, quitClient } from '../../support/redis';

const KEYS = 1000;
const RECIPIENTS = 1000;
/** Bump calls in flight at once: enough to keep the server busy, few enough to keep replies small. */
const PARALLEL = 8;

describe('collapse state is bounded: a million distinct (recipient, collapseKey) pairs (own redis-server)', function () {
  this.timeout(120_000);
  let redis: RedisServerHandle;
  let client: RedisClient;

  before(async () => {
    // hz 100: active expiry runs often, so a million expired keys are reclaimed within seconds.
    redis = await startRedisServer({ args: ['--hz', '100', '--save', '', '--appendonly', 'no'] });
    client = await connectClient(redis.url);
  });

  after(async () => {
    await quitClient(client);
    await redis.stop();
  });

  it('keeps one small hash per pair, never more than its fixed fields, and leaves no key once the records expire', async () => {
    const keys = new QueueKeys('bounded');
    const state = new CollapseState(keys);
    const shards = buildShards(16);
    const recipients = Array.from({ length: RECIPIENTS }, (_, r) => `user-${r}`);
    const started = Date.now();
    // Writing takes about 12 s here; the margin keeps it well inside the expiry.
    const recordExpiresAt = started + 25_000;
    const bump = (k: number, message: number): Promise<void> => {
      const shard = shards[k % shards.length]!;
      return state.bump(client, shard, { collapseKey: `room-${k}`, epochMs: started + message, messageId: `m${message}-${k}`, recordExpiresAt }, recipients);
    };
    for (let k = 0; k < KEYS; k += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, KEYS - k) }, (_, i) => bump(k + i, 1)));
    }
    // Newer messages to a tenth of the rooms: more messages, not more keys or fields.
    for (let k = 0; k < KEYS / 10; k++) await bump(k, 2);
    const writtenMs = Date.now() - started;
    expect(Date.now(), 'written before the records expire').to.be.below(recordExpiresAt);
    expect(await call<number>(client, 'DBSIZE')).to.equal(KEYS * RECIPIENTS);
    for (const k of [0, 99, 500, 999]) {
      const key = keys.collapseKey(shards[k % shards.length]!, `room-${k}`, 'user-7');
      expect(await call<Record<string, string>>(client, 'HGETALL', key)).to.deep.include({ a: k < 100 ? '2' : '1', x: String(recordExpiresAt) });
      expect(await call<number>(client, 'HLEN', key)).to.equal(4);
      expect(await call<number>(client, 'PEXPIRETIME', key)).to.equal(recordExpiresAt);
    }
    const memory = String(await call<string>(client, 'INFO', 'memory')).match(/used_memory_human:(\S+)/)?.[1];
    const scanEmpty = async (): Promise<boolean> => {
      let cursor = '0';
      do {
        const [next, found] = await call<[string, string[]]>(client, 'SCAN', cursor, 'MATCH', 'bounded:*', 'COUNT', 10_000);
        if (found.length > 0) return false;
        cursor = next;
      } while (cursor !== '0');
      return true;
    };
    await waitFor(scanEmpty, { timeoutMs: 60_000, intervalMs: 1000, description: 'no collapse state left after the records expired' });
    process.stdout.write(`      1,000,000 pairs written in ${writtenMs} ms, ${memory}; all gone ${Date.now() - recordExpiresAt} ms after the expiry\n`);
    expect(await call<number>(client, 'DBSIZE')).to.equal(0);
  });
});
