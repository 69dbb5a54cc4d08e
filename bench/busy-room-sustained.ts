/**
 * Scenario 5C, a sustained stream against an upstream that can take only
 * half of it: 100 rooms of 20 members, one message per room per second
 * (1,900 pushes/s offered; messages spread evenly, one every 10 ms, the
 * rooms in turn), for `--busy-seconds` (60), while one consumer sends to a
 * proxy that answers at most 950 pushes/s. The backlog (waiting + delayed
 * jobs over every shard of both lanes) is sampled every second.
 *
 * With the rooms' collapseKeys, the stream is then left to drain, and every
 * recipient's last push must be its room's newest message it is a recipient
 * of. Without keys (the control), the drain would take about as long again:
 * the backlog is reported and the run stops.
 */
import { type BacklogFigures, type BacklogSample, backlogFigures, checkOrder, collapsedTotal, type OrderCheck, overlapping, quarterMarks } from './busy-room-figures';
import { type RoomMessage, roomMembers, roomMessage } from './busy-room-plan';
import { type BusyRoomContext, busyMessage, withConsumer, warmUp } from './busy-room-steps';
import { postPaced } from './latency';
import { queueTotals } from './queue-backlog';
import type { PostResult } from './api-client';
import { waitFor } from '../src/core/wait-for';
import os from 'node:os';

export const SUSTAINED_ROOMS = 100;
export const SUSTAINED_ROOM_SIZE = 20;
/** The proxy's cap: about half of the 1,900 pushes/s offered. */
export const PROXY_CAP_PPS = 950;

/** One mode of the stream. */
export interface SustainedRun {
  mode: string;
  seconds: number;
  offeredPushes: number;
  /** Messages per second actually posted (first to last POST start). */
  postedMessagesPerSecond: number;
  backlog: BacklogFigures;
  /** Pushes the proxy answered during the stream, per second. */
  answeredPerSecond: number;
  samples: BacklogSample[];
  /** The machine's 1-minute load average at the end of the stream. */
  load: number;
  /** Messages of a room whose POST started before the room's previous one was answered (acceptance order unsure); should be 0. */
  overlapping: number;
  /** With collapse only: the drain after the stream. */
  drain?: { seconds: number; requests: number; order: OrderCheck; collapsedCountSum: number };
  /** Without collapse: pushes received older than one the recipient already had (during the stream). */
  olderAfterNewer?: number;
}

/** Both modes, collapse first. */
export async function runSustained(ctx: BusyRoomContext, run: number, progress: (text: string) => void): Promise<SustainedRun[]> {
  const out: SustainedRun[] = [];
  for (const collapse of [true, false]) {
    progress(`run ${run}: busy-room sustained, ${collapse ? 'collapse' : 'no collapseKey'} (${ctx.sustainedSeconds} s at a ${PROXY_CAP_PPS}/s proxy)`);
    out.push(await oneMode(ctx, collapse, `bs${run}${collapse ? 'c' : 'n'}`));
  }
  return out;
}

/** The stream's messages: index i is room i % rooms, its round i / rooms. */
function streamPlan(tag: string, seconds: number): RoomMessage[] {
  const rooms = Array.from({ length: SUSTAINED_ROOMS }, (_, r) => `${tag}r${r}`);
  const members = rooms.map((roomId) => roomMembers(roomId, SUSTAINED_ROOM_SIZE));
  return Array.from({ length: SUSTAINED_ROOMS * seconds }, (_, i) => {
    const r = i % SUSTAINED_ROOMS;
    const round = Math.floor(i / SUSTAINED_ROOMS);
    return roomMessage(rooms[r] ?? '', members[r] ?? [], round, `${tag}r${r}n${round}`);
  });
}

