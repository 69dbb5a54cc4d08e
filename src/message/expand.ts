/**
 * Fan-out: a room's member list becomes the set of pushes to make. The sender
 * gets no push for their own message, and a member listed twice gets one.
 */
import { shardIndexFor } from '../routing/shard-index';

/** The recipients to push to, in first-seen order, without the sender or repeats. */
export function uniqueRecipients(recipientIds: readonly string[], senderId: string): string[] {
  const seen = new Set<string>([senderId]);
  const out: string[] = [];
  for (const id of recipientIds) {
    // One lookup per id, not has() then add(): a new id is one that grows the set.
    const size = seen.size;
    seen.add(id);
    if (seen.size !== size) out.push(id);
  }
  return out;
}

/** Groups recipients by shard: `result[i]` holds shard i's recipients. */
export function groupByShard(recipientIds: readonly string[], shardCount: number): string[][] {
  const groups: string[][] = Array.from({ length: shardCount }, () => []);
  for (const id of recipientIds) groups[shardIndexFor(id, shardCount)]?.push(id);
  return groups;
}
