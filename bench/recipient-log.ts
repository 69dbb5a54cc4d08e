/**
 * What the stand-in proxy keeps per recipient while recording pushes for the
 * busy-room scenario (./busy-room.ts): the message ids of the pushes it
 * received, in the order it answered them, with their arrival times, and the
 * `collapsedCount` they carried (the number of older pushes each one replaced;
 * absent before collapse existed). Small: a push costs one id and one number.
 */

/** The pushes one recipient received, in arrival order. */
export interface RecipientPushes {
  messageIds: string[];
  /** Epoch ms of each arrival, parallel to `messageIds`. */
  at: number[];
  /** `collapsedCount` of the last push; null if it carried none. */
  lastCollapsedCount: number | null;
  /** Sum of `collapsedCount` over its pushes (absent counts 0). */
  collapsedSum: number;
}

/** The parts of a push body the log needs; undefined when the body is not a push. */
export function pushOf(body: string): { recipientId: string; messageId: string; collapsedCount: number | null } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { recipientId, messageId, collapsedCount } = parsed as Record<string, unknown>;
  if (typeof recipientId !== 'string' || typeof messageId !== 'string') return undefined;
  return { recipientId, messageId, collapsedCount: typeof collapsedCount === 'number' ? collapsedCount : null };
}

/** Per-recipient push sequences. */
export class RecipientLog {
  private readonly byRecipient = new Map<string, RecipientPushes>();
  /** Bodies that were not pushes (never expected; counted so a format change cannot hide). */
  unreadable = 0;

  /** Records the push whose JSON body is `body`, answered at `at`. */
  add(body: string, at: number): void {
    const push = pushOf(body);
    if (!push) return void (this.unreadable += 1);
    let entry = this.byRecipient.get(push.recipientId);
    if (!entry) {
      entry = { messageIds: [], at: [], lastCollapsedCount: null, collapsedSum: 0 };
      this.byRecipient.set(push.recipientId, entry);
    }
    entry.messageIds.push(push.messageId);
    entry.at.push(at);
    entry.lastCollapsedCount = push.collapsedCount;
    entry.collapsedSum += push.collapsedCount ?? 0;
  }

  /** Everything recorded, by recipient id. */
  snapshot(): { recipients: Record<string, RecipientPushes>; unreadable: number } {
    return { recipients: Object.fromEntries(this.byRecipient), unreadable: this.unreadable };
  }
}
