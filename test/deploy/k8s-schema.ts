/**
 * Schema validation of manifest objects with kubernetes-models, which carries
 * the OpenAPI schemas of the Kubernetes API. Only the kinds listed here are
 * accepted: a manifest of any other kind fails until its model is added, so
 * nothing reaches the cluster unchecked.
 *
 * The schemas check types, enums and required fields, not unknown fields: a
 * misspelt optional field (`readinesProbe`) passes here and is caught, where
 * it matters, by the wiring tests that look for the real field.
 */
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** A kubernetes-models class: its type meta and a constructor whose instance validates itself. */
interface ModelClass<D> {
  new (data: D): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

type Validate = (value: object) => void;

function entry<D>(model: ModelClass<D>): [string, Validate] {
  // The value is untyped YAML; validate() is what checks it against D's schema.
  return [`${model.apiVersion} ${model.kind}`, (value) => new model(value as D).validate()];
}

/** Validators by `apiVersion kind`, taken from the model classes so they cannot be misspelt. */
const VALIDATORS = new Map<string, Validate>([
  entry(Namespace),
  entry(ConfigMap),
  entry(Secret),
  entry(Service),
  entry(Deployment),
  entry(HorizontalPodAutoscaler),
  entry(PodDisruptionBudget),
]);

/** The `apiVersion kind` pairs the deploy tests know how to validate. */
export const SUPPORTED_KINDS: readonly string[] = [...VALIDATORS.keys()];

/** Validates one manifest object; returns its problems (none if valid). */
export function schemaProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not a mapping'];
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind must be strings'];
  const validate = VALIDATORS.get(`${apiVersion} ${kind}`);
  if (!validate) return [`unknown kind ${apiVersion} ${kind} (known: ${SUPPORTED_KINDS.join(', ')})`];
  try {
    validate(value);
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}
