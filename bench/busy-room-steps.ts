/**
 * Steps the busy-room scenarios share: a service (producer and queue prefix)
 * with a consumer started for the duration of some work, messages posted in
 * acceptance order, and waiting until every message has settled.
 */
import type { RedisClient } from 'redis';
import { waitFor } from '../src/core/wait-for';
import type { MessageCounts } from './api-client';
import type { RoomMessage } from './busy-room-plan';
import { firstExit } from './children';
import { prepareMessage, type PreparedMessage } from './payload';
import type { ProxyHandle } from './proxy';
import { type ProducerHandle, spawnConsumer } from './service';
import type { RedisTarget, Workspace } from './workspace';

/** One producer configuration and the queues it writes. */
export interface BusyService {
  producer: ProducerHandle;
  prefix: string;
}

/** What the busy-room scenarios need. */
export interface BusyRoomContext {
  ws: Workspace;
  target: RedisTarget;
  redis: RedisClient;
  /** The scenario's own proxy: its cap and recipient log affect no other scenario. */
  proxy: ProxyHandle;
  flush: () => Promise<void>;
  /** COLLAPSE_HOLD_MS=0 (the default, explicit). */
  plain: BusyService;
  /** COLLAPSE_HOLD_MS=250. */
  hold: BusyService;
  /** Length of the sustained stream, in seconds. */
  sustainedSeconds: number;
  /** Run the sustained stream in this run (it is long: the first run only, by default). */
  sustained: (run: number) => boolean;
}

/** The message to post for `m`, with `collapseKey` (null: none) and its place in the burst as its text. */
export function busyMessage(m: RoomMessage, collapseKey: string | null): PreparedMessage {
  return prepareMessage(m.messageId, m.recipients, { roomId: m.roomId, senderId: m.senderId, collapseKey, text: `Message ${m.round + 1} in ${m.roomId}` });
}

/**
 * Posts the messages one after another, the next no sooner than `beatMs`
 * after the previous one started and never before its 202: so acceptance
 * order is the list's order. Resolves with each message's POST start (epoch ms).
 */
export async function postInOrder(service: BusyService, messages: readonly PreparedMessage[], beatMs: number): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  const start = performance.now();
  for (const [i, message] of messages.entries()) {
    const wait = start + i * beatMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const r = await service.producer.api.post(message);
    if (r.accepted !== message.recipients.length) throw new Error(`${message.messageId}: accepted ${r.accepted} of ${message.recipients.length}`);
    started.set(message.messageId, r.startedAt);
  }
  return started;
}

/** Totals of the messages' status counts. */
export interface SettledCounts {
  accepted: number;
  delivered: number;
  failed: number;
  expired: number;
  /** Sum of `collapsed`; null when the service does not report it (before collapse existed). */
  collapsed: number | null;
}

/** Polls GET /v1/messages/:id until every message has pending 0; resolves with the summed counts. */
export async function waitSettled(service: BusyService, messageIds: readonly string[], timeoutMs: number): Promise<SettledCounts> {
  const all = await waitFor(
    async () => {
      const counts = await Promise.all(messageIds.map((id) => service.producer.api.status(id)));
      return counts.every((c) => c.pending === 0) ? counts : undefined;
    },
    { timeoutMs, intervalMs: 200, description: `every message of ${service.prefix} to have pending 0` },
  );
  return sumCounts(all);
}

function sumCounts(counts: readonly MessageCounts[]): SettledCounts {
  const sum = (pick: (c: MessageCounts) => number): number => counts.reduce((n, c) => n + pick(c), 0);
  const reported = counts.every((c) => typeof c.collapsed === 'number');
  return {
    accepted: sum((c) => c.accepted),
    delivered: sum((c) => c.delivered),
    failed: sum((c) => c.failed),
    expired: sum((c) => c.expired),
    collapsed: reported ? sum((c) => c.collapsed ?? 0) : null,
  };
}

/**
 * Starts one service consumer on `service`'s queues, runs `work`, and stops
 * the consumer (gracefully) whatever happens. A consumer that exits fails
 * the work at once instead of at a timeout.
 */
export async function withConsumer<T>(ctx: BusyRoomContext, service: BusyService, name: string, work: () => Promise<T>): Promise<T> {
  const consumer = await spawnConsumer(ctx.ws, ctx.target, service.prefix, ctx.proxy.url, `consumer-${service.prefix}-${name}`);
  const death = firstExit([consumer.child]).then((why) => Promise.reject(new Error(`busy-room ${name}: ${why}`)));
  death.catch(() => undefined);
  try {
    return await Promise.race([work(), death]);
  } finally {
    await consumer.child.stop();
  }
}

/** Posts a 2-recipient message outside any room and waits until both pushes arrive: the consumer is connected and warm. */
export async function warmUp(ctx: BusyRoomContext, service: BusyService, tag: string): Promise<void> {
  await ctx.proxy.reset();
  await service.producer.api.post(prepareMessage(`${tag}w`, ['warm-a', 'warm-b'], { collapseKey: null }));
  await ctx.proxy.waitFor(2, 60_000);
}
