/**
 * A one-shot Redis client for the process harness: one connection, one
 * command, one reply. Health checks and tests use it so that no long-lived
 * client (with its reconnect loop) outlives the server it talks to.
 */
import { createClient } from 'redis';
import { withTimeout } from '../../src/core/wait-for';
import { sendCommand } from '../../src/redis/send-command';

/** Loopback address every harness server binds to and every command goes to by default. */
export const HARNESS_HOST = '127.0.0.1';
const COMMAND_TIMEOUT_MS = 3_000;

/** Where to send a command, and how to authenticate. */
export interface RedisEndpoint {
  port: number;
  host?: string;
  password?: string;
}

/** Sends one command on a fresh connection and returns the reply; rejects on any failure. */
export async function redisCommand(endpoint: RedisEndpoint, args: readonly string[]): Promise<unknown> {
  const [command, ...rest] = args;
  if (command === undefined) throw new Error('redisCommand needs a command name');
  const client = createClient({
    host: endpoint.host ?? HARNESS_HOST,
    port: endpoint.port,
    password: endpoint.password,
    // The ready check sends INFO, which an unauthenticated client can't run.
    no_ready_check: true,
    connect_timeout: COMMAND_TIMEOUT_MS,
    // Never reconnect: hand the connection error to the pending command.
    retry_strategy: (options) => options.error ?? new Error('connection closed'),
  });
  // A failed AUTH only surfaces as an 'error' event, and the command then fails
  // with a vaguer NOAUTH; keep the AUTH error to report the real cause. Other
  // errors also reach the command's callback, so they are only kept from throwing.
  let authError: Error | undefined;
  client.on('error', (err: Error & { command?: string }) => {
    if (err.command === 'AUTH') authError ??= err;
  });
  const reply = sendCommand(client, command, rest).catch((err: unknown) => {
    throw authError ?? err;
  });
  try {
    return await withTimeout(reply, COMMAND_TIMEOUT_MS, () => {
      return new Error(`${command} to ${HARNESS_HOST}:${endpoint.port} got no reply in ${COMMAND_TIMEOUT_MS} ms`);
    });
  } finally {
    client.end(false);
  }
}
