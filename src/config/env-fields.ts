/**
 * Zod builders for environment variables. Environment values are always
 * strings, so each builder parses a string strictly: "10abc" is not 10, and
 * "yes" is not a boolean. A missing variable takes its documented default, an
 * invalid one is an error; nothing falls back silently.
 */
import { z } from 'zod';

/** Treats an empty value (`PORT=` in a .env file) as unset, so it takes the default. */
function unsetIfEmpty(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** An integer within [min, max], with a default when the variable is unset. */
export function envInt(defaultValue: number, min: number, max: number) {
  const parsed = z
    .string()
    .trim()
    .regex(/^-?\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  return z.preprocess(unsetIfEmpty, parsed.optional()).transform((v) => v ?? defaultValue);
}

/** An integer within [min, max], or undefined when unset (for defaults that depend on other settings). */
export function envOptionalInt(min: number, max: number) {
  const parsed = z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  return z.preprocess(unsetIfEmpty, parsed.optional());
}

/** `true`/`false` (or `1`/`0`), with a default when unset. */
export function envBool(defaultValue: boolean) {
  const parsed = z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1');
  return z.preprocess(unsetIfEmpty, parsed.optional()).transform((v) => v ?? defaultValue);
}

/** A non-empty string, or undefined when unset or empty. */
export function envOptionalString() {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
}

/** A comma-separated list; empty entries are dropped. */
export function envList() {
  return z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );
}

/** A string from a fixed set, with a default when unset. */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.preprocess(unsetIfEmpty, z.enum(values).optional()).transform((v) => v ?? defaultValue);
}

/** A string matching `pattern`, with a default when unset. */
export function envPattern(pattern: RegExp, message: string, defaultValue: string) {
  return z.preprocess(unsetIfEmpty, z.string().regex(pattern, message).optional()).transform((v) => v ?? defaultValue);
}

/** An http(s) URL, required. */
export function envHttpUrl() {
  return z
    .string({ message: 'is required' })
    .trim()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'must be an http:// or https:// URL');
}
