/**
 * The dashboard's live numbers: headline totals, the throughput sparkline
 * and the shard table, rendered from each /v1/dashboard reply. Same rules
 * as the core script (page-script.ts), whose helpers (el, make, setText,
 * num, fmt, state) it uses: the scripts run in one function scope.
 */

/** Browser script: renders one /v1/dashboard reply. */
export const LIVE_SCRIPT = String.raw`
// About two minutes of history at one sample per poll.
const SPARK_SAMPLES = 60;

function renderDashboard(data) {
  const shards = (Array.isArray(data.shards) ? data.shards : []).slice().sort((a, b) => num(a.index) - num(b.index));
  const sum = (pick) => shards.reduce((total, shard) => total + num(pick(shard)), 0);
  const totals = (shard) => shard.totals || {};
  const dead = sum((s) => s.deadLetters);
  const delivered = sum((s) => totals(s).delivered);
  setText('total-waiting', fmt(sum((s) => s.waiting)));
  setText('total-active', fmt(sum((s) => s.active)));
  setText('total-delayed', fmt(sum((s) => s.delayed)));
  setText('total-dead-letters', fmt(dead));
  el('dead-letter-card').classList.toggle('alert', dead > 0);
  setText('total-delivered', fmt(delivered));
  setText('total-failed', fmt(sum((s) => totals(s).failed)));
  setText('total-expired', fmt(sum((s) => totals(s).expired)));
  renderThroughput(num(data.at), delivered);
  renderShards(shards);
}

/** Throughput is the change in lifetime deliveries between two polls, so the first poll has none. */
function renderThroughput(at, delivered) {
  const previous = state.previous;
  state.previous = { at: at, delivered: delivered };
  if (!previous || at <= previous.at) return;
  // A total that went down means the counters were reset, not negative throughput.
  const rate = Math.max(0, delivered - previous.delivered) / ((at - previous.at) / 1000);
  state.samples.push(rate);
  if (state.samples.length > SPARK_SAMPLES) state.samples.shift();
  const peak = Math.max.apply(null, state.samples);
  setText('throughput', fmtRate(rate));
  setText('throughput-peak', 'peak ' + fmtRate(peak) + '/s');
  drawSparkline(state.samples, peak);
}

/** Newest sample at the right edge; the scale is the peak of the window. */
function drawSparkline(samples, peak) {
  const svg = el('sparkline');
  const step = 120 / (SPARK_SAMPLES - 1);
  const points = samples.map((value, i) => {
    const x = 120 - (samples.length - 1 - i) * step;
    const y = 38 - (peak > 0 ? (value / peak) * 34 : 0);
    return x.toFixed(1) + ',' + y.toFixed(1);
  });
  svg.querySelector('polyline').setAttribute('points', points.join(' '));
  const first = points[0].split(',')[0];
  const last = points[points.length - 1].split(',')[0];
  svg.querySelector('path').setAttribute('d', 'M' + first + ',40 L' + points.join(' L') + ' L' + last + ',40 Z');
}

function numberCell(value, extraClass) {
  const n = num(value);
  return make('td', 'num' + (n === 0 ? ' zero' : extraClass ? ' ' + extraClass : ''), fmt(n));
}

function renderShards(shards) {
  const maxWaiting = shards.reduce((max, s) => Math.max(max, num(s.waiting)), 0);
  const rows = shards.map((shard) => {
    const row = make('tr');
    row.dataset.testid = 'shard-row';
    const node = shard.node ? make('td', 'mono', shard.node) : make('td', 'warn-text', 'disconnected');
    const waiting = make('td', 'num');
    const depth = make('div', 'depth');
    const bar = make('span', 'bar');
    const fill = make('span', 'fill');
    fill.style.width = (maxWaiting > 0 ? (num(shard.waiting) / maxWaiting) * 100 : 0).toFixed(1) + '%';
    bar.append(fill);
    depth.append(bar, make('span', num(shard.waiting) === 0 ? 'zero' : '', fmt(shard.waiting)));
    waiting.append(depth);
    row.append(
      make('td', 'num muted', num(shard.index)),
      make('td', 'mono', shard.tag),
      node,
      waiting,
      numberCell(shard.active),
      numberCell(shard.delayed),
      numberCell(shard.deadLetters, 'bad-text'),
      numberCell((shard.totals || {}).delivered),
    );
    return row;
  });
  el('shard-rows').replaceChildren(...rows);
  setText('shard-count', rows.length + (rows.length === 1 ? ' shard' : ' shards'));
}
`;
