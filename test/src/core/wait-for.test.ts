/** waitFor: resolves with the condition's value, and a timeout says what was still missing at the deadline. */
import { expect } from 'chai';
import { waitFor, WaitTimeoutError } from '../../../src/core/wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value of the condition', async () => {
    let polls = 0;
    const value = await waitFor(() => (++polls >= 3 ? `after ${polls}` : undefined), { timeoutMs: 2000, intervalMs: 1, description: 'three polls' });
    expect(value).to.equal('after 3');
  });

  it('builds a function description at the deadline, from the state then, not at the start', async () => {
    const left = [1, 2, 3];
    let built = 0;
    const wait = waitFor(
      () => {
        left.pop(); // progress that never completes: one item always stays
        if (left.length === 0) left.push(0);
        return false;
      },
      { timeoutMs: 100, intervalMs: 5, description: () => `${++built} build(s), left: ${left.length}` },
    );
    const err = await wait.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(WaitTimeoutError);
    // Built once, at the deadline: an eager description would read "left: 3".
    expect((err as Error).message).to.equal('timed out after 100 ms waiting for 1 build(s), left: 1');
  });

  it('still times out, naming the failure, when the description itself throws', async () => {
    const err = await waitFor(() => false, {
      timeoutMs: 20,
      intervalMs: 5,
      description: () => {
        throw new Error('boom');
      },
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect((err as Error).message).to.contain('(description failed: boom)');
  });

  it('keeps a string description and reports the last error of the condition', async () => {
    const err = await waitFor(
      () => {
        throw new Error('not yet');
      },
      { timeoutMs: 20, intervalMs: 5, description: 'a failing probe' },
    ).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('timed out after 20 ms waiting for a failing probe (last error: not yet)');
  });
});
