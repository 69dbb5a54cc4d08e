/**
 * The dashboard's lane cards: per lane, how many pushes wait, run and are
 * delayed, how long the oldest waiting push has waited (the lag), and the
 * lane's delivery rate with a sparkline. Same rules as the core script
 * (page-script.ts), whose helpers (el, setText, num, fmt, fmtRate, sumOf,
 * state) it uses: the scripts run in one function scope.
 */

/** Browser script: renders the lane cards from one /v1/dashboard reply. */
export const LANES_SCRIPT = String.raw`
// About two minutes of history at one sample per poll.
const SPARK_SAMPLES = 60;
// A lag past these shows in amber: the consumer HPA's lag targets (deploy/k8s/30-consumer.yaml).
const LAG_WARN_MS = { interactive: 2000, bulk: 60000 };

/** An age in ms, short: 850 ms, 4.2 s, 37 s, 12 min 5 s, 3 h 20 min. */
function fmtAge(value) {
  const ms = Math.max(0, num(value));
  if (ms < 1000) return Math.round(ms) + (ms === 0 ? ' s' : ' ms');
  const seconds = ms / 1000;
  if (seconds < 10) return seconds.toFixed(1) + ' s';
  if (seconds < 60) return Math.round(seconds) + ' s';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + ' min ' + Math.floor(seconds % 60) + ' s';
  return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
}

function renderLanes(at, byLane) {
  const previous = state.previous;
  const delivered = {};
  for (const lane of LANES) delivered[lane] = sumOf(byLane[lane], (s) => (s.totals || {}).delivered);
  state.previous = { at: at, delivered: delivered };
  for (const lane of LANES) {
    const shards = byLane[lane];
    setText(lane + '-shards', shards.length + (shards.length === 1 ? ' shard' : ' shards'));
    setText(lane + '-waiting', fmt(sumOf(shards, (s) => s.waiting)));
    setText(lane + '-active', fmt(sumOf(shards, (s) => s.active)));
    setText(lane + '-delayed', fmt(sumOf(shards, (s) => s.delayed)));
    const oldest = shards.reduce((max, s) => Math.max(max, num(s.oldestWaitingMs)), 0);
    setText(lane + '-oldest', fmtAge(oldest));
    el(lane + '-oldest').classList.toggle('warn-text', oldest > LAG_WARN_MS[lane]);
    // Throughput is the change in lifetime deliveries between two polls, so the first poll has none.
    if (previous && at > previous.at) {
      // A total that went down means the counters were reset, not negative throughput.
      const done = Math.max(0, delivered[lane] - num(previous.delivered[lane]));
      renderThroughput(lane, done / ((at - previous.at) / 1000));
    }
  }
}

function renderThroughput(lane, rate) {
  const samples = state.samples[lane] || (state.samples[lane] = []);
  samples.push(rate);
  if (samples.length > SPARK_SAMPLES) samples.shift();
  const peak = Math.max.apply(null, samples);
  setText(lane + '-throughput', fmtRate(rate));
  setText(lane + '-peak', 'peak ' + fmtRate(peak) + '/s');
  drawSparkline(el(lane + '-sparkline'), samples, peak);
}

/** Newest sample at the right edge; the scale is the peak of the window. */
function drawSparkline(svg, samples, peak) {
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
`;
