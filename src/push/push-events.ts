/**
 * What happened to each push, as the consumer reports it: the seam between
 * the handler and whatever counts (metrics). Kept free of prom-client.
 */
import type { PushJobData } from './push-job';

/** Why a run of a push failed. */
export type FailureKind = 'transient' | 'rejected' | 'retries_exhausted';

/** Receives the outcome of every push run. */
export interface PushEvents {
  delivered(push: PushJobData): void;
  expired(): void;
  /** Not sent: a newer push with its collapseKey was accepted for its recipient (see collapse/). */
  collapsed(): void;
  /** Not sent because its marker says it was delivered (or expired) already. */
  skipped(): void;
  /** A failed run; `transient` ones will be retried through the queue. */
  failed(kind: FailureKind): void;
}
