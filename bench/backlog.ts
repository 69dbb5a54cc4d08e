/**
 * Fills the queues for a delivery drain through the real API, in rooms of
 * 10,000 recipients, while no consumer runs.
 */
import type { ApiClient } from './api-client';
import { prepareMessage, recipientIds } from './payload';

/** Recipients per message of a backlog. */
export const BACKLOG_ROOM = 10_000;

/** Posts `pushes` pushes as messages `<tag>m0`, `<tag>m1`, …; resolves with the milliseconds it took. */
export async function enqueueBacklog(api: ApiClient, pushes: number, tag: string): Promise<number> {
  const start = performance.now();
  const full = recipientIds(BACKLOG_ROOM);
  for (let i = 0, left = pushes; left > 0; i++, left -= BACKLOG_ROOM) {
    const recipients = left >= BACKLOG_ROOM ? full : full.slice(0, left);
    const result = await api.post(prepareMessage(`${tag}m${i}`, recipients));
    if (result.accepted !== recipients.length) throw new Error(`backlog ${tag}m${i}: accepted ${result.accepted} of ${recipients.length}`);
  }
  return performance.now() - start;
}
