/**
 * The memory soak (`--soak`): one service consumer delivers 1,000,000
 * pushes (by default) while its RSS is sampled every 2 s. Messages of
 * 10,000 recipients are posted while it consumes, keeping at most 100,000
 * pushes waiting so Redis memory stays bounded. After a warm-up (the first
 * 10% of pushes: JIT, pools and heap settle), RSS should stay within ±10%
 * of its first post-warm-up sample; a leak shows as a steady climb.
 */
import { prepareMessage, recipientIds } from './payload';
import { BACKLOG_ROOM } from './backlog';
import { drainTimeoutMs } from './drain';
import { rssBytes } from './procfs';
import { range } from './stats';
import type { DeliveryContext } from './delivery';
import { serviceSubject } from './subjects';

const SAMPLE_MS = 2_000;
const MAX_WAITING = 100_000;
const WARM_UP_SHARE = 0.1;
const TOLERANCE = 0.1;

/** One RSS sample. */
export interface SoakSample {
  atMs: number;
  delivered: number;
  rssBytes: number;
}

/** The soak's verdict. */
export interface SoakResult {
  pushes: number;
  seconds: number;
  pps: number;
  rss: { firstBytes: number; lastBytes: number; minBytes: number; maxBytes: number };
  afterWarmUp: { referenceBytes: number; minBytes: number; maxBytes: number; lastDriftPct: number; withinTolerance: boolean };
  samples: SoakSample[];
}

/** Runs the soak on the standalone setup. */
export async function runSoak(ctx: DeliveryContext, pushes: number): Promise<SoakResult> {
  await ctx.flush();
  const subject = serviceSubject(ctx, 'soak');
  const { pids, spawnedAt } = await subject.spawn();
  const pid = pids[0] ?? 0;
  const samples: SoakSample[] = [];
  const timer = setInterval(() => {
    void ctx.proxy.count().then(({ count }) => {
      samples.push({ atMs: Date.now() - spawnedAt, delivered: count, rssBytes: rssBytes(pid) });
      if (samples.length % 5 === 0) process.stderr.write(`soak: ${count} delivered, consumer RSS ${(rssBytes(pid) / 2 ** 20).toFixed(1)} MiB\n`);
    });
  }, SAMPLE_MS);
  try {
    await feed(ctx, pushes);
    const done = await ctx.proxy.waitFor(pushes, drainTimeoutMs(pushes));
    const seconds = (done.reachedAt - spawnedAt) / 1000;
    return verdict(pushes, seconds, samples);
  } finally {
    clearInterval(timer);
    await subject.stop();
    await ctx.flush();
  }
}

/** Posts 10k-recipient messages whenever fewer than MAX_WAITING pushes are undelivered. */
async function feed(ctx: DeliveryContext, pushes: number): Promise<void> {
  const full = recipientIds(BACKLOG_ROOM);
  let posted = 0;
  for (let i = 0; posted < pushes; ) {
    const { count } = await ctx.proxy.count();
    if (posted - count >= MAX_WAITING) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const recipients = pushes - posted >= BACKLOG_ROOM ? full : full.slice(0, pushes - posted);
    await ctx.producer.api.post(prepareMessage(`soak${i++}`, recipients));
    posted += recipients.length;
  }
}

function verdict(pushes: number, seconds: number, samples: SoakSample[]): SoakResult {
  const all = samples.filter((s) => Number.isFinite(s.rssBytes));
  const warm = all.filter((s) => s.delivered >= pushes * WARM_UP_SHARE);
  const allRange = range(all.map((s) => s.rssBytes));
  const warmRange = range(warm.map((s) => s.rssBytes));
  const reference = warm[0]?.rssBytes ?? Number.NaN;
  const last = all[all.length - 1]?.rssBytes ?? Number.NaN;
  const within = warm.length > 1 && warm.every((s) => Math.abs(s.rssBytes - reference) <= reference * TOLERANCE);
  return {
    pushes,
    seconds,
    pps: pushes / seconds,
    rss: { firstBytes: all[0]?.rssBytes ?? Number.NaN, lastBytes: last, minBytes: allRange.min, maxBytes: allRange.max },
    afterWarmUp: {
      referenceBytes: reference,
      minBytes: warmRange.min,
      maxBytes: warmRange.max,
      lastDriftPct: ((last - reference) / reference) * 100,
      withinTolerance: within,
    },
    samples: all,
  };
}
