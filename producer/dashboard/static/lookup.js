/** The message lookup: how the pushes of one message went, with its lane. */
import { api, quiet } from './api.js';
import { el, fmt, make, num } from './dom.js';
import { laneBadge } from './lane.js';

const OUTCOMES = ['delivered', 'failed', 'expired', 'collapsed', 'pending'];

/** Looks a message up when the lookup form is submitted. */
export function bindLookup() {
  el('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookup(el('lookup-input').value.trim());
  });
}

async function lookup(messageId) {
  if (!messageId) return;
  const out = el('lookup-result');
  const button = el('lookup-submit');
  button.disabled = true;
  try {
    const status = await api('/v1/messages/' + encodeURIComponent(messageId));
    out.replaceChildren(titleView(status), countsView(status), ...barView(status));
  } catch (err) {
    if (quiet(err)) return;
    const text = err.status === 404 ? 'Message ' + messageId + ' not found.' : 'Lookup failed: ' + err.message;
    out.replaceChildren(make('div', 'not-found', text));
  } finally {
    button.disabled = false;
  }
}

function titleView(status) {
  const title = make('div', 'title');
  const accepted = make('b', '', fmt(status.accepted));
  accepted.dataset.testid = 'lookup-accepted';
  const summary = make('span', 'muted');
  summary.append(accepted, ' pushes accepted');
  const name = make('span', 'name');
  name.append(make('span', 'mono', status.messageId), laneBadge(status, 'lookup-lane'));
  title.append(name, summary);
  return title;
}

function countsView(status) {
  const counts = make('div', 'counts');
  for (const key of OUTCOMES) {
    // Outcome colours only where there is something to see; zeros stay plain.
    const box = make('div', num(status[key]) > 0 ? 'count ' + key : 'count');
    const n = make('div', 'n', fmt(status[key]));
    n.dataset.testid = 'lookup-' + key;
    box.append(n, make('div', 'k', key));
    counts.append(box);
  }
  return counts;
}

/** The bar splits what was accepted into its outcomes so far, with its legend. */
function barView(status) {
  const stack = make('div', 'stack');
  const legend = make('div', 'legend');
  const whole = Math.max(1, num(status.accepted));
  for (const key of OUTCOMES) {
    const part = make('span', 'seg-' + key);
    part.style.width = Math.min(100, (num(status[key]) / whole) * 100).toFixed(1) + '%';
    stack.append(part);
    const item = make('span', '', key);
    item.prepend(make('i', 'seg-' + key));
    legend.append(item);
  }
  return [stack, legend];
}
