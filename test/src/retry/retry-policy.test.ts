import { expect } from 'chai';
import BeeQueue = require('bee-queue');
import { trimFailureHistory } from '../../../src/bee/failure-history';
import { TransientPushError } from '../../../src/core/errors';
import { applyFailure, applyRetryPolicy, forbidRetry, pushBackoffDelay, refundRetry, registerPushBackoff, retryNoSoonerThan } from '../../../src/retry/retry-policy';

describe('retry-policy', () => {
  // A queue that never connects: only its job factory and strategy map are used.
  const queue = new BeeQueue('unit', { autoConnect: false, isWorker: false, getEvents: false });
  registerPushBackoff(queue);

  function jobAfterFailures(failures: number): BeeQueue.Job<unknown> {
    const job = queue.createJob<unknown>({});
    applyRetryPolicy(job, { retries: 5, backoffBaseMs: 1000, backoffMaxMs: 10_000 });
    for (let i = 0; i < failures; i++) (job.options.stacktraces as string[]).push('err');
    return job;
  }

  it('grows exponentially with equal jitter', () => {
    for (let i = 0; i < 50; i++) {
      expect(pushBackoffDelay(jobAfterFailures(0))).to.be.within(500, 1000);
      expect(pushBackoffDelay(jobAfterFailures(2))).to.be.within(2000, 4000);
    }
  });

  it('counts failures whose reasons were trimmed off the job', () => {
    const job = queue.createJob<unknown>({});
    applyRetryPolicy(job, { retries: 5, backoffBaseMs: 1000, backoffMaxMs: 100_000 });
    (job.options.stacktraces as string[]).push('err', 'err', 'err', 'err');
    trimFailureHistory(job, 3);
    expect(job.options.stacktraces).to.have.length(2);
    // Four earlier failures: 16 s nominal, not the 4 s that the two kept reasons alone would give.
    for (let i = 0; i < 50; i++) expect(pushBackoffDelay(job)).to.be.within(8000, 16_000);
  });

  it('gives back the retry of a run that never tried the upstream (it waited its turn)', () => {
    const job = jobAfterFailures(0);
    job.options.retries = 0;
    refundRetry(job);
    // Bee-Queue retries a job whose failed run still has retries left: this one is not the last after all.
    expect(job.options.retries).to.equal(1);
    expect(applyFailure(job, new TransientPushError('busy', undefined, undefined))).to.deep.equal({ permanent: false, final: false });
  });

  it('is capped', () => {
    for (let i = 0; i < 50; i++) expect(pushBackoffDelay(jobAfterFailures(20))).to.be.within(5000, 10_000);
  });

  it('spreads retries out', () => {
    const delays = new Set(Array.from({ length: 20 }, () => pushBackoffDelay(jobAfterFailures(1))));
    expect(delays.size).to.be.greaterThan(10);
  });

  it('waits at least as long as Retry-After asked, once', () => {
    const job = jobAfterFailures(0);
    retryNoSoonerThan(job, 30_000);
    expect(pushBackoffDelay(job)).to.equal(30_000);
    expect(pushBackoffDelay(job)).to.be.below(30_000);
  });

  it('makes Bee-Queue fail a job for good when retry is forbidden', () => {
    const job = jobAfterFailures(0);
    expect(job.options.retries).to.equal(5);
    forbidRetry(job);
    // computeDelay is Bee-Queue's own decision: negative means "failed, no retry".
    expect((job as unknown as { computeDelay(): number }).computeDelay()).to.be.below(0);
  });

  it("ends a job saved without retries at its first failure, as Bee-Queue does, so it is dead-lettered", () => {
    // Not written by this service (e.g. a manual createJob): Bee-Queue's computeDelay will not retry it.
    const job = queue.createJob<unknown>({});
    expect(job.options.retries).to.equal(undefined);
    expect(applyFailure(job, new TransientPushError('503', 503, undefined))).to.deep.equal({ permanent: false, final: true });
    expect((job as unknown as { computeDelay(): number }).computeDelay()).to.be.below(0);
    expect(applyFailure(jobAfterFailures(0), new TransientPushError('503', 503, undefined)).final).to.equal(false);
  });
});
