/**
 * The dashboard's stylesheet, inlined into the page because its CSP allows
 * no external styles. Plain CSS: a light, quiet layout where colour is kept
 * for what needs attention (dead letters, disconnected shards, errors).
 */

/** The page's CSS. */
export const PAGE_STYLE = String.raw`
:root {
  --bg: #f4f5f7; --card: #fff; --line: #e3e6ea; --text: #1d2330; --muted: #6b7280;
  --accent: #2563eb; --accent-soft: #dbe6fd; --good: #15803d; --good-soft: #dcf3e3;
  --bad: #c62828; --bad-soft: #fde2e1; --warn: #b45309; --warn-soft: #fdf0d5;
  --bulk: #7c3aed; --bulk-soft: #ede4fd;
  --radius: 10px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
button, input { font: inherit; }
.num, td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); }

.topbar {
  display: flex; align-items: center; gap: 16px; padding: 12px 28px;
  background: #161b26; color: #f3f4f6;
}
.brand { font-weight: 650; font-size: 16px; letter-spacing: .2px; display: flex; align-items: center; gap: 10px; }
.brand .sub { font-weight: 400; color: #9aa3b2; font-size: 13px; }
.logo { width: 12px; height: 12px; border-radius: 3px; background: linear-gradient(135deg, #60a5fa, #2563eb); }
.spacer { flex: 1; }
.status { display: flex; align-items: center; gap: 8px; font-size: 12.5px; color: #c9d0db; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #9aa3b2; }
.status.live .dot { background: #22c55e; box-shadow: 0 0 0 3px rgba(34, 197, 94, .2); }
.status.offline .dot { background: #f59e0b; box-shadow: 0 0 0 3px rgba(245, 158, 11, .25); }
.ghost {
  background: transparent; border: 1px solid #3a4356; color: #d6dbe4; border-radius: 6px;
  padding: 4px 12px; cursor: pointer;
}
.ghost:hover { border-color: #6b7690; }

main { max-width: 1320px; margin: 0 auto; padding: 22px 28px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); }
.panel { padding: 16px 18px; }
.panel-head { display: flex; align-items: baseline; gap: 12px; margin-bottom: 12px; }
.panel-head h2 { font-size: 15px; margin: 0; }
.panel-head .grow { flex: 1; }

.btn {
  border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px;
  padding: 6px 14px; cursor: pointer; font-weight: 550;
}
.btn:hover { filter: brightness(1.08); }
.btn:disabled { opacity: .45; cursor: default; filter: none; }
.btn.small { padding: 2px 10px; font-size: 12.5px; }
.btn.outline { background: #fff; color: var(--accent); }
.btn.danger { background: #fff; color: var(--bad); border-color: #e8a5a5; }

.auth { display: flex; justify-content: center; padding-top: 90px; }
.auth-card { width: 400px; padding: 26px 28px; }
.auth-card h1 { margin: 0 0 6px; font-size: 19px; }
.auth-card p { margin: 0 0 18px; color: var(--muted); }
.auth-card label { display: block; font-weight: 600; margin-bottom: 6px; }
.auth-card input { width: 100%; margin-bottom: 14px; }
.auth-card .btn { width: 100%; padding: 8px; }
input[type=password], input[type=text] {
  border: 1px solid #cfd4dc; border-radius: 6px; padding: 7px 10px; background: #fff; color: var(--text);
}
input:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
.form-error {
  color: var(--bad) !important; background: var(--bad-soft); border-radius: 6px; padding: 7px 10px;
  margin: 0 0 14px !important; font-weight: 550;
}

.stats { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 2fr) minmax(0, .8fr) minmax(0, 1.1fr); gap: 14px; margin-bottom: 18px; }
.stat { padding: 14px 16px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; font-weight: 600; white-space: nowrap; }
.stat .value { font-size: 30px; font-weight: 650; margin-top: 6px; font-variant-numeric: tabular-nums; }
.stat .value .unit { font-size: 14px; color: var(--muted); font-weight: 500; margin-left: 4px; }
.stat.alert { border-color: #f0b4b4; background: linear-gradient(#fff, #fff7f7); }
.stat.alert .value { color: var(--bad); }
.stat .split { display: flex; align-items: flex-end; justify-content: space-between; gap: 12px; }
.spark { width: 62%; height: 40px; display: block; flex: none; }
/* Each lane has a colour of its own (badge, bars, sparkline), so its numbers are never read as the other's. */
.lane-badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 650; }
.lane-badge.interactive { background: var(--accent-soft); color: var(--accent); }
.lane-badge.bulk { background: var(--bulk-soft); color: var(--bulk); }
.lane-title { display: flex; align-items: center; gap: 6px; }
.lane-nums { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)) minmax(0, 1.5fr); gap: 10px; margin-top: 8px; }
.lane-card .value { font-size: 24px; margin-top: 2px; }
.lane-card .label { font-size: 11px; }
.lane-rate .muted { white-space: nowrap; }
.lane-rate { align-items: center; margin-top: 10px; padding-top: 8px; border-top: 1px solid var(--line); }
.lane-rate .rate { color: var(--text); font-size: 15px; margin-left: 6px; text-transform: none; }
.lane-rate .spark { flex: 1 1 0; width: auto; min-width: 40px; height: 30px; }
.lane-card[data-lane=bulk] .spark polyline { stroke: var(--bulk); }
.lane-card[data-lane=bulk] .spark path { fill: var(--bulk-soft); }
.spark line { stroke: #d5dae2; stroke-width: 1; stroke-dasharray: 3 3; vector-effect: non-scaling-stroke; }
.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.6; vector-effect: non-scaling-stroke; }
.spark path { fill: var(--accent-soft); opacity: .7; }
.outcomes { display: flex; gap: 16px; margin-top: 8px; color: var(--muted); font-size: 13px; }
.outcomes b { font-variant-numeric: tabular-nums; font-weight: 650; }
.outcomes .failed { color: var(--bad); }
.outcomes .expired { color: var(--warn); }

.grid2 { display: grid; grid-template-columns: minmax(0, 2.1fr) minmax(0, 1fr); gap: 18px; margin-bottom: 18px; }
table { width: 100%; border-collapse: collapse; }
/* Fifty dead letters would make the page scroll for ever; the table scrolls instead, under a sticky header. */
.scroll { max-height: 470px; overflow: auto; }
.scroll th { position: sticky; top: 0; background: var(--card); z-index: 1; }
th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); font-weight: 600; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #f8f9fb; }
.depth { display: flex; align-items: center; justify-content: flex-end; gap: 10px; }
.bar { width: 90px; height: 8px; border-radius: 4px; background: #edf0f4; overflow: hidden; }
.fill { display: block; height: 100%; background: var(--accent); border-radius: 4px; min-width: 0; }
.fill.bulk { background: var(--bulk); }
tr.group td { background: #f8f9fb; padding: 6px 10px; }
tr.group .muted { margin-left: 10px; font-size: 12.5px; }
.warn-text { color: var(--warn); font-weight: 600; }
.bad-text { color: var(--bad); font-weight: 650; }
.zero { color: #a3a9b3; }

.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge.rejected { background: var(--bad-soft); color: var(--bad); }
.badge.retries_exhausted { background: var(--warn-soft); color: var(--warn); }
td.error { max-width: 360px; overflow: hidden; text-overflow: ellipsis; color: #4b5563; }
.empty td { text-align: center; color: var(--muted); padding: 26px 10px; }

.lookup form { display: flex; gap: 8px; margin-bottom: 14px; }
.lookup input { flex: 1; min-width: 0; }
.result { min-height: 130px; }
.result .title { display: flex; justify-content: space-between; align-items: baseline; margin-bottom: 10px; }
.result .title .mono { font-weight: 650; font-size: 13.5px; }
.result .title .name { display: flex; align-items: center; gap: 8px; }
.counts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; margin-bottom: 12px; }
.count { background: #f6f7f9; border-radius: 8px; padding: 8px 4px; text-align: center; }
.count.delivered .n { color: var(--good); } .count.failed .n { color: var(--bad); } .count.expired .n { color: var(--warn); }
.count .n { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.count .k { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .3px; }
.stack { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: #edf0f4; }
.stack span { display: block; height: 100%; }
.seg-delivered { background: #22c55e; } .seg-failed { background: #ef4444; }
.seg-expired { background: #f59e0b; } .seg-pending { background: #93c5fd; }
.legend { display: flex; gap: 12px; margin-top: 8px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.not-found { color: var(--muted); padding: 18px 0; }

.notice {
  position: fixed; right: 24px; bottom: 24px; max-width: 420px; padding: 12px 16px; border-radius: 8px;
  background: #14532d; color: #fff; box-shadow: 0 8px 24px rgba(0, 0, 0, .18); font-weight: 550;
}
.notice.error { background: #7f1d1d; }
`;
