/**
 * What a benchmark invocation leaves behind: the markdown report on stdout
 * (then the summary JSON), and every per-run figure in
 * bench/results/bench-<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './args';
import { BROADCAST_RECIPIENTS, type BroadcastRun, trafficPlan } from './broadcast';
import type { DeliveryRun } from './delivery';
import type { IntakeRun } from './intake';
import type { BusyRoomRun } from './busy-room';
import { busyRoomSection, summarizeBusyRoom } from './busy-room-report';
import type { ScaleRun } from './scale';
import type { SoakResult } from './soak';
import { summarizeBroadcast, summarizeDelivery, summarizeIntake, summarizeScale } from './summary';
import { broadcastSection, deliverySection, intakeSection, scaleSection } from './table';

/** Per-run results of every scenario. */
export interface Results {
  intake: IntakeRun[];
  delivery: DeliveryRun[];
  scale: ScaleRun[];
  broadcast: BroadcastRun[];
  busyRoom: BusyRoomRun[];
  /** Scenario runs that failed (a broken build mid-edit, a crash); the others still count. */
  errors: Array<{ scenario: string; run: number; message: string }>;
}

/** The report of one invocation. */
export interface Outcome {
  text: string;
  summary: Record<string, unknown>;
  results?: Results;
  soak?: SoakResult;
}

/** About the invocation: when, where, on what code. */
export interface RunMeta {
  startedAt: string;
  wallSeconds: number;
  node: string;
  redis: string;
  cpus: number;
  loadAverage: { before: number[]; after: number[] };
  git: { commit: string; dirty: boolean };
  options: BenchOptions;
  notes: string[];
}

/** The tables and summary of the scenarios that ran. */
export function scenarioReport(results: Results, options: BenchOptions): Outcome {
  const sections: string[] = [];
  const summary: Record<string, unknown> = {};
  if (results.intake.length > 0) {
    const s = (summary['intake'] = summarizeIntake(results.intake));
    sections.push(intakeSection(s, results.intake.length));
  }
  if (results.delivery.length > 0) {
    const s = (summary['delivery'] = summarizeDelivery(results.delivery));
    sections.push(deliverySection(s, options.pushes, options.latencySeconds));
  }
  if (results.scale.length > 0) {
    const s = (summary['scale'] = summarizeScale(results.scale));
    sections.push(scaleSection(s, options.cluster));
  }
  if (results.broadcast.length > 0) {
    const s = (summary['broadcast'] = summarizeBroadcast(results.broadcast));
    sections.push(broadcastSection(s, { recipients: BROADCAST_RECIPIENTS, ...trafficPlan(options.seed) }));
  }
  if (results.busyRoom.length > 0) {
    const s = (summary['busyRoom'] = summarizeBusyRoom(results.busyRoom));
    sections.push(busyRoomSection(s));
  }
  if (results.errors.length > 0) {
    summary['errors'] = results.errors;
    const lines = results.errors.map((e) => `- ${e.scenario}, run ${e.run}: ${e.message.split('\n').join('\n  ')}`);
    sections.push(['## Failed scenario runs (left out of the medians)', '', ...lines].join('\n'));
  }
  return { text: sections.join('\n\n'), summary, results };
}

function gitState(root: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // Only the measured code counts: the bench's own files are not what is being measured.
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'producer', 'consumer'], { cwd: root, encoding: 'utf8' });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** Collects the invocation's metadata, now that it has ended. */
export function describeRun(input: {
  startedAt: Date;
  loadBefore: number[];
  redisVersion: string;
  root: string;
  options: BenchOptions;
  notes: string[];
}): RunMeta {
  return {
    startedAt: input.startedAt.toISOString(),
    wallSeconds: (Date.now() - input.startedAt.getTime()) / 1000,
    node: process.version,
    redis: input.redisVersion,
    cpus: os.cpus().length,
    loadAverage: { before: input.loadBefore, after: os.loadavg() },
    git: gitState(input.root),
    options: input.options,
    notes: input.notes,
  };
}

/** Writes everything, per-run figures included, as JSON. */
export function writeResults(file: string, meta: RunMeta, outcome: Outcome): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = { meta, summary: outcome.summary, runs: outcome.results, soak: outcome.soak };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}

/** Prints the report, then the summary JSON. */
export function printReport(file: string, meta: RunMeta, outcome: Outcome): void {
  const load = meta.loadAverage.before.map((l) => l.toFixed(2)).join(' ');
  const code = `${meta.git.commit}${meta.git.dirty ? ' + uncommitted changes in src/producer/consumer' : ''}`;
  const header = `# push-fanout benchmark (${code}; ${meta.cpus} cores, load ${load}; node ${meta.node}, redis ${meta.redis})`;
  const notes = meta.notes.map((n) => `- ${n}`).join('\n');
  process.stdout.write(`${header}\n\n${outcome.text}\n\nWall time: ${meta.wallSeconds.toFixed(0)} s.\n${notes}\n`);
  const where = path.relative(process.cwd(), file) || file;
  process.stdout.write(`\nJSON summary (per-run figures in ${where}):\n${JSON.stringify(outcome.summary, null, 2)}\n`);
}
