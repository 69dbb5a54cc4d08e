/**
 * Polling with a deadline. Tests and tooling use this instead of fixed sleeps:
 * a condition is either met quickly or the caller gets an error that says what
 * it was waiting for.
 */

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between polls; small, because the condition is usually cheap. */
  intervalMs?: number;
  /**
   * Named in the timeout error, so a failed wait explains itself. A function
   * is called only when the deadline passes, so it can report the state at
   * that moment (what is still missing) rather than the state at the start.
   */
  description: string | (() => string);
}

/** Thrown by {@link waitFor} when the deadline passes. */
export class WaitTimeoutError extends Error {
  readonly code = 'wait_timeout';
  constructor(description: string, timeoutMs: number, lastError?: unknown) {
    const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    super(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves after `ms` milliseconds. For pacing retries, never for synchronising. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` until it returns a truthy value, and resolves with that
 * value. A condition that throws counts as "not yet"; its last error is
 * reported if the deadline passes.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 25;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(describe(options.description), options.timeoutMs, lastError);
    }
    await delay(interval);
  }
}

/** The description's text; a function that throws is named as such, so the timeout still surfaces. */
function describe(description: WaitForOptions['description']): string {
  if (typeof description === 'string') return description;
  try {
    return description();
  } catch (err) {
    return `(description failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * Races `promise` against a timer. The timer is cleared either way, so a
 * settled race leaves nothing behind to keep the process alive.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