async function oneMode(ctx: BusyRoomContext, collapse: boolean, tag: string): Promise<SustainedRun> {
  const service = ctx.plain;
  const messages = streamPlan(tag, ctx.sustainedSeconds);
  await ctx.flush();
  try {
    return await withConsumer(ctx, service, `sustained-${tag}`, async () => {
      await warmUp(ctx, service, tag);
      await ctx.proxy.cap(PROXY_CAP_PPS);
      await ctx.proxy.reset();
      await ctx.proxy.recordRecipients();
      const sampler = startSampler(ctx, service.prefix);
      const beatMs = 1000 / SUSTAINED_ROOMS;
      const answers = await postPaced(service.producer.api, beatMs, (i) => {
        const m = messages[i];
        return m && busyMessage(m, collapse ? m.roomId : null);
      }).finally(() => sampler.stop());
      const samples = await sampler.done;
      const base = streamFigures(ctx, messages, answers, samples, collapse);
      if (!collapse) {
        const { recipients } = await ctx.proxy.recipients();
        return { ...base, olderAfterNewer: checkOrder(messages, recipients).olderAfterNewer };
      }
      return { ...base, drain: await drain(ctx, service.prefix, messages) };
    });
  } finally {
    await ctx.proxy.cap(0);
    await ctx.flush();
  }
}

function streamFigures(ctx: BusyRoomContext, messages: readonly RoomMessage[], answers: Map<string, PostResult>, samples: BacklogSample[], collapse: boolean): SustainedRun {
  const starts = [...answers.values()].map((r) => r.startedAt);
  const postedSeconds = (Math.max(...starts) - Math.min(...starts)) / 1000;
  const last = samples[samples.length - 1];
  return {
    mode: collapse ? 'collapse' : 'no collapseKey',
    seconds: ctx.sustainedSeconds,
    offeredPushes: messages.reduce((n, m) => n + m.recipients.length, 0),
    postedMessagesPerSecond: postedSeconds > 0 ? (answers.size - 1) / postedSeconds : Number.NaN,
    backlog: backlogFigures(samples, quarterMarks(ctx.sustainedSeconds)),
    answeredPerSecond: last && last.atS > 0 ? last.answered / last.atS : Number.NaN,
    samples,
    overlapping: overlapping(messages, answers),
    load: os.loadavg()[0] ?? Number.NaN,
  };
}

/** Samples the backlog and the proxy's count about once a second until stopped. */
function startSampler(ctx: BusyRoomContext, prefix: string): { stop: () => void; done: Promise<BacklogSample[]> } {
  let stopped = false;
  const samples: BacklogSample[] = [];
  const start = Date.now();
  const loop = async (): Promise<BacklogSample[]> => {
    for (let n = 0; ; n++) {
      const [totals, { count }] = await Promise.all([queueTotals(ctx.redis, prefix), ctx.proxy.count()]);
      samples.push({ atS: (Date.now() - start) / 1000, backlog: totals.waiting + totals.delayed, answered: count });
      if (stopped) return samples;
      const wait = start + (n + 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  const done = loop();
  done.catch(() => undefined); // awaited by the caller, unless the stream failed first
  return { stop: () => void (stopped = true), done };
}

/** Waits until no job is waiting, active or delayed, then checks what every recipient got. */
async function drain(ctx: BusyRoomContext, prefix: string, messages: readonly RoomMessage[]): Promise<NonNullable<SustainedRun['drain']>> {
  const start = Date.now();
  // Without collapse the backlog would take about as long as the stream again; give it twice that, plus slack.
  const timeoutMs = 60_000 + ctx.sustainedSeconds * 2_000;
  await waitFor(async () => {
    const t = await queueTotals(ctx.redis, prefix);
    return t.waiting + t.active + t.delayed === 0;
  }, { timeoutMs, intervalMs: 250, description: 'the sustained backlog to drain' });
  const seconds = (Date.now() - start) / 1000;
  const { count } = await ctx.proxy.count();
  const { recipients } = await ctx.proxy.recipients();
  return { seconds, requests: count, order: checkOrder(messages, recipients), collapsedCountSum: collapsedTotal(recipients) };
}
