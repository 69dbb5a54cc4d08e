/**
 * Scenario 3, scale: the delivery drain with two consumer processes, as a
 * ratio to one, and with one consumer on a real 3-master/3-replica Redis
 * Cluster, as a ratio to standalone. Both ratios compare drains of the same
 * run; the one-consumer standalone drain is taken from the delivery scenario
 * of the same run when it ran, so it is not measured twice.
 */
import { backlogAndDrain, type DeliveryContext } from './delivery';
import type { DrainResult } from './drain';
import { ratio } from './stats';
import { serviceSubject } from './subjects';

/** The cluster side of the scale scenario. */
export type ClusterContext = DeliveryContext;

/** What scale measured in one run. */
export interface ScaleRun {
  one: DrainResult;
  /** True when `one` is the delivery scenario's drain of this run. */
  oneFromDelivery: boolean;
  two: DrainResult;
  twoVsOne: number;
  cluster?: DrainResult;
  clusterVsStandalone?: number;
  /** Why the cluster drain failed, if it did (the standalone figures still count). */
  clusterError?: string;
}

/** Runs the two-consumer drain and, given a cluster, the cluster drain. */
export async function runScale(standalone: DeliveryContext, cluster: ClusterContext | undefined, run: number, one?: DrainResult): Promise<ScaleRun> {
  const single = one ?? (await backlogAndDrain(standalone, serviceSubject(standalone, 'service'), `sc${run}a`));
  const two = await backlogAndDrain(standalone, serviceSubject(standalone, 'service x2', 2), `sc${run}b`);
  const result: ScaleRun = { one: single, oneFromDelivery: one !== undefined, two, twoVsOne: ratio(two.pps, single.pps) };
  await standalone.flush();
  if (!cluster) return result;
  try {
    const onCluster = await backlogAndDrain(cluster, serviceSubject(cluster, 'service on cluster'), `sc${run}c`);
    return { ...result, cluster: onCluster, clusterVsStandalone: ratio(onCluster.pps, single.pps) };
  } catch (err) {
    return { ...result, clusterError: err instanceof Error ? err.message : String(err) };
  } finally {
    await cluster.flush();
  }
}
