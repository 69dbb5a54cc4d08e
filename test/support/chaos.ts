/**
 * Pieces of the chaos test: a proxy that misbehaves on purpose, a fleet of
 * real consumer processes to kill and restart, and reading which jobs are
 * in flight at the moment of a kill.
 */
import { createHash, randomInt } from 'node:crypto';
import { intBetween, seededRandom } from '../../bench/prng';
import type { ProxyReply, ReceivedPush } from '../../scripts/support/stand-in-proxy';
import { QueueKeys } from '../../src/queue/queue-keys';
import { allShards } from '../../src/queue/shards';
import { type ServiceProcess, spawnService } from './processes';
import { pushOf } from './message-stream';
import { call, withRedis } from './redis';

/** A number in [0, 1) fixed per key: whether a push is one we always reject. */
function fraction(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** Share of pushes the chaos proxy rejects for good (400), chosen by key. */
export const REJECTED_SHARE = 0.02;

/** True for the pushes the chaos proxy always rejects; the same for a key with or without its epoch. */
export function isRejected(idempotencyKey: string): boolean {
  return fraction(pushOf(idempotencyKey)) < REJECTED_SHARE;
}

/** A fresh seed for one chaos run, to print with its figures and its failure. */
export function chaosSeed(): number {
  return randomInt(2 ** 32);
}

/**
 * The chaos proxy's answers under `seed`: 2% of pushes rejected for good; of
 * the rest, 10% of requests answer 503, 3% answer 429 with Retry-After: 1,
 * and 5% take 200-500 ms before succeeding. Each answer is drawn from the
 * seed, the push and its attempt number, not from one stream in arrival
 * order, so a seed gives every push the same fate in a rerun, however the
 * requests interleave.
 */
export function chaosReplies(seed: number): (push: ReceivedPush, attempt: number) => ProxyReply {
  return (push, attempt) => {
    if (isRejected(push.idempotencyKey)) return { status: 400 };
    const random = seededRandom(createHash('sha1').update(`${seed}:${pushOf(push.idempotencyKey)}:${attempt}`).digest().readUInt32BE(0));
    const roll = random();
    if (roll < 0.1) return { status: 503 };
    if (roll < 0.13) return { status: 429, headers: { 'retry-after': '1' } };
    if (roll < 0.18) return { status: 200, delayMs: intBetween(random, 200, 499) };
    return { status: 200 };
  };
}

/** Real consumer processes that can be killed and restarted. */
export class ConsumerFleet {
  private readonly processes: ServiceProcess[] = [];
  /** Every process ever started, killed ones included, for their output. */
  private readonly all: ServiceProcess[] = [];

  constructor(
    private readonly env: Record<string, string>,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.processes.push(this.spawn());
  }

  /** Everything every consumer printed. */
  output(): string {
    return this.all.map((p) => p.output()).join('\n');
  }

  private spawn(): ServiceProcess {
    const started = spawnService('consumer/main.js', this.env);
    this.all.push(started);
    return started;
  }

  /** SIGKILLs consumer `i` and starts a fresh one in its place; resolves with the kill time. */
  async killAndRestart(i: number): Promise<number> {
    const victim = this.processes[i];
    if (!victim) throw new RangeError(`no consumer ${i}`);
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    this.processes[i] = this.spawn();
    return killedAt;
  }

  /** Stops every consumer (SIGTERM) and resolves with their exit codes. */
  async stopAll(): Promise<Array<number | string>> {
    return Promise.all(this.processes.map((p) => p.stop('SIGTERM')));
  }
}

/** Where to read a shard's keys: standalone Redis, or the shard's master in a cluster. */
export type ShardUrl = (slot: number) => Promise<string>;

/** Ids of the jobs in every shard's active list now. */
export async function activeJobIds(prefix: string, shardCount: number, urlOf: ShardUrl): Promise<string[]> {
  const keys = new QueueKeys(prefix);
  const ids: string[] = [];
  for (const shard of allShards(shardCount)) {
    const url = await urlOf(shard.slot);
    ids.push(...(await withRedis(url, (c) => call<string[]>(c, 'LRANGE', keys.beeKey(shard, 'active'), 0, -1))));
  }
  return ids;
}
