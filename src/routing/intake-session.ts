/**
 * The connections one intake writes through: one leased connection per Redis
 * node (see intake-connections), shared by the intake's shards on that node,
 * so that one WAIT per node covers all of the intake's writes there. The
 * session gives every lease back when the intake ends, whichever way.
 */
import type { RedisClient } from 'redis';
import type { RedisEndpoint } from '../config/redis-config';
import { QueueUnavailableError } from '../core/errors';
import { endpointKey } from '../redis/cluster-slots';
import { isEnded } from '../bee/node-redis-internals';
import type { IntakeConnections } from './intake-connections';

/** A lease, settled or still being made. */
interface Lease {
  promise: Promise<RedisClient>;
  client?: RedisClient;
}

/** The node a node-redis client is connected to (node-redis keeps it in `connection_options`). */
export function endpointOf(client: RedisClient): RedisEndpoint {
  const { host, port } = (client as unknown as { connection_options: RedisEndpoint }).connection_options;
  return { host, port };
}

/** One intake's leased connections, one per node. */
export class IntakeSession {
  private readonly leases = new Map<string, Lease>();
  private finished = false;

  constructor(
    private readonly connections: IntakeConnections,
    private readonly deadline: number,
  ) {}

  /**
   * The intake's own connection to the node `shared` (a shard's command
   * connection) talks to. Leased on first use; a connection that broke is
   * given back and replaced, so a retried chunk goes out on a live one.
   */
  connectionFor(shared: RedisClient): Promise<RedisClient> {
    const endpoint = endpointOf(shared);
    const key = endpointKey(endpoint);
    const current = this.leases.get(key);
    if (current && !(current.client && isEnded(current.client))) return this.unlessFinished(current.promise);
    if (current?.client) this.connections.release(current.client, false);
    const lease: Lease = { promise: this.connections.lease(endpoint, this.deadline) };
    this.leases.set(key, lease);
    lease.promise.then(
      (client) => {
        lease.client = client;
        // The intake ended while this lease was being made: nothing was sent on it yet.
        if (this.finished) this.connections.release(client, true);
      },
      () => {
        if (this.leases.get(key) === lease) this.leases.delete(key);
      },
    );
    return this.unlessFinished(lease.promise);
  }

  /** True once the intake has ended and given its connections back. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** A chunk still running when its intake failed must not write on a connection already given back. */
  private async unlessFinished(lease: Promise<RedisClient>): Promise<RedisClient> {
    const client = await lease;
    if (this.finished) throw new QueueUnavailableError('the intake has ended');
    return client;
  }

  /**
   * Gives every lease back. `reusable` is true only when every command of the
   * intake has answered; otherwise a reply may still be pending on a
   * connection, which is then ended rather than handed to the next intake.
   */
  finish(reusable: boolean): void {
    this.finished = true;
    for (const lease of this.leases.values()) {
      if (lease.client) this.connections.release(lease.client, reusable);
    }
  }
}
