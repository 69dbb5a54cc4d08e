/**
 * Intake of one chat message: expand it into pushes and make them durable.
 * This is the producer's whole job, kept free of HTTP so it can be driven by
 * the API, a CLI or a benchmark alike.
 */
import { type EnqueuePolicy, enqueuePushes } from '../queue/enqueue';
import type { ShardSet } from '../queue/shard-set';
import { groupByShard, uniqueRecipients } from './expand';
import type { MessageRequest } from './message-schema';
import { pushTemplate } from './push-job';

/** What intake needs. */
export interface IntakeDeps {
  shards: ShardSet;
  policy: EnqueuePolicy;
}

/** The outcome of a successful intake. */
export interface Accepted {
  messageId: string;
  /** Pushes enqueued: recipients without the sender and without repeats. */
  accepted: number;
}

/**
 * Enqueues one push per recipient. Resolves only once every push is in Redis;
 * rejects with QueueUnavailableError if that cannot be done in time.
 */
export async function acceptMessage(deps: IntakeDeps, message: MessageRequest): Promise<Accepted> {
  const recipients = uniqueRecipients(message.recipientIds, message.senderId);
  if (recipients.length > 0) {
    const groups = groupByShard(recipients, deps.shards.queues.length);
    await enqueuePushes(deps.shards, pushTemplate(message, Date.now()), groups, deps.policy);
  }
  return { messageId: message.messageId, accepted: recipients.length };
}
