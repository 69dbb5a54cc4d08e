import { expect } from 'chai';
import { type CpuProfile, ownerOf, summarizeProfile, topTable } from '../../../scripts/support/cpu-profile';

const frame = (functionName: string, url = '', lineNumber = 0): { functionName: string; url: string; lineNumber: number } => ({ functionName, url, lineNumber });

// Five nodes: idle, program, GC, an axios function and a service function.
const profile: CpuProfile = {
  startTime: 1_000,
  nodes: [
    { id: 1, callFrame: frame('(idle)') },
    { id: 2, callFrame: frame('(program)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('mergeConfig', 'file:///app/node_modules/axios/lib/core/mergeConfig.js', 9) },
    { id: 5, callFrame: frame('send', 'file:///app/dist/src/notify/push-client.js', 41) },
  ],
  samples: [1, 2, 3, 4, 4, 5, 1],
  timeDeltas: [100, 100, 100, 200, 200, 300, 100],
};

describe('scripts/support/cpu-profile', () => {
  it('counts busy time only: (idle) and (program) are left out, GC stays', () => {
    const summary = summarizeProfile(profile);
    expect(summary.totalMs).to.equal(1.1);
    expect(summary.busyMs).to.equal(0.8);
    expect(summary.entries.map((e) => [e.name, e.selfMs])).to.deep.equal([
      ['mergeConfig (axios/lib/core/mergeConfig.js:10)', 0.4],
      ['send (src/notify/push-client.js:42)', 0.3],
      ['(garbage collector)', 0.1],
    ]);
    expect(summary.entries[0]?.share).to.equal(0.5);
  });

  it('names owners by package, node internals, the service or the pseudo-node', () => {
    expect(ownerOf('request', 'file:///a/node_modules/undici/lib/api/api-request.js')).to.equal('undici');
    expect(ownerOf('x', 'file:///a/node_modules/@scope/pkg/x.js')).to.equal('@scope/pkg');
    expect(ownerOf('writev', 'node:internal/stream_base_commons')).to.equal('node: internals');
    expect(ownerOf('handle', 'file:///a/dist/consumer/push-handler.js')).to.equal('service');
    expect(ownerOf('(garbage collector)', '')).to.equal('(garbage collector)');
    expect(ownerOf('writeUtf8String', '')).to.equal('(native)');
  });

  it('keeps only the samples inside a window of the monotonic clock', () => {
    // Sample times: 1100, 1200, 1300, 1500, 1700, 2000, 2100.
    const summary = summarizeProfile(profile, { fromUs: 1_400, toUs: 2_000 });
    expect(summary.busyMs).to.equal(0.7);
    expect(summary.entries.map((e) => e.name)).to.deep.equal(['mergeConfig (axios/lib/core/mergeConfig.js:10)', 'send (src/notify/push-client.js:42)']);
  });

  it('prints the top entries as a markdown table with µs per push', () => {
    const text = topTable(summarizeProfile(profile), 4, 2);
    expect(text.split('\n')).to.have.length(4);
    expect(text).to.include('| 1 | `mergeConfig (axios/lib/core/mergeConfig.js:10)` | axios | 0 | 50.0% | 100.0 |');
  });
});
