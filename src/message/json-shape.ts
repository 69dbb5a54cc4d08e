/**
 * Structural limits on a parsed JSON body, checked before any schema runs.
 * JSON.parse accepts nesting thousands of levels deep, but the recursive code
 * that handles a value later (JSON.stringify in the `data` size check, job
 * serialisation, loggers) overflows the stack on it, which would be a 500.
 * The walk here is iterative, so no body can overflow it.
 */
import type { FieldProblem } from '../core/errors';

/** Deepest nesting of objects and arrays a body may have; the body itself is level 1. */
export const MAX_JSON_DEPTH = 32;

/**
 * A key that JSON.parse keeps as an own property but that assignment-based
 * copies (zod's record, spread) drop or turn into a prototype change: the
 * value delivered would not be the value sent, so it is refused.
 */
const FORBIDDEN_KEY = '__proto__';

/** A value still to visit; its path is kept as a parent link and only spelt out for a problem. */
interface Pending {
  value: object;
  depth: number;
  key: string;
  parent: Pending | undefined;
}

function pathOf(node: Pending | undefined): string[] {
  const path: string[] = [];
  for (let n = node; n?.parent; n = n.parent) path.unshift(n.key);
  return path;
}

/**
 * The first structural problem in `body`, or undefined. The path of a depth
 * problem is the top-level field it is in: the full path could be thousands of
 * segments long.
 */
export function jsonShapeProblem(body: unknown, maxDepth: number = MAX_JSON_DEPTH): FieldProblem | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const stack: Pending[] = [{ value: body, depth: 1, key: '', parent: undefined }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.depth > maxDepth) {
      // An array body has no field names; its item indexes would not name a field.
      const top = Array.isArray(body) ? undefined : pathOf(next)[0];
      return { path: top ?? '(body)', message: `is nested more than ${maxDepth} levels deep` };
    }
    if (Array.isArray(next.value)) {
      pushArrayItems(stack, next);
      continue;
    }
    for (const [key, child] of Object.entries(next.value)) {
      if (key === FORBIDDEN_KEY) return { path: [...pathOf(next), key].join('.'), message: `"${FORBIDDEN_KEY}" is not allowed as a key` };
      // Scalars cannot nest, so only objects and arrays are visited.
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: next.depth + 1, key, parent: next });
    }
  }
  return undefined;
}

/**
 * Queues an array's objects and arrays for a visit. An array from JSON.parse has
 * only index keys (never `__proto__`), and a recipient list of 100k ids is all
 * scalars: walked by index, it costs no [key, value] pair per item.
 */
function pushArrayItems(stack: Pending[], parent: Pending): void {
  const items = parent.value as readonly unknown[];
  for (let i = 0; i < items.length; i++) {
    const child = items[i];
    if (child !== null && typeof child === 'object') stack.push({ value: child, depth: parent.depth + 1, key: String(i), parent });
  }
}
