/**
 * Runs a zod schema and turns its issues into the API's field problems.
 * Kept apart from the schemas so every route reports problems the same way.
 */
import type { z } from 'zod';
import { type FieldProblem, ValidationError } from '../core/errors';
import { jsonShapeProblem } from './json-shape';

/** At most this many problems are reported; a 100k list of bad ids needs no 100k-line answer. */
export const MAX_REPORTED_PROBLEMS = 20;

/**
 * Returns the parsed value, or throws a {@link ValidationError} naming each
 * bad field. Nesting and key limits (see json-shape) are checked first, so
 * no schema ever sees a value that could overflow the stack.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const shape = jsonShapeProblem(input);
  if (shape) throw new ValidationError([shape]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(toProblems(result.error.issues, input));
}

function toProblems(issues: readonly z.core.$ZodIssue[], input: unknown): FieldProblem[] {
  const problems = issues.slice(0, MAX_REPORTED_PROBLEMS).map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    message: describe(issue, input),
  }));
  if (issues.length > MAX_REPORTED_PROBLEMS) {
    problems.push({ path: '(body)', message: `${issues.length - MAX_REPORTED_PROBLEMS} more problems not shown` });
  }
  return problems;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && !hasPath(input, issue.path)) return 'is required';
  return issue.message;
}

/** True if `path` names an own, defined property inside `input`. */
function hasPath(input: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== undefined;
}
