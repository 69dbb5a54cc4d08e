/**
 * A Lua script run with EVALSHA, falling back to EVAL when the node does not
 * have it cached (a fresh node, a promoted replica, a SCRIPT FLUSH). The
 * fallback is handled here so that NOSCRIPT never reaches the router as a
 * reason to re-route.
 *
 * Scripts live in `.lua` files in a `lua/` folder next to the module that
 * runs them (as in Bee-Queue's own lib/lua/), read once when that module
 * loads. tsc does not copy them, so the build copies them into dist/ (see
 * scripts/copy-lua.ts), and a compiled module reads the copy beside it: the
 * script always comes from the same build as the code that passes its KEYS
 * and ARGV. A test checks that every copy equals its source.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RedisClient } from 'redis';
import { sendCommand } from './send-command';

/** Where `<moduleDir>/lua/<name>.lua` is: beside the (compiled) module that runs it. */
function luaPath(moduleDir: string, name: string): string {
  return path.join(moduleDir, 'lua', `${name}.lua`);
}

/** A script and its SHA1. All keys it touches must be passed in `keys`, in one slot. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Reads `lua/<name>.lua` next to the calling module (pass its `__dirname`); once, at load.
   * `prelude` (Lua defining functions the script calls) is put before it.
   */
  static load(moduleDir: string, name: string, prelude = ''): LuaScript {
    const source = fs.readFileSync(luaPath(moduleDir, name), 'utf8');
    return new LuaScript(prelude ? `${prelude}\n${source}` : source);
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
