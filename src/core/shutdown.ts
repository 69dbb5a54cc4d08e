/**
 * Graceful shutdown, in order, each step with its own time limit. A step that
 * overruns is abandoned so the next can run: a stuck HTTP connection must not
 * keep the queues from closing, nor the queues keep Redis connections open.
 */
import type { Logger } from './logger';
import { withTimeout } from './wait-for';

/** One shutdown step. */
export interface ShutdownStep {
  name: string;
  timeoutMs: number;
  run: () => Promise<void>;
}

/** Runs `steps` in order; resolves true if every step finished in time. */
export async function runShutdown(steps: readonly ShutdownStep[], log: Logger): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    const started = Date.now();
    try {
      await withTimeout(step.run(), step.timeoutMs, () => new Error(`${step.name} did not stop in ${step.timeoutMs} ms`));
      log.info({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
    } catch (err) {
      clean = false;
      log.error({ err, step: step.name }, 'shutdown step failed');
    }
  }
  return clean;
}

/**
 * Runs `steps` on the first SIGTERM or SIGINT, then exits 0. A second signal
 * exits at once (status 130), for an operator who does not want to wait.
 */
export function handleSignals(steps: readonly ShutdownStep[], log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    void runShutdown(steps, log).then(() => {
      log.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
