/**
 * Every role's environment variables in one place, read from the zod shapes
 * the roles parse with, so the configuration reference (docs/configuration.md)
 * and .env.example can be checked against the code instead of copied from it.
 * No behaviour: the roles keep parsing with their own shapes.
 */
import type { z } from 'zod';
import { adminShape } from './admin-config';
import { producerShape } from './config';
import { consumerShape } from './consumer-config';
import { launcherShape } from './launcher-config';

/** A process that reads the environment: P producer, C consumer, D `npm run dlq`, S `npm start`. */
export type ConfigRole = 'P' | 'C' | 'D' | 'S';

/** Each role's variables, by name, with the zod field that parses each. */
export function configShapes(): Record<ConfigRole, Record<string, z.ZodType>> {
  return { P: producerShape, C: consumerShape, D: adminShape, S: launcherShape.shape };
}

/**
 * The default a field takes when its variable is unset, as the text an
 * operator would write (`16`, `false`, `pf`); undefined when the variable is
 * required, or its default depends on other settings or on the machine.
 */
export function envDefault(field: z.ZodType): string | undefined {
  const parsed = field.safeParse(undefined);
  if (!parsed.success) return undefined;
  const value: unknown = parsed.data;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
