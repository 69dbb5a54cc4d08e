/**
 * Recipient hashing: which shard a recipient (or any routing key: a message
 * id, an API token id) belongs to. Pure and stable for a given shard count.
 */
import { fnv1a32 } from '../core/hash';

/** The shard that owns `recipientId`: stable for a given shard count. */
export function shardIndexFor(recipientId: string, count: number): number {
  return fnv1a32(recipientId) % count;
}
