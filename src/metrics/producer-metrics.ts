/**
 * The producer's metrics: intake counts, plus the shared ones.
 */
import { Counter, Registry } from 'prom-client';
import type { QueueDepths } from './queue-depth';
import { PREFIX, registerSharedMetrics } from './shared-metrics';
import { registerWriteRefusals } from './write-refusal-metric';

/** Counters the producer feeds. */
export class ProducerMetrics {
  readonly registry = new Registry();
  readonly accepted = this.counter('messages_accepted_total', 'Messages accepted (202)');
  readonly duplicates = this.counter('messages_duplicate_total', 'Repeated message ids answered from the first intake (200)');
  readonly enqueued = this.counter('pushes_enqueued_total', 'Pushes written to the queues');
  readonly unreplicated = this.counter('unreplicated_writes_total', 'Intakes whose WAIT on a node got fewer replica confirmations than asked (one per node per intake)');
  readonly replicaAcks = new Counter({
    name: `${PREFIX}replica_acks_total`,
    help: 'Intake WAITs (one per node per intake) by how many replicas confirmed the writes',
    labelNames: ['acked'],
    registers: [this.registry],
  });
  readonly reroutes;
  readonly writeRefusals = registerWriteRefusals(this.registry);

  constructor(depths: QueueDepths) {
    this.reroutes = registerSharedMetrics(this.registry, depths);
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name: `${PREFIX}${name}`, help, registers: [this.registry] });
  }
}
