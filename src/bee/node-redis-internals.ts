/**
 * The node-redis (3.1.2) client fields read here, typed in one place:
 * `ready` (connected and past the ready check) and `closing` (ended, by us
 * or by its retry strategy; it never reconnects). Neither is in the typings.
 * The writes it relies on (`write`/`cork`/`pipeline`, `duplicate`) are in
 * auto-pipeline.ts and guarded-client.ts.
 */
import type { RedisClient } from 'redis';

/** True once node-redis has ended `client`: it can never be used again. */
export function isEnded(client: RedisClient): boolean {
  return (client as unknown as { closing: boolean }).closing;
}

/** True while `client` is connected and ready for commands. */
export function isReady(client: RedisClient): boolean {
  return (client as unknown as { ready: boolean }).ready;
}
