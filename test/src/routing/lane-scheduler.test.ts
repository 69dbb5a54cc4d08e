import { expect } from 'chai';
import { LaneGate, planLanes } from '../../../src/routing/lane-scheduler';

/** Starts `n` jobs of `lane` that stay running until released; returns how many started at once. */
function startMany(gate: LaneGate, lane: 'interactive' | 'bulk', n: number): { started: () => number } {
  let started = 0;
  for (let i = 0; i < n; i++) void gate.acquire(lane).then(() => (started += 1));
  return { started: () => started };
}

/** Lets resolved acquisitions run their continuations. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('lane-scheduler', () => {
  it('plans the default 20% / 20% shares of 50 slots as 10 reserved and 10 minimum', () => {
    const plan = planLanes(50, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 });
    expect(plan).to.deep.equal({
      total: 50,
      interactiveReserved: 10,
      bulkMinimum: 10,
      caps: { interactive: 40, bulk: 40 },
      take: { interactive: 160, bulk: 40 },
    });
  });

  it('gives each lane at least one slot however small the concurrency, and a share above 0 % at least one slot', () => {
    expect(planLanes(1, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }).caps).to.deep.equal({ interactive: 1, bulk: 1 });
    expect(planLanes(2, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 })).to.include({ interactiveReserved: 1, bulkMinimum: 1 });
    // 0 % turns a guarantee off: a 2-slot consumer then runs 2 interactive jobs at once.
    expect(planLanes(2, { interactiveReservedPercent: 20, bulkMinimumPercent: 0 }).caps).to.deep.equal({ interactive: 2, bulk: 1 });
  });

  it('lets bulk use everything but the interactive reserve while interactive is idle', async () => {
    const gate = new LaneGate(planLanes(50, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }));
    const bulk = startMany(gate, 'bulk', 45);
    await settle();
    expect(bulk.started()).to.equal(40);
    expect(gate.waiting('bulk')).to.equal(5);
  });

  it('starts interactive jobs at once even when bulk holds all it may', async () => {
    const gate = new LaneGate(planLanes(50, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }));
    startMany(gate, 'bulk', 45);
    const interactive = startMany(gate, 'interactive', 10);
    await settle();
    expect(interactive.started()).to.equal(10);
    expect(gate.inFlight('interactive')).to.equal(10);
  });

  it('keeps the bulk minimum running while interactive is busy, and hands freed slots to waiting bulk jobs', async () => {
    const gate = new LaneGate(planLanes(50, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }));
    startMany(gate, 'interactive', 40);
    const bulk = startMany(gate, 'bulk', 30);
    await settle();
    // 40 interactive already exceed total - reserve, so only the minimum of bulk runs.
    expect(bulk.started()).to.equal(10);
    for (let i = 0; i < 30; i++) gate.release('interactive');
    await settle();
    // 10 interactive left: bulk may grow to 50 - 10 reserved - 10 interactive = 30.
    expect(bulk.started()).to.equal(30);
    expect(gate.waiting('bulk')).to.equal(0);
  });

  it('admits no more bulk jobs on one release than there are free slots', async () => {
    const gate = new LaneGate(planLanes(10, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }));
    const bulk = startMany(gate, 'bulk', 20);
    await settle();
    expect(bulk.started()).to.equal(8);
    gate.release('bulk');
    await settle();
    expect(bulk.started()).to.equal(9);
    expect(gate.inFlight('bulk')).to.equal(8);
  });

  it('holds interactive to its own cap, and lets it go first when a slot frees', async () => {
    const gate = new LaneGate(planLanes(10, { interactiveReservedPercent: 20, bulkMinimumPercent: 20 }));
    const interactive = startMany(gate, 'interactive', 10);
    const bulk = startMany(gate, 'bulk', 5);
    await settle();
    expect([interactive.started(), bulk.started()]).to.deep.equal([8, 2]);
    // A freed bulk slot does not lift interactive past its cap of 8; it goes back to bulk's minimum.
    gate.release('bulk');
    await settle();
    expect([interactive.started(), bulk.started()]).to.deep.equal([8, 3]);
    gate.release('interactive');
    await settle();
    expect([interactive.started(), gate.waiting('interactive')]).to.deep.equal([9, 1]);
  });

  it('starts a bulk send on an idle consumer whatever the shares, so taken bulk jobs never wait for nothing', async () => {
    const gate = new LaneGate(planLanes(1, { interactiveReservedPercent: 100, bulkMinimumPercent: 0 }));
    const bulk = startMany(gate, 'bulk', 2);
    await settle();
    expect(bulk.started()).to.equal(1);
    gate.release('bulk');
    await settle();
    expect(bulk.started()).to.equal(2);
  });
});
