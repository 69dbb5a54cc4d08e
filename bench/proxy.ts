/**
 * The bench's handle on the stand-in proxy process (./proxy-process.ts). The
 * harness's startStandInProxy would run inside the bench process and keep a
 * map entry per push; a separate, count-only process costs the measured
 * consumer nothing and stays flat over a million pushes.
 */
import type { Reached } from './arrival-counter';
import type { Span } from './arrival-recording';
import { type Helper, startHelper, waitForCount } from './helpers';
import type { RecipientPushes } from './recipient-log';
import type { Workspace } from './workspace';

/** Counts since the last reset. */
export interface ProxyCount {
  count: number;
  firstAt: number;
  /** TCP connections opened by clients (one per push without keep-alive). */
  connections: number;
}

/** A running stand-in proxy. */
export interface ProxyHandle {
  url: string;
  pid: number;
  /**
   * Zeroes the counts. With `record` true, keeps each push's arrival time
   * until {@link arrivals}; with a string, only of message ids starting with
   * it, and a {@link others} span of the rest.
   */
  reset(record?: boolean | string): Promise<void>;
  count(): Promise<ProxyCount>;
  /** Resolves when `target` pushes arrived since the reset, with the time of the first and of the target one. */
  waitFor(target: number, timeoutMs: number): Promise<Reached>;
  /** Arrival times (epoch ms) per message id, recorded since reset(true). */
  arrivals(): Promise<Record<string, number[]>>;
  /** Count and first/last arrival of the recorded pushes outside the followed prefix (before {@link arrivals}). */
  others(): Promise<Span>;
  /** Starts a fresh per-recipient log of pushes (see ./recipient-log.ts); reset() leaves it alone. */
  recordRecipients(): Promise<void>;
  /** The per-recipient log since recordRecipients(), then ends it. */
  recipients(): Promise<{ recipients: Record<string, RecipientPushes>; unreadable: number }>;
  /** Answers at most `perSecond` pushes per second from now on (requests queue); 0 removes the cap. */
  cap(perSecond: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the proxy process. */
export async function startProxy(ws: Workspace): Promise<ProxyHandle> {
  const helper: Helper = await startHelper(ws, 'proxy', 'proxy-process');
  const { url } = helper.info as { url: string };
  return {
    url,
    pid: helper.child.pid,
    reset: async (record = false) => void (await helper.ipc.call('reset', record)),
    count: async () => (await helper.ipc.call('count')) as ProxyCount,
    waitFor: (target, timeoutMs) => waitForCount(helper, target, timeoutMs),
    arrivals: async () => (await helper.ipc.call('arrivals')) as Record<string, number[]>,
    others: async () => (await helper.ipc.call('others')) as Span,
    recordRecipients: async () => void (await helper.ipc.call('recordRecipients')),
    recipients: async () => (await helper.ipc.call('recipients')) as { recipients: Record<string, RecipientPushes>; unreadable: number },
    cap: async (perSecond) => void (await helper.ipc.call('cap', perSecond)),
    stop: () => helper.child.stop(5_000),
  };
}
