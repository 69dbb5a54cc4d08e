/**
 * How a harness `redis-server` is configured: its command line, and the two
 * files in its directory that explain a failed start.
 */
import path from 'node:path';
import { tailFiles } from './process-control';
import { HARNESS_HOST } from './redis-command';

const LOG_FILE = 'redis.log';

/** File in the server's dir that receives its stdout/stderr (config errors land there). */
export const STDIO_LOG_FILE = 'redis.stdio.log';

/** The caller's say in the command line; a structural subset of the server options. */
export interface ServerArgOptions {
  password?: string;
  args?: string[];
}

/** Command line for a loopback-only, diskless server; defaults first so `options.args` can override them. */
export function redisServerArgs(port: number, dir: string, options: ServerArgOptions): string[] {
  const args = ['--port', String(port), '--bind', HARNESS_HOST, '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--logfile', path.join(dir, LOG_FILE), '--daemonize', 'no');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  return args.concat(options.args ?? []);
}

/** Last lines of the server's log and of its stdout/stderr. */
export function redisLogTail(dir: string): string {
  return tailFiles(dir, [LOG_FILE, STDIO_LOG_FILE]);
}
