/**
 * A Lua script run with EVALSHA, falling back to EVAL when the node does not
 * have it cached (a fresh node, a promoted replica, a SCRIPT FLUSH). The
 * fallback is handled here so that NOSCRIPT never reaches the router as a
 * reason to re-route.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from 'redis';
import { sendCommand } from './redis-command';

/** A script and its SHA1. All keys it touches must be passed in `keys`, in one slot. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script on `client`. */
  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const tail = [keys.length, ...keys, ...args];
    try {
      return await sendCommand(client, 'EVALSHA', [this.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return sendCommand(client, 'EVAL', [this.source, ...tail]);
    }
  }
}
