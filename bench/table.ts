/**
 * Renders the summaries as markdown tables for the terminal: every figure
 * with its unit, and what likely limited it.
 */
import type { BroadcastSummary, DeliverySummary, DrainSummary, IntakeSummary, ScaleSummary } from './summary';
import type { TargetCheck } from './broadcast-figures';
import { BROADCAST_CONFIGS } from './broadcast';
import { DISTURBED_CORES } from './limits';
import { SMALL_MESSAGES } from './redis-memory';
import type { SoakResult } from './soak';

/** Formats a count per second: 12,345. */
export function pps(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

function fixed(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
}

/** A markdown table from a header and rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The intake section. */
export function intakeSection(s: IntakeSummary, runs: number): string {
  const rows = s.sizes.map((z) => [
    z.size.toLocaleString('en-US'),
    pps(z.api.value),
    pps(z.lpush.value),
    pps(z.saveAll.value),
    fixed(z.apiVsLpush, 2),
    fixed(z.apiVsSaveAll, 2),
    z.api.limit,
  ]);
  const limits = s.sizes.map((z) => [z.size.toLocaleString('en-US'), z.lpush.limit, z.saveAll.limit]);
  return [
    `## 1. Intake: pushes/s accepted (median of ${runs} run(s); ratios are per-run medians)`,
    '',
    table(['room', 'API (POST→202)', 'LPUSH floor', 'saveAll', 'API/LPUSH', 'API/saveAll', 'API limited by'], rows),
    '',
    table(['room', 'LPUSH floor limited by', 'saveAll limited by'], limits),
    '',
    `- Producer RSS during the ${s.rss.size.toLocaleString('en-US')}-recipient request: ${mib(s.rss.baselineBytes)} before, max ${mib(s.rss.maxBytes)} (VmRSS every 50 ms)`,
    `- API latency, 1k room, ${s.latency1k.requests} sequential requests: p50 ${fixed(s.latency1k.p50Ms, 1)} ms, p99 ${fixed(s.latency1k.p99Ms, 1)} ms`,
  ].join('\n');
}

function drainRow(name: string, d: DrainSummary): string[] {
  return [
    name,
    pps(d.pps.value),
    pps(d.steadyPps),
    fixed(d.startupMs, 0),
    fixed(d.cpuUsPerPush, 0),
    fixed(d.warmCpuUsPerPush, 0),
    fixed(d.cores['consumer'], 2),
    fixed(d.cores['redis-server'], 2),
    fixed(d.cores['stand-in proxy'], 2),
    fixed(d.cores['other'], 2),
    d.pps.limit,
  ];
}

/** A warning line if CPU outside the measured processes was high during any of these drains. */
export function disturbance(drains: ReadonlyArray<readonly [string, DrainSummary]>): string[] {
  const hit = drains.filter(([, d]) => (d.cores['other'] ?? 0) >= DISTURBED_CORES);
  if (hit.length === 0) return [];
  const list = hit.map(([name, d]) => `${name} ${fixed(d.cores['other'], 2)}`).join(', ');
  return [`- WARNING: CPU outside the measured processes during: ${list} cores (median); those figures are disturbed (another workload on the machine?)`];
}

const DRAIN_HEADER = ['consumer', 'pushes/s (spawn→last)', 'steady pushes/s', 'startup ms', 'CPU µs/push', 'warm CPU µs/push (2nd half)', 'consumer cores', 'redis cores', 'proxy cores', 'other cores', 'limited by'];

/** The delivery section. */
export function deliverySection(s: DeliverySummary, pushes: number, latencySeconds: number): string {
  return [
    `## 2. Delivery: 1 consumer process, CONSUMER_CONCURRENCY=50, QUEUE_SHARDS=16, ${pushes.toLocaleString('en-US')} pushes`,
    '',
    'Method: the backlog is posted through the API with no consumer running; the clock runs from the consumer',
    'process spawn to the last push counted (process start included, shown as startup). Steady = first→last push.',
    'Cores and CPU µs/push cover first→last push (utime+stime from /proc/<pid>/stat); warm CPU µs/push only the second',
    "half of the pushes (the consumer's code compiled by then: V8's compiler threads count in the first figure);",
    '"other" is the rest of the',
    "machine's busy time (/proc/stat): kernel network work, the bench itself, anything else running.",
    '',
    table(DRAIN_HEADER, [drainRow('service', s.service), drainRow('no-op ceiling', s.noop), drainRow('HTTP floor (no-op + bare undici POST)', s.floor), drainRow('naive axios (16 shards)', s.naive), drainRow('seed-style (1 queue, axios.post)', s.seed)]),
    '',
    `- pushes/s ratios (per run, median): service / no-op ${fixed(s.serviceVsNoop, 2)} (steady ${fixed(s.steadyServiceVsNoop, 2)}); service / seed ${fixed(s.serviceVsSeed, 2)} (steady ${fixed(s.steadyServiceVsSeed, 2)}); service / naive ${fixed(s.serviceVsNaive, 2)} (steady ${fixed(s.steadyServiceVsNaive, 2)})`,
    `- CPU per push ratios (per run, median): no-op / service ${fixed(s.cpuNoopVsService, 2)}; seed / service ${fixed(s.cpuSeedVsService, 2)}; naive / service ${fixed(s.cpuNaiveVsService, 2)}`,
    `- Warm CPU per push ratios (second half of each drain, per run, median): no-op / service ${fixed(s.warmNoopVsService, 2)}; seed / service ${fixed(s.warmSeedVsService, 2)}; naive / service ${fixed(s.warmNaiveVsService, 2)}`,
    `- HTTP floor (per run, median): floor / no-op ${fixed(s.floorVsNoop.steady, 2)} steady pushes/s, ${fixed(s.floorVsNoop.cpu, 2)} CPU, ${fixed(s.floorVsNoop.warm, 2)} warm CPU: the most of the no-op ceiling that a consumer making one bare HTTP exchange per push reached; service / floor ${fixed(s.serviceVsFloor, 2)} (steady ${fixed(s.steadyServiceVsFloor, 2)}), CPU floor / service ${fixed(s.cpuFloorVsService, 2)} (warm ${fixed(s.warmFloorVsService, 2)})`,
    `- Cross-checks: the service consumer's push_fanout_pushes_total{outcome="delivered"} read ${pps(s.serviceMetricsDelivered)} after its drain (proxy counted ${pps(pushes)}); the naive consumer opened ${pps(s.naiveConnections)} TCP connections for ${pps(pushes)} pushes`,
    ...disturbance([['service', s.service], ['no-op', s.noop], ['floor', s.floor], ['naive', s.naive], ['seed', s.seed]]),
    `- Redis memory per push (a service drain of its own; used_memory less client buffers over the flushed server, the same connections open): ${fixed(s.memory.queuedBytes, 0)} B queued (backlog posted, no consumer); ${fixed(s.memory.retainedBytes, 1)} B retained after delivery (every job gone, consumer stopped), of which every key of the deployment ${fixed(s.memory.allKeyBytes, 2)} B and the outcome keys (markers and counters) ${fixed(s.memory.outcomeKeyBytes, 2)} B (MEMORY USAGE); target ≤ 4 B retained`,
    `- Redis memory per 1:1 message (${pps(SMALL_MESSAGES)} messages of one recipient each, drained by the service, MEMORY USAGE): ${fixed(s.memory.smallMessageKeyBytes, 0)} B of keys per message (every key of the deployment: its record, markers and counters, and the shards' own keys), of which the outcome keys ${fixed(s.memory.smallMessageOutcomeKeyBytes, 0)} B`,
    `- Accept→proxy latency at half the steady service rate (${pps(s.latency.targetPps)}/s target, ${pps(s.latency.offeredPps)}/s offered, ${latencySeconds} s, POST start → arrival): p50 ${fixed(s.latency.p50Ms, 1)} ms, p99 ${fixed(s.latency.p99Ms, 1)} ms, max ${fixed(s.latency.maxMs, 1)} ms`,
  ].join('\n');
}

/** The scale section. */
export function scaleSection(s: ScaleSummary, clusterRequested: boolean): string {
  const rows = [drainRow('1 consumer, standalone', s.one), drainRow('2 consumers, standalone', s.two)];
  if (s.cluster) rows.push(drainRow('1 consumer, 3+3 cluster', s.cluster));
  const lines = [`## 3. Scale (same drain as 2.)`, '', table(DRAIN_HEADER, rows), '', `- 2 consumers / 1: ${fixed(s.twoVsOne, 2)}`];
  lines.push(...disturbance([['1 consumer', s.one], ['2 consumers', s.two], ...(s.cluster ? [['cluster', s.cluster] as const] : [])]));
  if (s.cluster) lines.push(`- cluster / standalone (1 consumer): ${fixed(s.clusterVsStandalone, 2)} (redis cores = all 6 nodes)`);
  for (const err of s.clusterErrors) lines.push(`- cluster drain FAILED in a run: ${err.split('\n').join('\n  ')}`);
  if (!s.cluster && s.clusterErrors.length === 0) lines.push(clusterRequested ? '- cluster: could not be set up (see the failures below)' : '- cluster: skipped (--no-cluster)');
  return lines.join('\n');
}

function verdict(t: TargetCheck | undefined): string {
  if (!t) return 'n/a';
  return `${t.met ? 'met' : 'NOT met'} (${t.runsMet}/${t.runs} runs)`;
}

/** The broadcast section: both service configurations side by side, then the targets. */
export function broadcastSection(s: BroadcastSummary, plan: { recipients: number; messagesPerSecond: number; minRecipients: number; maxRecipients: number }): string {
  const rows = s.rows.map((r) => [r.label, fixed(r.p50Ms, 1), fixed(r.p99Ms, 1), fixed(r.maxMs, 1), pps(r.alonePps), pps(r.mixedPps), fixed(r.mixedVsAlone, 2), pps(r.interactivePushes)]);
  const names = s.rows[0]?.targets.map((t) => t.name) ?? [];
  const targets = names.map((name, i) => [name, ...s.rows.map((r) => verdict(r.targets[i]))]);
  return [
    `## 4. Latency under broadcast: 1 consumer, ${plan.recipients.toLocaleString('en-US')}-recipient broadcast, ${plan.messagesPerSecond} interactive messages/s beside it (median of ${s.runs} run(s))`,
    '',
    `Method: per configuration, its own producer and one consumer. Alone = a ${plan.recipients.toLocaleString('en-US')}-recipient broadcast, first to last push at`,
    `the proxy. Mixed = another one, with ${plan.messagesPerSecond} messages/s of ${plan.minRecipients}–${plan.maxRecipients} recipients (seed ${s.seed}) posted from just after its POST starts`,
    'until it has drained; rate = broadcast pushes plus the interactive ones that arrived between its first and last push.',
    'Latency = POST start → arrival at the proxy, for every interactive push.',
    '',
    table(['service', 'interactive p50 ms', 'p99 ms', 'max ms', 'broadcast alone pushes/s', 'mixed pushes/s', 'mixed / alone', 'interactive pushes'], rows),
    '',
    table(['target (issue 10), on the medians', ...s.rows.map((r) => r.label)], targets),
    '',
    `- Producer settings: ${BROADCAST_CONFIGS.map((c) => `${c.label}: ${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ') || 'the defaults'}`).join('; ')}.`,
    '  Code without lanes ignores BULK_MIN_RECIPIENTS, so there both rows show the same, unchanged behaviour.',
  ].join('\n');
}

/** The soak section. */
export function soakSection(s: SoakResult): string {
  const w = s.afterWarmUp;
  const rows = [
    ['all samples (every 2 s)', mib(s.rss.firstBytes), mib(s.rss.lastBytes), mib(s.rss.minBytes), mib(s.rss.maxBytes)],
    ['after warm-up (first 10% of pushes)', mib(w.referenceBytes), mib(s.rss.lastBytes), mib(w.minBytes), mib(w.maxBytes)],
  ];
  return [
    `## Soak: ${s.pushes.toLocaleString('en-US')} pushes through one consumer in ${s.seconds.toFixed(0)} s (${pps(s.pps)}/s, posted while consuming)`,
    '',
    table(['consumer RSS', 'first', 'last', 'min', 'max'], rows),
    '',
    `- Stays within ±10% of its first post-warm-up sample: ${w.withinTolerance ? 'yes' : 'NO'} (last ${fixed(w.lastDriftPct, 1)}% from it)`,
  ].join('\n');
}
