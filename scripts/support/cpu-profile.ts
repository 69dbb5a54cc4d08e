/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and ranks where
 * the busy time went, by self time. Busy time leaves out two pseudo-nodes:
 * `(idle)`, the event loop waiting for I/O, and `(program)`, time V8 could
 * not attribute to any JavaScript or GC (process start, native code outside
 * a JS call). `(garbage collector)` stays: collecting is work done.
 */

/** The part of a V8 CPU profile read here. */
export interface CpuProfile {
  /** Microseconds on the monotonic clock (process.hrtime's). */
  startTime: number;
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the busy time. */
export interface ProfileEntry {
  /** `name (file:line)`, the file shortened to what follows node_modules/ or the project's dist/. */
  name: string;
  /** A coarse owner: a package name, `node:` internals, `service`, or a pseudo-node such as `(garbage collector)`. */
  owner: string;
  selfMs: number;
  /** Of busy time. */
  share: number;
}

/** Summary of one profile. */
export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  /** Per function, largest self time first. */
  entries: ProfileEntry[];
  /** Per owner, largest first. */
  owners: Array<{ owner: string; selfMs: number; share: number }>;
}

/** Pseudo-nodes that are not busy time. */
export const EXCLUDED = ['(idle)', '(program)'] as const;

function shortFile(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

/** Who a frame belongs to (see {@link ProfileEntry.owner}). */
export function ownerOf(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  if (!url.includes('node_modules/')) return 'service';
  const parts = shortFile(url).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url);
}

/**
 * Self time per function and per owner, busy time only; with `window`
 * (monotonic µs, as process.hrtime), only the samples taken inside it.
 */
export function summarizeProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { owner: string; us: number }>();
  let totalUs = 0;
  let busyUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample: it belongs to sample i.
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    totalUs += us;
    const frame = byId.get(id)?.callFrame;
    if (!frame || (EXCLUDED as readonly string[]).includes(frame.functionName)) return;
    busyUs += us;
    const name = frame.url === '' ? frame.functionName : `${frame.functionName || '(anonymous)'} (${shortFile(frame.url)}:${frame.lineNumber + 1})`;
    const entry = selfUs.get(name) ?? { owner: ownerOf(frame.functionName, frame.url), us: 0 };
    entry.us += us;
    selfUs.set(name, entry);
  });
  const share = (us: number): number => (busyUs > 0 ? us / busyUs : 0);
  const entries = [...selfUs].map(([name, e]) => ({ name, owner: e.owner, selfMs: e.us / 1000, share: share(e.us) })).sort((a, b) => b.selfMs - a.selfMs);
  const owners = new Map<string, number>();
  for (const e of entries) owners.set(e.owner, (owners.get(e.owner) ?? 0) + e.selfMs);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    entries,
    owners: [...owners].map(([owner, selfMs]) => ({ owner, selfMs, share: busyUs > 0 ? (selfMs * 1000) / busyUs : 0 })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The top `n` functions by self time as a markdown table, with µs per push. */
export function topTable(summary: ProfileSummary, pushes: number, n = 5): string {
  const rows = summary.entries.slice(0, n).map((e, i) => `| ${i + 1} | \`${e.name}\` | ${e.owner} | ${e.selfMs.toFixed(0)} | ${pct(e.share)} | ${((e.selfMs * 1000) / pushes).toFixed(1)} |`);
  return ['| # | function (self time) | owner | self ms | of busy | µs per push |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Busy time per owner as a markdown table (owners below 1% folded into "rest"). */
export function ownerTable(summary: ProfileSummary, pushes: number): string {
  const big = summary.owners.filter((o) => o.share >= 0.01);
  const rest = summary.owners.filter((o) => o.share < 0.01).reduce((sum, o) => sum + o.selfMs, 0);
  const rows = [...big, ...(rest > 0 ? [{ owner: 'rest (< 1% each)', selfMs: rest, share: summary.busyMs > 0 ? rest / summary.busyMs : 0 }] : [])];
  return ['| owner | self ms | of busy | µs per push |', '|---|---|---|---|', ...rows.map((o) => `| ${o.owner} | ${o.selfMs.toFixed(0)} | ${pct(o.share)} | ${((o.selfMs * 1000) / pushes).toFixed(1)} |`)].join('\n');
}
