/**
 * The launcher's banner: where the API is, the token to use, and a curl
 * command that sends a real message. Printed to stdout, not logged, because
 * it is for the person at the terminal.
 */
import type { RedisServerHandle } from './redis-server';
import type { StandInProxy } from './stand-in-proxy';

/** What the banner describes. */
export interface BannerInfo {
  base: string;
  token: string;
  generatedToken: boolean;
  embedded: { redis?: RedisServerHandle; proxy?: StandInProxy };
  metricsPort: number;
}

/** A sample message with the sender among the recipients, to show the fan-out. */
function sampleBody(): string {
  return JSON.stringify({
    messageId: `msg-${Date.now()}`,
    roomId: 'room-1',
    senderId: 'alice',
    recipientIds: ['alice', 'bob', 'carol', 'dave'],
    notification: { title: 'Room 1', body: 'Hello from alice' },
  });
}

/** Prints the banner. */
export function printBanner(info: BannerInfo): void {
  const redis = info.embedded.redis ? `embedded redis-server on port ${info.embedded.redis.port}` : 'as configured';
  const proxy = info.embedded.proxy ? `stand-in at ${info.embedded.proxy.url} (logs each push)` : 'as configured';
  const token = info.generatedToken ? `${info.token}   (generated for this run; set API_TOKENS to choose)` : '(from API_TOKENS)';
  const lines = [
    '',
    '  push-fanout is running',
    `    API          ${info.base}`,
    `    Redis        ${redis}`,
    `    Push proxy   ${proxy}`,
    `    Token        ${token}`,
    `    Dashboard    ${info.base}/dashboard   (paste the token)`,
    `    API docs     ${info.base}/openapi.json`,
    `    Metrics      ${info.base}/metrics (producer), http://127.0.0.1:${info.metricsPort}/metrics (consumer)`,
    '',
    '  Send a message (3 pushes: the sender gets none):',
    '',
    `    curl -i -X POST ${info.base}/v1/messages \\`,
    `      -H 'Authorization: Bearer ${info.generatedToken ? info.token : '<your token>'}' \\`,
    "      -H 'Content-Type: application/json' \\",
    `      -d '${sampleBody()}'`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
