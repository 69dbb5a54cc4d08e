/**
 * Mocha's spec reporter, plus one closing line in the plain form CI reads:
 * `tests: N passed, N failed, N skipped`.
 */
import Mocha = require('mocha');

/** Spec output with a machine-readable summary line at the end. */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats;
      if (!stats) return;
      process.stdout.write(`tests: ${stats.passes} passed, ${stats.failures} failed, ${stats.pending} skipped\n`);
    });
  }
}

// Mocha loads a reporter module by its module.exports, so this must be the CommonJS export.
export = SummaryReporter;
