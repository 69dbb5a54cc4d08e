/**
 * `node dist/scripts/profile-intake.js [--rooms N] [--size S]`: a CPU profile
 * of the producer accepting N rooms of S recipients (30 of 10,000 by
 * default) through the real HTTP API, one request at a time as the bench's
 * intake scenario posts them. Starts its own redis-server and a producer
 * under `node --cpu-prof`, posts a few warm-up rooms (not counted), then
 * the profiled ones, and stops the producer.
 *
 * Prints the top functions by self time and the time per owner (package)
 * as markdown, busy time only (see support/cpu-profile.ts), counting only
 * the samples taken between the first profiled request and the last answer.
 * Also prints Redis's INFO commandstats for the profiled requests (the
 * Lua's cost per push). The .cpuprofile is kept for a closer look.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareMessage, recipientIds } from '../bench/payload';
import { startProducer } from '../bench/service';
import { createWorkspace, startStandalone } from '../bench/setup';
import { type CpuProfile, EXCLUDED, ownerTable, summarizeProfile, topTable } from './support/cpu-profile';
import { runBenchScript } from './support/bench-script';

const PREFIX = 'bprofile';
const WARM_UP_ROOMS = 5;

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  const value = Number(text ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}

/** Redis's commandstats lines with calls and µs per call, as a markdown list. */
function commandStats(info: string, pushes: number): string {
  return info
    .split('\n')
    .filter((line) => line.startsWith('cmdstat_'))
    .map((line) => {
      const [name, fields] = line.trim().split(':') as [string, string];
      const calls = Number(/calls=(\d+)/.exec(fields)?.[1]);
      const usec = Number(/usec=(\d+)/.exec(fields)?.[1]);
      return `- ${name.slice('cmdstat_'.length)}: ${calls} calls, ${usec} µs, ${(usec / Math.max(1, calls)).toFixed(1)} µs per call, ${(usec / pushes).toFixed(2)} µs per push`;
    })
    .join('\n');
}

function command(client: import('redis').RedisClient, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => client.send_command(args[0] ?? '', args.slice(1), (err: Error | null, reply: unknown) => (err ? reject(err) : resolve(String(reply)))));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rooms: { type: 'string' }, size: { type: 'string' } } });
  const rooms = positive('rooms', values.rooms, 30);
  const size = positive('size', values.size, 10_000);
  const ws = createWorkspace(`profile-intake-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const profileDir = path.join(ws.logDir, 'cpu-profile');
  const redis = await startStandalone();
  const producer = await startProducer(ws, redis.target, PREFIX, {}, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const recipients = recipientIds(size);
  for (let i = 0; i < WARM_UP_ROOMS; i++) await producer.api.post(prepareMessage(`warm${i}`, recipients));
  await command(redis.client, 'CONFIG', 'RESETSTAT');
  const messages = Array.from({ length: rooms }, (_, i) => prepareMessage(`prof${i}`, recipients));
  const load = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const fromUs = monotonicUs();
  let ms = 0;
  for (const message of messages) ms += (await producer.api.post(message)).ms;
  const toUs = monotonicUs();
  const stats = await command(redis.client, 'INFO', 'commandstats');
  // A graceful stop: the profile is written as the process exits.
  await producer.stop();
  const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${profileDir}`);
  const profile = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, { fromUs, toUs });
  const pushes = rooms * size;
  process.stdout.write(
    [
      `## Producer CPU profile: ${rooms} rooms of ${size.toLocaleString('en-US')} (${pushes.toLocaleString('en-US')} pushes, ${((pushes * 1000) / ms).toFixed(0)} pushes/s under the profiler)`,
      '',
      `Busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled (${((summary.busyMs * 1000) / pushes).toFixed(2)} µs per push); excluded: ${EXCLUDED.join(', ')}. Load average at the start: ${load}.`,
      '',
      topTable(summary, pushes, 15),
      '',
      ownerTable(summary, pushes),
      '',
      'Redis commandstats over the profiled requests:',
      '',
      commandStats(stats, pushes),
      '',
      `Profile: ${path.join(profileDir, file)}`,
      '',
    ].join('\n'),
  );
}

runBenchScript('profile-intake', main);
