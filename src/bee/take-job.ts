/**
 * Taking the next job of a Bee-Queue (2.0.0) queue for its process loop.
 *
 * Bee-Queue pops every job with a blocking BRPOPLPUSH on the queue's own
 * connection, then reads its data with an HGET: two commands, and a socket
 * write per pop on a connection nothing else writes on. While jobs wait,
 * nothing needs to block: {@link takeWaitingJob} moves the job to `active`
 * and reads its data in one Lua call on the shared, auto-pipelined command
 * connection, so the pops of every queue on that node in one event-loop turn
 * share one socket write. Only an empty queue falls back to
 * {@link waitForJobId}, Bee-Queue's own blocking pop. Either way the job ends
 * up where Bee-Queue's pop leaves it (in `active`, not in `stalling`), so the
 * stall check treats both alike.
 *
 * Bee-Queue sends a job's first stall heartbeat (SREM `stalling`) as the job
 * starts, and then one every half stall interval. The Lua take does that
 * first one in the same call, so {@link skipTakenHeartbeats} drops
 * Bee-Queue's for jobs taken that way: the job is out of `stalling` as of its
 * take, and its next heartbeat comes half an interval after its run starts
 * (a few promise hops and one round trip after the take), well before any
 * stall check could find it there twice (checks are a whole interval apart,
 * by the stall block). Bee-Queue's own first beat only mattered for a check
 * landing between pop and run start; the take's SREM covers the same.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { BeeSuffix } from './bee-keys';

/**
 * Moves the oldest waiting id into `active` and reads its data, or removes
 * an id without data again. KEYS: waiting, active, jobs, stalling.
 */
const TAKE_WAITING = LuaScript.load(__dirname, 'take-waiting-job');
/** Moves a taken id from `active` back to the popping end of `waiting`. KEYS: active, waiting, stalling. */
const GIVE_BACK = LuaScript.load(__dirname, 'give-back-job');

/** Bee-Queue's Job class (lib/job.js, untyped); `fromData` parses stored JSON as `Job.fromId` does after its HGET. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of bee-queue without typings
const BeeJob = require('bee-queue/lib/job') as { fromData(queue: BeeQueue, id: string, data: string): BeeQueue.Job<unknown> };

/** Where {@link takeWaitingJob} peeks at each job's 3-bit slot, per queue (see {@link peekOnTake}). */
const peeks = new WeakMap<BeeQueue, SlotPeek>();
/** What the take peeked at, per job it took. */
const peeked = new WeakMap<BeeQueue.Job<unknown>, number>();

/** Ids {@link takeWaitingJob} took whose first heartbeat its script already sent, per queue. */
const beatAtTake = new WeakMap<BeeQueue, Set<string>>();

/** The queue internals read here. */
export interface TakeInternals {
  client: RedisClient | null;
  bclient: RedisClient | null;
  jobs: Map<string, BeeQueue.Job<unknown>>;
  settings: { storeJobs: boolean };
  toKey(name: BeeSuffix): string;
  _preventStall(jobId: string): Promise<unknown>;
}

/** A popped id and its job; `job` is null when the id had no data. */
export interface Taken {
  id: string;
  job: BeeQueue.Job<unknown> | null;
}

function commandConnection(q: TakeInternals): RedisClient {
  if (!q.client) throw new Error('queue has no command connection');
  return q.client;
}

/** The job as `queue.getJob` would return it: the stored one if the queue keeps jobs, else parsed. */
function jobOf(queue: BeeQueue, q: TakeInternals, id: string, data: string): BeeQueue.Job<unknown> {
  const known = q.jobs.get(id);
  if (known) return known;
  const job = BeeJob.fromData(queue, id, data);
  if (q.settings.storeJobs) q.jobs.set(id, job);
  return job;
}

/**
 * Takes the oldest waiting job without blocking; null when none waits. An id
 * without data is already out of `active` when this returns it (job null).
 */
