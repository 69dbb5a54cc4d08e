/**
 * Lanes: the two classes of push traffic, each with its own set of shard
 * queues. A conversation's pushes (direct messages, ordinary group chats)
 * travel in the interactive lane; a large room's pushes, or a message the
 * caller marks as bulk (marketing, digests), travel in the bulk lane. Every
 * shard queue is FIFO, so without lanes a DM waits behind every push of a
 * broadcast accepted before it; with lanes it waits only behind other
 * conversations, and consumers give the interactive lane a reserved share.
 */

/** A lane's name, as stored in message records and shown in the API. */
export type Lane = 'interactive' | 'bulk';

/** Every lane, interactive first: the order consumers, metrics and the dashboard list them in. */
export const LANES: readonly Lane[] = ['interactive', 'bulk'];

/** A number per lane, e.g. how many jobs each lane runs at once. */
export type LaneConcurrency = Record<Lane, number>;

/** What a caller may ask for: `auto` picks by room size, `bulk` forces the bulk lane. */
export type LaneRequest = 'auto' | 'bulk';

/**
 * The lane of a message with `recipients` pushes (after dropping the sender
 * and repeats). A caller can demote a message to bulk, never promote one to
 * interactive: a broadcast that could jump the queue would bring back the
 * very wait lanes exist to remove.
 */
export function laneFor(recipients: number, requested: LaneRequest | undefined, bulkMinRecipients: number): Lane {
  if (requested === 'bulk') return 'bulk';
  return recipients >= bulkMinRecipients ? 'bulk' : 'interactive';
}

/** Parses a stored lane; records written before lanes existed have none and were in what is now the interactive lane. */
export function storedLane(value: string | null | undefined): Lane {
  return value === 'bulk' ? 'bulk' : 'interactive';
}
