/**
 * Intake of one chat message: claim its id, expand it into pushes, make them
 * durable, mark it accepted. Kept free of HTTP so the API, a CLI or a
 * benchmark drive the same code.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from 'redis';
import { QueueUnavailableError, RecipientsChangedError } from '../core/errors';
import { listFingerprint } from '../core/hash';
import { delay } from '../core/wait-for';
import type { Claim, ClaimHold, MessageRecords } from './message-records';
import { type EnqueuePolicy, enqueuePushes } from '../intake/enqueue';
import { type Lane, laneFor } from '../queue/lane';
import { onShard } from '../routing/on-shard';
import type { ShardQueue } from '../routing/shard-queue';
import type { ShardSet } from '../routing/shard-set';
import { groupByShard, uniqueRecipients } from './expand';
import type { MessageRequest } from './message-schema';
import { pushTemplate } from './push-template';

/** What intake needs. */
export interface IntakeDeps {
  shards: ShardSet;
  policy: EnqueuePolicy;
  records: MessageRecords;
  /** How long a message id is remembered after its pushes are due. */
  idempotencyTtlSeconds: number;
  /** Messages with at least this many pushes travel in the bulk lane. */
  bulkMinRecipients: number;
}

/** The outcome of an intake. */
export interface Accepted {
  messageId: string;
  /** Pushes enqueued: recipients without the sender and without repeats. */
  accepted: number;
  /** The lane the pushes travel in. */
  lane: Lane;
  /** True when this message id had been accepted before; nothing new was enqueued. */
  duplicate?: true;
}

/** How often a request for a message id that another request is enqueueing checks again. */
const BUSY_POLL_MS = 50;

/**
 * Enqueues one push per recipient, once per message id. Resolves only once
 * every push is in Redis; rejects with QueueUnavailableError if that cannot be
 * done in time, after which the same request may be sent again.
 */
export async function acceptMessage(deps: IntakeDeps, message: MessageRequest): Promise<Accepted> {
  const deadline = Date.now() + deps.policy.timeoutMs;
  const router = deps.shards.forKey(message.messageId);
  const owner = randomUUID();
  const now = Date.now();
  const ttl = deps.idempotencyTtlSeconds + Math.max(0, Math.ceil(((message.sendAt ?? now) - now) / 1000));
  const recipients = uniqueRecipients(message.recipientIds, message.senderId);
  const claimant = { owner, ttlSeconds: ttl, fingerprint: listFingerprint(recipients) };
  const claim = await claimOrWait(deps, router, message.messageId, claimant, deadline);
  if (claim.kind === 'duplicate') return { messageId: message.messageId, accepted: claim.accepted, lane: claim.lane, duplicate: true };
  // Nothing was claimed or enqueued: a retry with other recipients would give marker slots new meanings.
  if (claim.kind === 'conflict') throw new RecipientsChangedError(message.messageId);
  const record = (fn: (client: RedisClient) => Promise<void>): Promise<void> => onShard(router, deadline, fn);
  try {
    // Decided from the message alone, so a retry after a failed intake picks the same lane.
    const lane = laneFor(recipients.length, message.lane, deps.bulkMinRecipients);
    const groups = groupByShard(recipients, deps.shards.shardCount);
    // One deadline for the whole intake (claim, save, record): a 503 comes within ENQUEUE_TIMEOUT_MS.
    // The pushes carry this acceptance's epoch and the record's expiry: their markers live no longer.
    const template = { ...pushTemplate(message, now), epoch: claim.epoch, recordExpiresAt: claim.expiresAt };
    const hold = { leaseMs: claimLeaseMs(deps), epoch: claim.epoch, expiresAt: claim.expiresAt, fingerprint: claimant.fingerprint };
    const alongside = { router, write: (c: RedisClient) => confirmClaim(deps, c, router, message.messageId, owner, hold) };
    await enqueuePushes(deps.shards, lane, template, groups, deps.policy, { deadline, indexed: claim.indexed, alongside });
    const accepted = { count: recipients.length, lane };
    const completed = await onShard(router, deadline, (c) => deps.records.complete(c, router.shard, message.messageId, owner, accepted, ttl));
    // Our lease lapsed and another request took over: it will answer for this id; this one must not 202 too.
    if (!completed) throw new QueueUnavailableError(`message ${message.messageId} was taken over by another request`);
    return { messageId: message.messageId, accepted: recipients.length, lane };
  } catch (err) {
    await record((c) => deps.records.release(c, router.shard, message.messageId, owner)).catch(() => undefined);
    throw err;
  }
}

/** How long a claim holds the id: the whole intake, and a second more. */
function claimLeaseMs(deps: IntakeDeps): number {
  return deps.policy.timeoutMs + 1000;
}

/**
 * Re-asserts the claim on the intake's connection to the record's node, so
 * the intake's WAIT covers it (see message-records' confirm). Without that, a
 * failover could take the claim, and with it the epoch the queued pushes
 * carry: a repeat of the message would claim a new epoch and queue every
 * push again under new ids, which neither the markers nor the proxy could
 * tell from new pushes.
 */
async function confirmClaim(deps: IntakeDeps, client: RedisClient, router: ShardQueue, messageId: string, owner: string, hold: ClaimHold): Promise<void> {
  const confirmed = await deps.records.confirm(client, router.shard, messageId, owner, hold);
  if (confirmed === 'lost') throw new QueueUnavailableError(`message ${messageId} was taken over by another request`);
}

/** Claims the id, waiting while another request holds it, until `deadline`. */
async function claimOrWait(
  deps: IntakeDeps,
  router: ShardQueue,
  messageId: string,
  claimant: { owner: string; ttlSeconds: number; fingerprint: string },
  deadline: number,
): Promise<Exclude<Claim, { kind: 'busy' }>> {
  const leaseMs = claimLeaseMs(deps);
  for (;;) {
    const claim = await onShard(router, deadline, (c) => deps.records.claim(c, router.shard, messageId, { ...claimant, leaseMs }));
    if (claim.kind !== 'busy') return claim;
    if (Date.now() + BUSY_POLL_MS >= deadline) {
      throw new QueueUnavailableError(`message ${messageId} is being accepted by another request`);
    }
    await delay(BUSY_POLL_MS);
  }
}
