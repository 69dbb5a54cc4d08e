/**
 * Typed views of the validated manifests for the wiring checks: which
 * Deployment runs which role, its containers, ports and labels. The objects
 * are picked by kind with the kubernetes-models type guards; the schema test
 * has already checked their shape.
 */
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace, type INamespace } from 'kubernetes-models/v1/Namespace';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';

/** The two roles of the one image, told apart by the script they start. */
export type Role = 'producer' | 'consumer';

/** The start script of each role (package.json `producer`/`consumer` scripts). */
export const ENTRY_POINTS: Readonly<Record<Role, string>> = {
  producer: 'dist/producer/main.js',
  consumer: 'dist/consumer/main.js',
};

/** The manifest objects, by kind. */
export interface Manifests {
  namespaces: INamespace[];
  configMaps: IConfigMap[];
  secrets: ISecret[];
  services: IService[];
  deployments: IDeployment[];
  autoscalers: IHorizontalPodAutoscaler[];
  disruptionBudgets: IPodDisruptionBudget[];
}

/** Sorts manifest values by kind. */
export function byKind(values: readonly unknown[]): Manifests {
  return {
    namespaces: values.filter(Namespace.is),
    configMaps: values.filter(ConfigMap.is),
    secrets: values.filter(Secret.is),
    services: values.filter(Service.is),
    deployments: values.filter(Deployment.is),
    autoscalers: values.filter(HorizontalPodAutoscaler.is),
    disruptionBudgets: values.filter(PodDisruptionBudget.is),
  };
}

/** Every ConfigMap entry, merged: the Deployments load them all the same way. */
export function configData(manifests: Manifests): Record<string, string> {
  return Object.fromEntries(manifests.configMaps.flatMap((c) => Object.entries(c.data ?? {})));
}

/** The containers of a Deployment's pods. */
export function containersOf(deployment: IDeployment): IContainer[] {
  return deployment.spec?.template.spec?.containers ?? [];
}

/** The labels a Deployment puts on its pods. */
export function podLabelsOf(deployment: IDeployment): Record<string, string> {
  return deployment.spec?.template.metadata?.labels ?? {};
}

/** The role a Deployment runs, from its containers' commands. */
export function roleOf(deployment: IDeployment): Role | undefined {
  const commands = containersOf(deployment).map((c) => [...(c.command ?? []), ...(c.args ?? [])].join(' '));
  const roles = (Object.keys(ENTRY_POINTS) as Role[]).filter((role) =>
    commands.some((command) => command.includes(ENTRY_POINTS[role])),
  );
  return roles.length === 1 ? roles[0] : undefined;
}

/** The one Deployment of `role`; throws if there is not exactly one. */
export function deploymentFor(manifests: Manifests, role: Role): IDeployment {
  const found = manifests.deployments.filter((d) => roleOf(d) === role);
  if (found.length !== 1 || !found[0]) throw new Error(`expected one ${role} Deployment, found ${found.length}`);
  return found[0];
}

/**
 * The container port a probe or Service refers to, by number or by name;
 * undefined if the container does not declare it.
 */
export function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  const declared = container.ports ?? [];
  const hit = declared.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
  return hit?.containerPort;
}

/** True if every label of `selector` is on `labels` (an empty selector matches everything). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

/** The namespace/name of an object, for messages and lookups. */
export function qualifiedName(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