export async function takeWaitingJob(queue: BeeQueue): Promise<Taken | null> {
  const q = queue as unknown as TakeInternals;
  const keys = [q.toKey('waiting'), q.toKey('active'), q.toKey('jobs'), q.toKey('stalling')];
  const peek = peeks.get(queue);
  const reply = (await TAKE_WAITING.run(commandConnection(q), keys, peek ? [peek.stem, peek.separator] : [])) as [string, string?, number?] | null;
  if (!reply) return null;
  const [id, data, slot] = reply;
  if (data === undefined) return { id, job: null };
  const job = jobOf(queue, q, id, data);
  // Only once the job parsed: an id whose data does not parse must keep Bee-Queue's first heartbeat on a later run.
  beatAtTake.get(queue)?.add(id);
  if (slot !== undefined) peeked.set(job, slot);
  return { id, job };
}

/**
 * The key of a job's 3-bit slot, in the two parts a script joins around the
 * job data's fields: `stem + data.messageId + separator + data.epoch`, the
 * slot at `data.index` (the delivery markers' layout; QueueKeys names it).
 */
export interface SlotPeek {
  stem: string;
  separator: string;
}

/**
 * Makes {@link takeWaitingJob} read each job's slot in the same call as it
 * takes the job, so the job's handler needs no read of its own before it
 * runs ({@link peekedSlot}). Jobs whose data has no such slot, and jobs the
 * blocking pop took, have no peek. Call before `process()`.
 */
export function peekOnTake(queue: BeeQueue, peek: SlotPeek): void {
  peeks.set(queue, peek);
}

/**
 * The value of `job`'s slot as its take read it, or undefined when the take did not read it.
 * One use per take: a queue that keeps its Job objects (`storeJobs`) hands the same object to a
 * later run, which must not see this run's peek.
 */
export function peekedSlot(job: BeeQueue.Job<unknown>): number | undefined {
  const slot = peeked.get(job);
  peeked.delete(job);
  return slot;
}

/**
 * Makes `queue` skip the first stall heartbeat of each job {@link takeWaitingJob}
 * took (its script sent it); every later one, and every one of a job taken by
 * the blocking pop, goes out as before. Call before `process()`.
 */
export function skipTakenHeartbeats(queue: BeeQueue): void {
  const q = queue as unknown as TakeInternals;
  const beaten = new Set<string>();
  beatAtTake.set(queue, beaten);
  const preventStall = q._preventStall.bind(q);
  q._preventStall = (jobId) => (beaten.delete(String(jobId)) ? Promise.resolve() : preventStall(jobId));
}

/** Bee-Queue's blocking pop: BRPOPLPUSH on the queue's own connection, waiting as long as it takes. */
export function waitForJobId(queue: BeeQueue): Promise<string> {
  const q = queue as unknown as TakeInternals;
  return new Promise((resolve, reject) => {
    const bclient = q.bclient;
    if (!bclient) return reject(new Error('queue has no blocking connection'));
    bclient.brpoplpush(q.toKey('waiting'), q.toKey('active'), 0, (err, id) => (err ? reject(err) : resolve(id ?? '')));
  });
}

/** The job of an id {@link waitForJobId} popped; an id without data is taken out of `active` again (job null). */
export async function loadJob(queue: BeeQueue, id: string): Promise<Taken> {
  const job = await queue.getJob(id);
  if (!job) await removeOrphan(queue as unknown as TakeInternals, id);
  return { id, job };
}

/** Takes the id we just moved into `active` (the newest entry) out again, and out of `stalling`. */
function removeOrphan(q: TakeInternals, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    commandConnection(q)
      .multi()
      .lrem(q.toKey('active'), 1, id)
      .srem(q.toKey('stalling'), id)
      .exec((err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Undoes the pop of `id`, whose queue began closing while the pop was under
 * way: it goes back to be the next job taken (by this consumer's next queue
 * or another consumer) instead of waiting in `active` for two stall checks.
 */
export async function giveBackJob(queue: BeeQueue, id: string): Promise<void> {
  const q = queue as unknown as TakeInternals;
  beatAtTake.get(queue)?.delete(id);
  await GIVE_BACK.run(commandConnection(q), [q.toKey('active'), q.toKey('waiting'), q.toKey('stalling')], [id]);
}
