/**
 * The dead-letter table: the newest dead letters, with a Replay button per
 * message and a Replay all that asks first.
 */
import { api, quiet } from './api.js';
import { el, fmt, make, num, setText } from './dom.js';
import { laneBadge, laneOf } from './lane.js';
import { showNotice } from './notice.js';

const DEAD_LETTER_LIMIT = 50;
const REASONS = { rejected: 'rejected', retries_exhausted: 'retries exhausted' };
// Requests are numbered, so a slow reply from before a replay cannot bring back rows the replay removed.
const tickets = { asked: 0, shown: 0 };
let total = 0;

/** Wires the Replay buttons (one listener for all rows) and Replay all. */
export function bindDeadLetters() {
  el('dead-letter-rows').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-testid="replay-message"]') : null;
    if (button && button.dataset.messageId) replay({ messageId: button.dataset.messageId }, button);
  });
  el('replay-all').addEventListener('click', () => {
    if (confirm('Replay all ' + fmt(total) + ' dead letters? Each push is sent to the proxy again.')) replay({ all: true }, el('replay-all'));
  });
}

/** Fetches and renders the newest dead letters. */
export async function loadDeadLetters() {
  tickets.asked += 1;
  const ticket = tickets.asked;
  const data = await api('/v1/dead-letters?limit=' + DEAD_LETTER_LIMIT);
  if (ticket > tickets.shown) {
    tickets.shown = ticket;
    renderDeadLetters(data);
  }
}

function renderDeadLetters(data) {
  const items = (Array.isArray(data.items) ? data.items : []).slice().sort((a, b) => num(b.failedAt) - num(a.failedAt));
  total = num(data.total);
  el('replay-all').disabled = total === 0;
  setText('dead-letter-total', total === 0 ? '' : items.length < total ? 'newest ' + items.length + ' of ' + fmt(total) : fmt(total) + ' total');
  const body = el('dead-letter-rows');
  if (items.length === 0) {
    const row = make('tr', 'empty');
    const cell = make('td', '', 'No dead letters: every push was delivered or is still on its way.');
    cell.colSpan = 9;
    row.append(cell);
    body.replaceChildren(row);
    return;
  }
  body.replaceChildren(...items.map(deadLetterRow));
}

function reasonCell(item) {
  const cell = make('td');
  const badge = make('span', 'badge', REASONS[item.reason] || item.reason);
  // Only known reasons become class names; anything else keeps the plain badge.
  if (Object.prototype.hasOwnProperty.call(REASONS, item.reason)) badge.classList.add(item.reason);
  badge.dataset.testid = 'dead-letter-reason';
  badge.dataset.reason = String(item.reason);
  cell.append(badge);
  return cell;
}

function replayCell(push) {
  const cell = make('td', 'num');
  const button = make('button', 'btn outline small', 'Replay');
  button.type = 'button';
  button.dataset.testid = 'replay-message';
  if (push.messageId) {
    button.dataset.messageId = String(push.messageId);
    button.title = 'Replay every dead letter of message ' + push.messageId;
  } else button.disabled = true;
  cell.append(button);
  return cell;
}

function deadLetterRow(item) {
  const push = item.push || {};
  const row = make('tr');
  row.dataset.testid = 'dead-letter-row';
  const failed = make('td', 'muted', ago(num(item.failedAt)));
  failed.title = new Date(num(item.failedAt)).toISOString();
  const error = make('td', 'error', item.error);
  error.title = String(item.error || '');
  const recipient = make('td', 'mono', push.recipientId || item.jobId);
  recipient.dataset.testid = 'dead-letter-recipient';
  const message = make('td', 'mono', push.messageId);
  message.dataset.testid = 'dead-letter-message';
  const status = make('td', 'num', item.status === null || item.status === undefined ? '—' : item.status);
  // A replay sends the push again in this lane, on the shard it failed on.
  const lane = make('td');
  lane.append(laneBadge(item, 'dead-letter-lane'));
  lane.title = 'shard ' + num(item.shard) + ' of the ' + laneOf(item) + ' lane';
  row.append(recipient, message, lane, reasonCell(item), status, make('td', 'num', fmt(item.attempts)), failed, error, replayCell(push));
  return row;
}

function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 60) return seconds + ' s ago';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
  if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
  return new Date(ms).toLocaleDateString('en-GB');
}

/** Replays, then reloads the list at once; the totals follow on the next poll. */
async function replay(body, button) {
  button.disabled = true;
  try {
    const result = await api('/v1/dead-letters/replay', 'POST', body);
    const n = num(result.replayed);
    const what = n === 1 ? ' dead letter' : ' dead letters';
    const skipped = num(result.skipped);
    const kept = skipped > 0 ? ' Kept ' + skipped + ' whose push is still queued; replay them once it has run.' : '';
    showNotice('Replayed ' + n + what + (body.messageId ? ' of ' + body.messageId : '') + '.' + kept, skipped > 0);
    await loadDeadLetters();
  } catch (err) {
    if (!quiet(err)) showNotice('Replay failed: ' + err.message, true);
  } finally {
    button.disabled = false;
  }
}
