/**
 * The lane cards: per lane, how many pushes wait, run and are delayed, how
 * long the oldest waiting push has waited (the lag), and the lane's delivery
 * rate with a sparkline. Each lane gets its own card because a bulk backlog
 * is normal where an interactive one is not.
 */
import { el, fmt, fmtAge, fmtRate, num, setText, sumOf } from './dom.js';
import { LANES } from './lane.js';

// About two minutes of history at one sample per poll.
const SPARK_SAMPLES = 60;
// A lag past these shows in amber: the consumer HPA's lag targets (deploy/k8s/30-consumer.yaml).
const LAG_WARN_MS = { interactive: 2000, bulk: 60000 };

// The last poll's lifetime deliveries per lane, and each lane's throughput samples since.
let previous = null;
let samples = {};

/** Puts one card per lane, from the page's template, in front of the other cards. */
export function drawLaneCards() {
  const template = el('lane-card-template');
  const cards = LANES.map((lane) => {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.lane = lane;
    const badge = card.querySelector('.lane-badge');
    badge.classList.add(lane);
    badge.textContent = lane;
    for (const field of card.querySelectorAll('[data-field]')) field.dataset.testid = lane + '-' + field.dataset.field;
    return card;
  });
  el('stats').prepend(...cards);
}

/** Forgets the throughput history: a new session starts its own. */
export function resetLanes() {
  previous = null;
  samples = {};
}

/** Fills each lane's card from its shards; `at` is the reply's time, for the rate. */
export function renderLanes(at, byLane) {
  const before = previous;
  const delivered = {};
  for (const lane of LANES) delivered[lane] = sumOf(byLane[lane], (s) => (s.totals || {}).delivered);
  previous = { at: at, delivered: delivered };
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
    if (before && at > before.at) {
      // A total that went down means the counters were reset, not negative throughput.
      const done = Math.max(0, delivered[lane] - num(before.delivered[lane]));
      renderThroughput(lane, done / ((at - before.at) / 1000));
    }
  }
}

function renderThroughput(lane, rate) {
  const history = samples[lane] || (samples[lane] = []);
  history.push(rate);
  if (history.length > SPARK_SAMPLES) history.shift();
  const peak = Math.max.apply(null, history);
  setText(lane + '-throughput', fmtRate(rate));
  setText(lane + '-peak', 'peak ' + fmtRate(peak) + '/s');
  drawSparkline(el(lane + '-sparkline'), history, peak);
}

/** Newest sample at the right edge; the scale is the peak of the window. */
function drawSparkline(svg, history, peak) {
  const step = 120 / (SPARK_SAMPLES - 1);
  const points = history.map((value, i) => {
    const x = 120 - (history.length - 1 - i) * step;
    const y = 38 - (peak > 0 ? (value / peak) * 34 : 0);
    return x.toFixed(1) + ',' + y.toFixed(1);
  });
  svg.querySelector('polyline').setAttribute('points', points.join(' '));
  const first = points[0].split(',')[0];
  const last = points[points.length - 1].split(',')[0];
  svg.querySelector('path').setAttribute('d', 'M' + first + ',40 L' + points.join(' L') + ' L' + last + ',40 Z');
}
