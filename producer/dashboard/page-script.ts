/**
 * The dashboard's core script: shared helpers, the token form, the
 * authenticated fetch helper and the 2-second poll of /v1/dashboard.
 *
 * It is browser JavaScript kept as a string, because the page must be one
 * self-contained document. Rules for this string: no backticks and no
 * dollar-brace (String.raw keeps backslashes verbatim, but those two would
 * still end or interpolate the template), and every value from the API
 * reaches the page through textContent or attributes, never innerHTML.
 * It shares one function scope with the live and actions scripts (see page.ts).
 */

/** Browser script: helpers, auth and polling. */
export const DASHBOARD_SCRIPT = String.raw`
const TOKEN_KEY = 'push-fanout.token';
const POLL_MS = 2000;

const state = {
  token: '',
  // Bumped on every sign-in and sign-out, so replies to an older session are dropped.
  session: 0,
  timer: 0,
  // The last poll's lifetime deliveries per lane, and each lane's throughput samples since.
  previous: null,
  samples: {},
  deadLetterTotal: 0,
  deadLetterAsked: 0,
  deadLetterShown: 0,
};

class AuthError extends Error {}
class StaleError extends Error {}

/** Errors that were already handled (sign-out) or no longer matter (old session). */
function quiet(err) {
  return err instanceof AuthError || err instanceof StaleError;
}

function el(id) {
  return document.querySelector('[data-testid="' + id + '"]');
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function setText(id, text) {
  el(id).textContent = text;
}

function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function fmt(value) {
  return num(value).toLocaleString('en-US');
}

function sumOf(list, pick) {
  return list.reduce((total, item) => total + num(pick(item)), 0);
}

/** The lane of a shard or dead letter; one from before lanes has none and was in what is now interactive. */
function laneOf(item) {
  return item && item.lane === 'bulk' ? 'bulk' : 'interactive';
}

/** The lane of an item as a badge; laneOf yields a known name only, so it is safe as a class. */
function laneBadge(item, testId) {
  const lane = laneOf(item);
  const badge = make('span', 'lane-badge ' + lane, lane);
  if (testId) badge.dataset.testid = testId;
  return badge;
}

function fmtRate(rate) {
  return rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString('en-US');
}

/** Calls the API with the bearer token; a 401 signs out, any other failure throws. */
async function api(path, method, body) {
  const session = state.session;
  const init = { method: method || 'GET', headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (session !== state.session) throw new StaleError('stale');
  if (res.status === 401) {
    signOut('invalid token');
    throw new AuthError('invalid token');
  }
  if (!res.ok) {
    const err = new Error((data && data.message) || 'HTTP ' + res.status);
    err.status = res.status;
    throw err;
  }
  return data;
}

function start() {
  el('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = el('token-input').value.trim();
    if (token) signIn(token);
  });
  el('sign-out').addEventListener('click', () => signOut(''));
  bindActions();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else showForm('');
}

/** The first poll doubles as the token check: the dashboard shows only once it succeeds. */
async function signIn(token) {
  state.session += 1;
  state.token = token;
  state.previous = null;
  state.samples = {};
  clearTimeout(state.timer);
  const session = state.session;
  const submit = el('token-submit');
  submit.disabled = true;
  submit.textContent = 'Checking…';
  try {
    await refresh();
    sessionStorage.setItem(TOKEN_KEY, token);
    showDashboard();
    schedule(session);
  } catch (err) {
    if (!quiet(err)) showForm('Cannot load the dashboard: ' + err.message);
  } finally {
    submit.disabled = false;
    submit.textContent = 'Open dashboard';
  }
}

function signOut(message) {
  state.session += 1;
  state.token = '';
  clearTimeout(state.timer);
  sessionStorage.removeItem(TOKEN_KEY);
  showForm(message);
}

function showForm(message) {
  el('dashboard').hidden = true;
  el('status').hidden = true;
  el('sign-out').hidden = true;
  el('token-section').hidden = false;
  const error = el('token-error');
  error.textContent = message;
  error.hidden = !message;
  const input = el('token-input');
  input.value = '';
  input.focus();
}

function showDashboard() {
  el('token-section').hidden = true;
  el('token-input').value = '';
  el('dashboard').hidden = false;
  el('status').hidden = false;
  el('sign-out').hidden = false;
}

/** A timeout chain rather than setInterval, so a slow reply never overlaps the next poll. */
function schedule(session) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => poll(session), POLL_MS);
}

async function poll(session) {
  if (session !== state.session) return;
  try {
    await refresh();
  } catch (err) {
    if (quiet(err)) return;
    setStatus('offline', 'retrying: ' + err.message);
  }
  if (session === state.session) schedule(session);
}

async function refresh() {
  const results = await Promise.all([api('/v1/dashboard'), loadDeadLetters()]);
  const data = results[0];
  renderDashboard(data);
  setStatus('live', 'live · updated ' + new Date(num(data.at)).toLocaleTimeString('en-GB'));
}

function setStatus(kind, text) {
  el('status').className = 'status ' + kind;
  setText('status-text', text);
}
`;
