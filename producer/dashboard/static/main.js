/**
 * The dashboard's entry module: the token form, signing in and out, and the
 * 2-second poll of /v1/dashboard. The token lives in sessionStorage, for this
 * tab only; the first poll doubles as its check.
 */
import { api, isCurrent, onUnauthorized, quiet, useToken } from './api.js';
import { bindDeadLetters, loadDeadLetters } from './dead-letters.js';
import { el, num, setText } from './dom.js';
import { drawLaneCards, resetLanes } from './lane-cards.js';
import { bindLookup } from './lookup.js';
import { renderDashboard } from './shards.js';

const TOKEN_KEY = 'push-fanout.token';
const POLL_MS = 2000;
let timer = 0;

function start() {
  drawLaneCards();
  el('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = el('token-input').value.trim();
    if (token) signIn(token);
  });
  el('sign-out').addEventListener('click', () => signOut(''));
  onUnauthorized(signOut);
  bindDeadLetters();
  bindLookup();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else showForm('');
}

/** The dashboard shows only once the first poll with this token succeeds. */
async function signIn(token) {
  const session = useToken(token);
  resetLanes();
  clearTimeout(timer);
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
  useToken('');
  clearTimeout(timer);
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
  clearTimeout(timer);
  timer = setTimeout(() => poll(session), POLL_MS);
}

async function poll(session) {
  if (!isCurrent(session)) return;
  try {
    await refresh();
  } catch (err) {
    if (quiet(err)) return;
    setStatus('offline', 'retrying: ' + err.message);
  }
  if (isCurrent(session)) schedule(session);
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

start();
