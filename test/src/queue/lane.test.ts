import { expect } from 'chai';
import { laneFor, storedLane } from '../../../src/queue/lane';

describe('lane', () => {
  it('sends rooms below BULK_MIN_RECIPIENTS in the interactive lane, and larger ones in bulk', () => {
    expect(laneFor(1, undefined, 1000)).to.equal('interactive');
    expect(laneFor(999, 'auto', 1000)).to.equal('interactive');
    expect(laneFor(1000, undefined, 1000)).to.equal('bulk');
    expect(laneFor(100_000, 'auto', 1000)).to.equal('bulk');
  });

  it('lets a caller demote a message to bulk, never promote one', () => {
    expect(laneFor(2, 'bulk', 1000)).to.equal('bulk');
    expect(laneFor(5000, 'auto', 1000)).to.equal('bulk');
  });

  it('reads records written before lanes as interactive, the lane that kept the old queue names', () => {
    expect(storedLane(null)).to.equal('interactive');
    expect(storedLane(undefined)).to.equal('interactive');
    expect(storedLane('interactive')).to.equal('interactive');
    expect(storedLane('bulk')).to.equal('bulk');
  });
});
