/**
 * Per-test setup of the Bee-Queue contract tests: a fresh key prefix, a
 * guarded shared command connection (as the routers give queues), and the
 * queues a test opens on it, all closed and cleaned up after each test.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { createGuardedClient } from '../../src/bee/guarded-client';
import { isReady } from '../../src/bee/node-redis-internals';
import { waitFor } from '../../src/core/wait-for';
import { SHARED_REDIS_URL, uniquePrefix } from './env';
import { deletePrefix } from './redis';

/** What one test gets; the fields are replaced before each test. */
export interface BeeFixture {
  prefix: string;
  shared: RedisClient;
  /** Queues the test opened: closed after it. */
  readonly queues: BeeQueue[];
}

/** Registers the hooks in the calling `describe` and returns the fixture they fill. */
export function beeFixture(): BeeFixture {
  const fixture = { prefix: '', shared: undefined as unknown as RedisClient, queues: [] as BeeQueue[] };
  beforeEach(async () => {
    fixture.prefix = uniquePrefix();
    fixture.shared = createGuardedClient({ url: SHARED_REDIS_URL }, () => undefined);
    await waitFor(() => isReady(fixture.shared), { timeoutMs: 5000, description: 'the shared client to be ready' });
  });
  afterEach(async () => {
    await Promise.all(fixture.queues.splice(0).map((q) => q.close(1000).catch(() => undefined)));
    await new Promise<void>((resolve) => fixture.shared.quit(() => resolve()));
    await deletePrefix(SHARED_REDIS_URL, fixture.prefix);
  });
  return fixture;
}
