/**
 * Auto-pipelining for node-redis v3: every command written during one turn
 * of the event loop goes to the socket in a single write at the end of that
 * turn (setImmediate), so the commands issued by all the Redis replies and
 * HTTP responses handled in one turn share a syscall (what ioredis calls
 * enableAutoPipelining; flushing per turn rather than per tick batched about
 * 8% more CPU away in the consumer benchmark). A consumer runs many jobs at once and
 * each job sends a handful of commands; without this every command is its
 * own syscall, which profiling showed to be over a third of consumer CPU.
 *
 * node-redis already has the mechanism: `cork()` makes `write()` queue
 * commands and `uncork()` sends the queue as one string (MULTI and batch use
 * it). This only corks automatically on the first write of a turn. MULTI's
 * own cork/uncork may nest inside ours; it flushes the queue itself, so at
 * the end of the turn ours must unwind whatever stream corks remain.
 */
import type { RedisClient } from 'redis';

/** The node-redis internals used here; stable across node-redis 3.x. */
interface Corkable {
  ready: boolean;
  pipeline: boolean;
  stream: { writableCorked: number; uncork(): void };
  write(data: string | Buffer): boolean;
  cork(): void;
  uncork(): void;
}

/** Makes `client` send each event-loop turn's commands in one socket write. Call once, before use. */
export function enableAutoPipelining(client: RedisClient): void {
  const corkable = client as unknown as Corkable;
  const write = corkable.write;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (corkable.pipeline) corkable.uncork();
    // MULTI may have flushed and reset `pipeline` while our stream cork stayed.
    while (corkable.stream.writableCorked > 0) corkable.stream.uncork();
  };
  corkable.write = function autoPipelinedWrite(data) {
    // Before 'ready' (and after a lost connection) cork is a no-op in node-redis; write straight through.
    if (!scheduled && corkable.ready && !corkable.pipeline) {
      corkable.cork();
      scheduled = true;
      setImmediate(flush);
    }
    return write.call(corkable, data);
  };
}
