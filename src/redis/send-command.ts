/**
 * Promise wrapper for one raw command on a node-redis v3 client: the one
 * "run one Redis command" helper of the service (tests, bench and scripts
 * use it too).
 */
import type { RedisClient } from 'redis';

/** Sends one command and resolves with its reply. */
export function sendCommand(client: RedisClient, command: string, args: readonly (string | number)[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.send_command(command, args.map(String), (err: Error | null, reply: unknown) =>
      err ? reject(err) : resolve(reply),
    );
  });
}
