/**
 * The live numbers of one /v1/dashboard reply: headline totals, the lane
 * cards (lane-cards.js) and the shard table, grouped by lane.
 */
import { el, fmt, fmtAge, make, num, setText, sumOf } from './dom.js';
import { LANES, laneBadge, laneOf } from './lane.js';
import { renderLanes } from './lane-cards.js';

// Lane order first, then shard number: a shard number repeats in every lane.
function byLaneThenIndex(a, b) {
  return LANES.indexOf(laneOf(a)) - LANES.indexOf(laneOf(b)) || num(a.index) - num(b.index);
}

/** Draws one /v1/dashboard reply: totals, lane cards and the shard table. */
export function renderDashboard(data) {
  const shards = (Array.isArray(data.shards) ? data.shards : []).slice().sort(byLaneThenIndex);
  const byLane = {};
  for (const lane of LANES) byLane[lane] = shards.filter((shard) => laneOf(shard) === lane);
  const totals = (shard) => shard.totals || {};
  const dead = sumOf(shards, (s) => s.deadLetters);
  setText('total-dead-letters', fmt(dead));
  el('dead-letter-card').classList.toggle('alert', dead > 0);
  setText('total-delivered', fmt(sumOf(shards, (s) => totals(s).delivered)));
  setText('total-failed', fmt(sumOf(shards, (s) => totals(s).failed)));
  setText('total-expired', fmt(sumOf(shards, (s) => totals(s).expired)));
  setText('total-collapsed', fmt(sumOf(shards, (s) => totals(s).collapsed)));
  renderLanes(num(data.at), byLane);
  renderShards(byLane);
}

function numberCell(value, extraClass) {
  const n = num(value);
  return make('td', 'num' + (n === 0 ? ' zero' : extraClass ? ' ' + extraClass : ''), fmt(n));
}

function renderShards(byLane) {
  const rows = [];
  for (const lane of LANES) {
    const shards = byLane[lane];
    rows.push(groupRow(lane, shards));
    // Bars scale within a lane: they show how evenly its shards fill, and a
    // broadcast in bulk would otherwise flatten every interactive bar to nothing.
    const maxWaiting = shards.reduce((max, s) => Math.max(max, num(s.waiting)), 0);
    for (const shard of shards) rows.push(shardRow(shard, maxWaiting));
  }
  el('shard-rows').replaceChildren(...rows);
  const count = sumOf(LANES, (lane) => byLane[lane].length);
  setText('shard-count', count + (count === 1 ? ' shard' : ' shards') + ' in ' + LANES.length + ' lanes');
}

function groupRow(lane, shards) {
  const row = make('tr', 'group');
  row.dataset.testid = 'shard-group';
  row.dataset.lane = lane;
  const cell = make('td');
  cell.colSpan = 9;
  const waiting = sumOf(shards, (s) => s.waiting);
  cell.append(laneBadge({ lane: lane }), make('span', 'muted', shards.length + ' shards · ' + fmt(waiting) + ' waiting'));
  row.append(cell);
  return row;
}

function waitingCell(shard, maxWaiting) {
  const cell = make('td', 'num');
  cell.dataset.testid = 'shard-waiting';
  const depth = make('div', 'depth');
  const bar = make('span', 'bar');
  const fill = make('span', 'fill ' + laneOf(shard));
  // Set through the CSSOM, which the page's CSP allows; a style attribute in markup it would block.
  fill.style.width = (maxWaiting > 0 ? (num(shard.waiting) / maxWaiting) * 100 : 0).toFixed(1) + '%';
  bar.append(fill);
  depth.append(bar, make('span', num(shard.waiting) === 0 ? 'zero' : '', fmt(shard.waiting)));
  cell.append(depth);
  return cell;
}

function shardRow(shard, maxWaiting) {
  const row = make('tr');
  row.dataset.testid = 'shard-row';
  // Lane and number together name a shard; the number alone repeats across lanes.
  row.dataset.lane = laneOf(shard);
  row.dataset.index = String(num(shard.index));
  const node = shard.node ? make('td', 'mono', shard.node) : make('td', 'warn-text', 'disconnected');
  const oldest = make('td', 'num' + (num(shard.oldestWaitingMs) === 0 ? ' zero' : ''), fmtAge(shard.oldestWaitingMs));
  row.append(
    make('td', 'num muted', num(shard.index)),
    make('td', 'mono', shard.tag),
    node,
    waitingCell(shard, maxWaiting),
    numberCell(shard.active),
    numberCell(shard.delayed),
    oldest,
    numberCell(shard.deadLetters, 'bad-text'),
    numberCell((shard.totals || {}).delivered),
  );
  return row;
}
