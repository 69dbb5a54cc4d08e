/**
 * What the stand-in proxy remembers about arrivals while recording: each
 * push's arrival time by message id for the message ids it is told to
 * follow (all, or those starting with a prefix), and only a count with the
 * first and last arrival for the rest. So a 100,000-push broadcast running
 * beside the followed interactive messages costs the proxy three numbers,
 * not 100,000 timestamps.
 */

/** Count and first/last arrival (epoch ms; 0 when none) of the pushes not followed. */
export interface Span {
  count: number;
  firstAt: number;
  lastAt: number;
}

/** The message id of an Idempotency-Key `<messageId>:<recipientId>` (message ids never contain ':'). */
export function messageIdOf(key: string): string {
  const cut = key.indexOf(':');
  return cut < 0 ? key : key.slice(0, cut);
}

/** Arrival times of the followed message ids, and a {@link Span} of the others. */
export class ArrivalRecording {
  private readonly times = new Map<string, number[]>();
  private readonly rest: Span = { count: 0, firstAt: 0, lastAt: 0 };

  /** Follows message ids starting with `prefix` ('' follows all). */
  constructor(readonly prefix = '') {}

  /** Records the push with Idempotency-Key `key`, arrived at `at`. */
  add(key: string, at: number): void {
    const messageId = messageIdOf(key);
    if (!messageId.startsWith(this.prefix)) {
      this.rest.count += 1;
      if (this.rest.firstAt === 0) this.rest.firstAt = at;
      this.rest.lastAt = at;
      return;
    }
    const list = this.times.get(messageId);
    if (list) list.push(at);
    else this.times.set(messageId, [at]);
  }

  /** Arrival times per followed message id. */
  arrivals(): Record<string, number[]> {
    return Object.fromEntries(this.times);
  }

  /** The pushes not followed. */
  others(): Span {
    return { ...this.rest };
  }
}
