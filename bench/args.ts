/**
 * Command-line flags of `npm run bench`. Defaults are chosen so the whole
 * default run (3 runs of intake, delivery and scale, cluster included) stays
 * under 5 minutes on a 2-core machine. The broadcast scenario adds about
 * 3 minutes on an idle machine (four 100k drains per run; `--only broadcast`
 * took 265 s at a load average of 7-12, with drains at half their idle rate).
 * Busy-room adds about 20 s per run for its bursts, and once its sustained
 * stream (two modes of --busy-seconds, plus the drain with collapse).
 */
import { parseArgs } from 'node:util';

/** Which scenario groups to run. */
export type Scenario = 'intake' | 'delivery' | 'scale' | 'broadcast' | 'busy-room';

/** Parsed options. */
export interface BenchOptions {
  runs: number;
  /** Room sizes (recipients per message) of the intake scenario. */
  sizes: number[];
  /** Pushes per delivery drain. */
  pushes: number;
  scenarios: Scenario[];
  /** Run the 1,000,000-push memory soak instead of the scenarios. */
  soak: boolean;
  soakPushes: number;
  cluster: boolean;
  /** Seconds of paced posting for the accept→proxy latency figure. */
  latencySeconds: number;
  /** Seed of the broadcast scenario's interactive message sizes (the same in every run). */
  seed: number;
  /** Seconds of the busy-room scenario's sustained stream (it runs in the first run only). */
  busySeconds: number;
}

/** Thrown for a bad flag; run.ts prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The usage text. */
export const USAGE = `usage: npm run bench -- [--runs N] [--sizes 100,1000,10000,100000] [--pushes N]
                      [--only intake|delivery|scale|broadcast|busy-room] [--no-cluster] [--latency-seconds S]
                      [--seed N] [--busy-seconds S] [--soak [--soak-pushes N]]`;

const SCENARIOS: readonly Scenario[] = ['intake', 'delivery', 'scale', 'broadcast', 'busy-room'];
/** Default --seed: fixed, so two default runs offer the same interactive traffic. */
export const DEFAULT_SEED = 10;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

function sizesOf(text: string | undefined): number[] {
  if (text === undefined) return [100, 1000, 10_000, 100_000];
  const sizes = text.split(',').map((part) => positiveInt('sizes', part.trim(), 0));
  // The producer's MAX_RECIPIENTS default; beyond it every request would be a 400.
  if (sizes.some((s) => s > 100_000)) throw new UsageError('--sizes: at most 100000 recipients per message');
  return sizes;
}

function scenariosOf(only: string | undefined): Scenario[] {
  if (only === undefined) return [...SCENARIOS];
  const found = SCENARIOS.find((s) => s === only);
  if (!found) throw new UsageError(`--only must be one of ${SCENARIOS.join(', ')}, got "${only}"`);
  return [found];
}

/** Parses `argv` (without node and script). Throws {@link UsageError} on a bad flag. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        runs: { type: 'string' },
        sizes: { type: 'string' },
        pushes: { type: 'string' },
        only: { type: 'string' },
        soak: { type: 'boolean', default: false },
        'soak-pushes': { type: 'string' },
        'no-cluster': { type: 'boolean', default: false },
        'latency-seconds': { type: 'string' },
        seed: { type: 'string' },
        'busy-seconds': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  return {
    runs: positiveInt('runs', values.runs, 3),
    sizes: sizesOf(values.sizes),
    pushes: positiveInt('pushes', values.pushes, 20_000),
    scenarios: scenariosOf(values.only),
    soak: values.soak === true,
    soakPushes: positiveInt('soak-pushes', values['soak-pushes'], 1_000_000),
    cluster: values['no-cluster'] !== true,
    latencySeconds: positiveInt('latency-seconds', values['latency-seconds'], 10),
    seed: positiveInt('seed', values.seed, DEFAULT_SEED),
    busySeconds: positiveInt('busy-seconds', values['busy-seconds'], 60),
  };
}
