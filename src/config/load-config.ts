/**
 * Startup glue for the config: load `.env`, parse, and stop the process with
 * a readable list if the config is wrong. The one module that touches
 * `process.env`.
 */
import dotenv from 'dotenv';
import { ConfigError } from '../core/errors';

type Env = Record<string, string | undefined>;

/**
 * Loads `.env` (without overriding variables already set) and parses the
 * environment with `parse`. On a config error, prints every problem to
 * stderr and exits with status 78 (EX_CONFIG).
 */
export function loadConfigOrExit<T>(role: string, parse: (env: Env) => T): T {
  dotenv.config({ quiet: true });
  try {
    return parse(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`push-fanout ${role}: cannot start, ${err.message}\nSee .env.example for every variable.\n`);
    process.exit(78);
  }
}

/** A copy of the environment, for handing to child processes with overrides. */
export function environmentForChildren(overrides: Env): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
