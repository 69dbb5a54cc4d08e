/**
 * The service's logger: pino, JSON lines by default, pretty in a terminal.
 * Secrets are masked by path here, so a careless `log.info({ req })` still
 * cannot leak a bearer token or a password.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino masks in every log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.password',
  '*.token',
  '*.apiTokens',
  'password',
  'token',
  'apiTokens',
];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Process role, added to every line (`producer`, `consumer`, ...). */
  name: string;
}

/** Creates the process logger. Call once, in `main.ts`, and pass it down. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}

/** A logger that drops everything, for tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
