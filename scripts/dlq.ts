/**
 * `npm run dlq -- list|replay ...`: the dead-letter store from a shell, with
 * the same code as the API. Reads the same environment (and `.env`) as the
 * services; prints JSON.
 *
 *   npm run dlq -- list [--message-id ID] [--reason rejected|retries_exhausted] [--limit N]
 *   npm run dlq -- replay (--all | --message-id ID | --reason REASON)
 */
import { parseArgs } from 'node:util';
import { parseAdminConfig } from '../src/config/admin-config';
import { loadConfigOrExit } from '../src/config/load-config';
import { ValidationError } from '../src/core/errors';
import { silentLogger } from '../src/core/logger';
import { deadLetterStoreFor } from '../src/deadletter/dead-letter-store';
import { listDeadLetters, replayDeadLetters } from '../src/deadletter/dead-letters';
import { listQuerySchema, replayBodySchema } from '../src/deadletter/dead-letter-schema';
import { validate } from '../src/message/validate';
import { ShardSet } from '../src/routing/shard-set';
import { QueueKeys } from '../src/queue/queue-keys';
import { registerPushBackoff } from '../src/retry/retry-policy';

const USAGE = `usage:
  npm run dlq -- list [--message-id ID] [--reason rejected|retries_exhausted] [--limit N]
  npm run dlq -- replay (--all | --message-id ID | --reason REASON)
`;

/** How long the whole command may take. */
const TIMEOUT_MS = 30_000;

function parseCommand(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'message-id': { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
  const filter = { messageId: values['message-id'], reason: values.reason };
  const defined = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
  if (positionals[0] === 'list') {
    return { command: 'list' as const, query: validate(listQuerySchema, { ...defined, ...(values.limit ? { limit: values.limit } : {}) }) };
  }
  if (positionals[0] === 'replay') {
    return { command: 'replay' as const, filter: validate(replayBodySchema, { ...defined, ...(values.all ? { all: true } : {}) }) };
  }
  throw new Error(USAGE);
}

async function main(): Promise<void> {
  const parsed = parseCommand(process.argv.slice(2));
  const config = loadConfigOrExit('dlq', parseAdminConfig);
  const shards = ShardSet.create({ config, role: 'producer', log: silentLogger(), prepare: registerPushBackoff });
  const deps = { shards, store: deadLetterStoreFor(config.retention, new QueueKeys(config.queue.prefix)), retry: config.jobRetry, timeoutMs: TIMEOUT_MS };
  try {
    if (parsed.command === 'list') {
      const { limit, ...filter } = parsed.query;
      process.stdout.write(`${JSON.stringify(await listDeadLetters(deps, filter, limit ?? 100), null, 2)}\n`);
    } else {
      const { all: _all, ...filter } = parsed.filter;
      process.stdout.write(`${JSON.stringify(await replayDeadLetters(deps, filter))}\n`);
    }
  } finally {
    await shards.close(1000);
  }
}

main().catch((err: unknown) => {
  const detail = err instanceof ValidationError ? err.details.map((d) => `${d.path}: ${d.message}`).join('\n') : (err as Error).message;
  process.stderr.write(`dlq: ${detail}\n`);
  process.exit(2);
});
