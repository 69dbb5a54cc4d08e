/**
 * The operator dashboard: one self-contained HTML document (markup, CSS and
 * script inline, no external assets), because its CSP allows only inline
 * script and style and fetches to this origin. The page holds no data of its
 * own; its script reads everything from the authenticated /v1 routes. Each
 * lane (src/queue/lane.ts) gets its own summary card and its own group of
 * shard rows, because a bulk backlog is normal where an interactive one is not.
 */
import { LANES, type Lane } from '../../src/queue/lane';
import { ACTIONS_SCRIPT } from './page-actions-script';
import { LANES_SCRIPT } from './page-lanes-script';
import { LIVE_SCRIPT } from './page-live-script';
import { DASHBOARD_SCRIPT } from './page-script';
import { PAGE_STYLE } from './page-style';

/** Icon as a data URL (allowed by img-src), so the browser does not ask for /favicon.ico and log a 404. */
const ICON = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%232563eb'/%3E%3C/svg%3E";

const TOKEN_FORM = `
<section class="auth" data-testid="token-section">
  <!-- No name on the input: even a native submit could never put the token in the URL. -->
  <form class="card auth-card" data-testid="token-form" autocomplete="off">
    <h1>Operator dashboard</h1>
    <p>Enter an API token. It is kept in this tab only and sent as a bearer header.</p>
    <label for="token-input">API token</label>
    <input id="token-input" type="password" data-testid="token-input" required spellcheck="false" autocomplete="off">
    <p class="form-error" data-testid="token-error" role="alert" hidden></p>
    <button class="btn" type="submit" data-testid="token-submit">Open dashboard</button>
  </form>
</section>`;

/** One lane's summary card. Lane names are fixed identifiers, so they may go into markup. */
function laneCard(lane: Lane): string {
  const number = (label: string, id: string): string =>
    `<div><div class="label">${label}</div><div class="value" data-testid="${lane}-${id}">—</div></div>`;
  return `
  <div class="card stat lane-card" data-testid="lane-card" data-lane="${lane}">
    <div class="split"><div class="lane-title"><span class="lane-badge ${lane}">${lane}</span><span class="label">lane</span></div>
      <div class="muted mono" data-testid="${lane}-shards"></div></div>
    <div class="lane-nums">${number('Waiting', 'waiting')}${number('Active', 'active')}${number('Delayed', 'delayed')}
      <div title="How long the oldest waiting push of this lane has waited: the queue lag">
        <div class="label">Oldest waiting</div><div class="value" data-testid="${lane}-oldest">—</div></div></div>
    <div class="split lane-rate">
      <div class="label">Delivered / s <b class="rate" data-testid="${lane}-throughput">—</b></div>
      <div class="muted mono" data-testid="${lane}-peak"></div>
      <svg class="spark" data-testid="${lane}-sparkline" viewBox="0 0 120 40" preserveAspectRatio="none" aria-hidden="true">
        <line x1="0" y1="39" x2="120" y2="39"></line><path d=""></path><polyline points=""></polyline></svg>
    </div>
  </div>`;
}

const STATS = `
<div class="stats">${LANES.map(laneCard).join('')}
  <div class="card stat" data-testid="dead-letter-card"><div class="label">Dead letters</div><div class="value" data-testid="total-dead-letters">—</div></div>
  <div class="card stat">
    <div class="label">Delivered, lifetime</div>
    <div class="value" data-testid="total-delivered">—</div>
    <div class="outcomes">
      <span><b class="failed" data-testid="total-failed">—</b> failed</span>
      <span><b class="expired" data-testid="total-expired">—</b> expired</span>
    </div>
  </div>
</div>`;

const SHARDS = `
<section class="card panel">
  <div class="panel-head"><h2>Shards</h2><span class="muted" data-testid="shard-count"></span></div>
  <table>
    <thead><tr><th class="num">#</th><th>Tag</th><th>Node</th><th class="num">Waiting</th><th class="num">Active</th>
      <th class="num">Delayed</th><th class="num">Oldest</th><th class="num">Dead</th><th class="num">Delivered</th></tr></thead>
    <tbody data-testid="shard-rows"></tbody>
  </table>
</section>`;

const LOOKUP = `
<section class="card panel lookup">
  <div class="panel-head"><h2>Message lookup</h2></div>
  <form data-testid="lookup-form" autocomplete="off">
    <input type="text" data-testid="lookup-input" placeholder="messageId" spellcheck="false" aria-label="message id">
    <button class="btn" type="submit" data-testid="lookup-submit">Look up</button>
  </form>
  <div class="result" data-testid="lookup-result"><div class="not-found">Enter a message id to see how its pushes went.</div></div>
</section>`;

const DEAD_LETTERS = `
<section class="card panel">
  <div class="panel-head">
    <h2>Dead letters</h2><span class="muted grow" data-testid="dead-letter-total"></span>
    <button class="btn danger small" type="button" data-testid="replay-all" disabled>Replay all</button>
  </div>
  <div class="scroll"><table>
    <thead><tr><th>Recipient</th><th>Message</th><th>Lane</th><th>Reason</th><th class="num">Status</th><th class="num">Attempts</th>
      <th>Failed</th><th>Error</th><th></th></tr></thead>
    <tbody data-testid="dead-letter-rows"></tbody>
  </table></div>
</section>`;

/** The complete dashboard document. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>push-fanout · dashboard</title>
<link rel="icon" href="${ICON}">
<style>${PAGE_STYLE}</style>
</head>
<body>
<header class="topbar">
  <div class="brand"><span class="logo"></span>push-fanout<span class="sub">operator dashboard</span></div>
  <div class="spacer"></div>
  <div class="status" data-testid="status" hidden><span class="dot"></span><span data-testid="status-text"></span></div>
  <button class="ghost" type="button" data-testid="sign-out" hidden>Sign out</button>
</header>
<main>
${TOKEN_FORM}
<div data-testid="dashboard" hidden>
${STATS}
<div class="grid2">${SHARDS}${LOOKUP}</div>
${DEAD_LETTERS}
</div>
</main>
<div class="notice" data-testid="notice" role="status" hidden></div>
<script>
(function () {
'use strict';
// The lanes, in the order the API and the metrics list them (src/queue/lane.ts).
const LANES = ${JSON.stringify(LANES)};
${DASHBOARD_SCRIPT}
${LIVE_SCRIPT}
${LANES_SCRIPT}
${ACTIONS_SCRIPT}
start();
})();
</script>
</body>
</html>
`;
}
