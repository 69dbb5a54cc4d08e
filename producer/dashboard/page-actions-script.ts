/**
 * The dashboard's action script: the dead-letter table with its replay
 * buttons, the message lookup box and the notice. Same rules as the core
 * script (page-script.ts), whose helpers (el, make, api, fmt, num, laneOf,
 * laneBadge, state) it uses: the scripts run in one function scope.
 */

/** Browser script: dead letters, replay, lookup. */
export const ACTIONS_SCRIPT = String.raw`
const DEAD_LETTER_LIMIT = 50;
const NOTICE_MS = 8000;
const REASONS = { rejected: 'rejected', retries_exhausted: 'retries exhausted' };
let noticeTimer = 0;

function bindActions() {
  el('dead-letter-rows').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-testid="replay-message"]') : null;
    if (button && button.dataset.messageId) replay({ messageId: button.dataset.messageId }, button);
  });
  el('replay-all').addEventListener('click', () => {
    const count = fmt(state.deadLetterTotal);
    if (confirm('Replay all ' + count + ' dead letters? Each push is sent to the proxy again.')) replay({ all: true }, el('replay-all'));
  });
  el('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookup(el('lookup-input').value.trim());
  });
}

/**
 * Fetches and renders the newest dead letters. Requests are numbered, so a
 * slow reply from before a replay cannot bring back rows the replay removed.
 */
async function loadDeadLetters() {
  state.deadLetterAsked += 1;
  const ticket = state.deadLetterAsked;
  const data = await api('/v1/dead-letters?limit=' + DEAD_LETTER_LIMIT);
  if (ticket > state.deadLetterShown) {
    state.deadLetterShown = ticket;
    renderDeadLetters(data);
  }
}

function renderDeadLetters(data) {
  const items = (Array.isArray(data.items) ? data.items : []).slice().sort((a, b) => num(b.failedAt) - num(a.failedAt));
  const total = num(data.total);
  state.deadLetterTotal = total;
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

function deadLetterRow(item) {
  const push = item.push || {};
  const row = make('tr');
  row.dataset.testid = 'dead-letter-row';
  const reason = make('td');
  const badge = make('span', 'badge', REASONS[item.reason] || item.reason);
  // Only known reasons become class names; anything else keeps the plain badge.
  if (Object.prototype.hasOwnProperty.call(REASONS, item.reason)) badge.classList.add(item.reason);
  badge.dataset.testid = 'dead-letter-reason';
  badge.dataset.reason = String(item.reason);
  reason.append(badge);
  const failed = make('td', 'muted', ago(num(item.failedAt)));
  failed.title = new Date(num(item.failedAt)).toISOString();
  const error = make('td', 'error', item.error);
  error.title = String(item.error || '');
  const action = make('td', 'num');
  const button = make('button', 'btn outline small', 'Replay');
  button.type = 'button';
  button.dataset.testid = 'replay-message';
  if (push.messageId) {
    button.dataset.messageId = String(push.messageId);
    button.title = 'Replay every dead letter of message ' + push.messageId;
  } else button.disabled = true;
  action.append(button);
  const recipient = make('td', 'mono', push.recipientId || item.jobId);
  recipient.dataset.testid = 'dead-letter-recipient';
  const message = make('td', 'mono', push.messageId);
  message.dataset.testid = 'dead-letter-message';
  const status = make('td', 'num', item.status === null || item.status === undefined ? '—' : item.status);
  // A replay sends the push again in this lane, on the shard it failed on.
  const lane = make('td');
  lane.append(laneBadge(item, 'dead-letter-lane'));
  lane.title = 'shard ' + num(item.shard) + ' of the ' + laneOf(item) + ' lane';
  row.append(recipient, message, lane, reason, status, make('td', 'num', fmt(item.attempts)), failed, error, action);
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

async function lookup(messageId) {
  if (!messageId) return;
  const out = el('lookup-result');
  const button = el('lookup-submit');
  button.disabled = true;
  try {
    const status = await api('/v1/messages/' + encodeURIComponent(messageId));
    out.replaceChildren(...lookupView(status));
  } catch (err) {
    if (quiet(err)) return;
    const text = err.status === 404 ? 'Message ' + messageId + ' not found.' : 'Lookup failed: ' + err.message;
    out.replaceChildren(make('div', 'not-found', text));
  } finally {
    button.disabled = false;
  }
}

function lookupView(status) {
  const title = make('div', 'title');
  const accepted = make('b', '', fmt(status.accepted));
  accepted.dataset.testid = 'lookup-accepted';
  const summary = make('span', 'muted');
  summary.append(accepted, ' pushes accepted');
  const name = make('span', 'name');
  name.append(make('span', 'mono', status.messageId), laneBadge(status, 'lookup-lane'));
  title.append(name, summary);
  const counts = make('div', 'counts');
  const keys = ['delivered', 'failed', 'expired', 'pending'];
  for (const key of keys) {
    // Outcome colours only where there is something to see; zeros stay plain.
    const box = make('div', num(status[key]) > 0 ? 'count ' + key : 'count');
    const n = make('div', 'n', fmt(status[key]));
    n.dataset.testid = 'lookup-' + key;
    box.append(n, make('div', 'k', key));
    counts.append(box);
  }
  // The bar splits what was accepted into its outcomes so far.
  const stack = make('div', 'stack');
  const legend = make('div', 'legend');
  const whole = Math.max(1, num(status.accepted));
  for (const key of keys) {
    const part = make('span', 'seg-' + key);
    part.style.width = Math.min(100, (num(status[key]) / whole) * 100).toFixed(1) + '%';
    stack.append(part);
    const item = make('span', '', key);
    item.prepend(make('i', 'seg-' + key));
    legend.append(item);
  }
  return [title, counts, stack, legend];
}

function showNotice(text, isError) {
  const notice = el('notice');
  notice.textContent = text;
  notice.classList.toggle('error', isError);
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), NOTICE_MS);
}
`;
