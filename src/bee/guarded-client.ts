/**
 * node-redis clients that always have an 'error' listener. Bee-Queue listens
 * for errors on the clients it creates only until they are ready, and from
 * then on only through its own queue; an error emitted in between (a wrong
 * password fails AUTH and then the ready check: two errors) has no listener,
 * and Node turns it into an uncaught exception that kills the process. So the
 * router gives Bee-Queue a client it made itself, whose `duplicate()` (used
 * for the blocking and subscriber connections) makes guarded clients too.
 */
import { type ClientOpts, createClient, type RedisClient } from 'redis';
import { enableAutoPipelining } from './auto-pipeline';

/** Creates a client whose every error (and its duplicates' errors) goes to `onError`, with auto-pipelining. */
export function createGuardedClient(options: ClientOpts, onError: (err: Error) => void): RedisClient {
  // node-redis mutates the options it is given; each client gets its own copy.
  const client = createClient({ ...options });
  client.on('error', onError);
  enableAutoPipelining(client);
  client.duplicate = () => createGuardedClient(options, onError);
  return client;
}
