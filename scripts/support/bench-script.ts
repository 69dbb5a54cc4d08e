/**
 * The end of a script built on the bench's harness (`npm run profile`,
 * scripts/profile-intake): a failure is reported, and every process the
 * harness started is stopped before the script exits, whatever happened.
 */
import { cleanupAll, killLeftovers } from '../../bench/children';

/** Runs `main` as the whole script named `name`; exits with 1 if it failed. */
export function runBenchScript(name: string, main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanupAll();
      killLeftovers();
      process.exit(process.exitCode ?? 0);
    });
}
