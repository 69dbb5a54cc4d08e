/**
 * The count of writes Redis refused while reachable, which both processes
 * expose: a full node (`maxmemory` with `noeviction`), failing snapshots
 * (`stop-writes-on-bgsave-error`), too few replicas (`min-replicas-to-write`),
 * or a replica that was written to.
 */
import { Counter, type Registry } from 'prom-client';
import { PREFIX } from './shared-metrics';

/** Registers `push_fanout_redis_write_refusals_total{cause}` (cause: oom, misconf, noreplicas, readonly). */
export function registerWriteRefusals(registry: Registry): Counter<'cause'> {
  return new Counter({
    name: `${PREFIX}redis_write_refusals_total`,
    help: 'Writes Redis refused, by cause: oom, misconf, noreplicas, readonly',
    labelNames: ['cause'],
    registers: [registry],
  });
}
