// The ops dashboard: one self-contained HTML page (no external resources) over a small JSON API, served by
// `hotspot serve --http` and `hotspot run --http`. The page polls the API every few seconds and shows the open and
// recent alerts (severity, region, cells, users at risk, expected complaints, VIPs, suspected cause and its
// evidence) and the risk per region. Identifiers never appear: care lists are shown as counts per tier.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AlertFeed } from './alert-feed.js';
import { regionRiskViews } from './grpc-server.js';
import type { OutreachQuery, RegionRiskQuery } from './queries.js';

export interface DashboardOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  alerts: AlertFeed;
  outreach?: OutreachQuery;
  regionRisk?: RegionRiskQuery;
  /** Shown in the page header, e.g. the run id and source. */
  title?: string;
}

export interface RunningDashboard {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_ALERTS = 500;

export async function startDashboard(o: DashboardOptions): Promise<RunningDashboard> {
  const server: Server = createServer((req, res) => {
    try {
      route(o, req, res);
    } catch (err) {
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function route(o: DashboardOptions, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `method ${req.method} not allowed` });
  const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(dashboardHtml(o.title ?? 'hotspot'));
    return;
  }
  if (path === '/api/alerts') {
    const page = o.alerts.list({ pageSize: MAX_ALERTS });
    // Open alerts first, then by last change, newest first.
    const alerts = [...page.alerts].sort((a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || b.updated_at - a.updated_at);
    return json(res, 200, { lastSequence: o.alerts.lastSequence, alerts });
  }
  if (path === '/api/regions') {
    const views = [...regionRiskViews(o.alerts, o.regionRisk).values()].sort((a, b) => b.usersAtRisk - a.usersAtRisk || a.region.localeCompare(b.region));
    return json(res, 200, { regions: views });
  }
  const m = /^\/api\/alerts\/([A-Za-z0-9._-]+)$/.exec(path);
  if (m) {
    const state = o.alerts.get(m[1]);
    if (!state) return json(res, 404, { error: `no alert '${m[1]}'` });
    const care = o.outreach?.forAlert(m[1]) ?? [];
    const tiers: Record<string, number> = {};
    for (const c of care) if (c.kind === 'proactive') tiers[c.tier] = (tiers[c.tier] ?? 0) + 1;
    return json(res, 200, { ...state, careList: { messages: care.length, proactiveByTier: tiers } });
  }
  json(res, 404, { error: `no such page: ${path}` });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: markup, styles and the polling script inline, so it works with no network beyond this server. */
export function dashboardHtml(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — hotspot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0} header span{opacity:.75}
main{display:grid;grid-template-columns:2fr 1fr;gap:16px;padding:16px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;padding:10px 14px;overflow:auto}
h2{font-size:15px;margin:4px 0 8px} table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e6ea;white-space:nowrap} th{font-weight:600;color:#555}
tr.alert{cursor:pointer} tr.alert:hover{background:#f0f4ff} tr.resolved{opacity:.55}
.sev{display:inline-block;min-width:54px;text-align:center;border-radius:3px;padding:0 4px;font-weight:600;font-size:12px}
.sev-blue{background:#d6e6ff;color:#0b3d91}.sev-yellow{background:#fff3b0;color:#6b5500}
.sev-orange{background:#ffd8a8;color:#8a3b00}.sev-red{background:#ffc9c9;color:#8f0000}
#detail{grid-column:1 / span 2} .muted{color:#777}
</style></head>
<body>
<header><h1>hotspot</h1><span>${escapeHtml(title)}</span><span id="status" class="muted">loading…</span></header>
<main>
<section><h2>Alerts</h2><table id="alerts"><thead><tr><th>severity</th><th>status</th><th>region</th><th>cells</th>
<th>users at risk</th><th>expected complaints</th><th>VIP</th><th>suspected cause</th><th>opened</th><th>updated</th></tr></thead>
<tbody></tbody></table><p id="no-alerts" class="muted" hidden>No alerts.</p></section>
<section><h2>Regions by risk</h2><table id="regions"><thead><tr><th>region</th><th>users at risk</th>
<th>expected complaints</th><th>open alerts</th></tr></thead><tbody></tbody></table></section>
<section id="detail" hidden></section>
</main>
<script>
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const time = (ms) => ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '';
const sev = (s) => s ? '<span class="sev sev-' + esc(s) + '">' + esc(s) + '</span>' : '';
let selected = null;
async function getJson(url) { const r = await fetch(url, { cache: 'no-store' }); if (!r.ok) throw new Error(url + ': ' + r.status); return r.json(); }
async function refresh() {
  try {
    const [a, r] = await Promise.all([getJson('/api/alerts'), getJson('/api/regions')]);
    const rows = a.alerts.map((x) => '<tr class="alert ' + esc(x.status) + '" data-alert-id="' + esc(x.alert_id) + '">' +
      '<td>' + sev(x.severity) + '</td><td>' + esc(x.status) + '</td><td>' + esc(x.region) + '</td><td>' + x.cells.length + '</td>' +
      '<td>' + x.users_at_risk + '</td><td>' + x.expected_complaints.toFixed(1) + '</td><td>' + x.vip_at_risk + '</td>' +
      '<td>' + esc(x.suspected_cause) + '</td><td>' + time(x.opened_at) + '</td><td>' + time(x.updated_at) + '</td></tr>');
    document.querySelector('#alerts tbody').innerHTML = rows.join('');
    document.getElementById('no-alerts').hidden = a.alerts.length > 0;
    document.querySelector('#regions tbody').innerHTML = r.regions.map((x) => '<tr data-region="' + esc(x.region) + '"><td>' + esc(x.region) +
      '</td><td>' + x.usersAtRisk + '</td><td>' + x.expectedComplaints.toFixed(1) + '</td><td>' + x.openAlerts + ' ' + sev(x.maxSeverity) + '</td></tr>').join('');
    document.getElementById('status').textContent = a.alerts.filter((x) => x.status !== 'resolved').length + ' open · event ' + a.lastSequence + ' · ' + new Date().toLocaleTimeString();
    if (selected) await showDetail(selected);
  } catch (e) {
    document.getElementById('status').textContent = 'cannot reach the engine: ' + e.message;
  }
}
async function showDetail(id) {
  const d = await getJson('/api/alerts/' + encodeURIComponent(id));
  const a = d.alert;
  const ev = a.evidence.map((e) => '<tr><td>' + esc(e.feature) + '</td><td>' + (+e.value).toPrecision(3) + '</td><td>' + (+e.baseline).toPrecision(3) + '</td><td>' + esc(e.detail || '') + '</td></tr>').join('');
  const tiers = Object.entries(d.careList.proactiveByTier).map(([t, n]) => esc(t) + ': ' + n).join(', ') || 'none';
  const box = document.getElementById('detail');
  box.hidden = false;
  box.innerHTML = '<h2>' + sev(a.severity) + ' ' + esc(a.alert_id) + ' — ' + esc(a.region) + ', suspected ' + esc(a.suspected_cause) + '</h2>' +
    '<p>' + a.users_at_risk + ' users at risk, ' + a.expected_complaints.toFixed(1) + ' complaints expected, ' + a.vip_at_risk + ' VIP; ' + a.cells.length +
    ' cells; care list: ' + tiers + '; model ' + esc(a.model_version) + '</p>' +
    '<table id="evidence"><thead><tr><th>evidence</th><th>now</th><th>baseline</th><th></th></tr></thead><tbody>' + ev + '</tbody></table>';
}
document.querySelector('#alerts').addEventListener('click', (e) => {
  const tr = e.target.closest('tr.alert');
  if (tr) { selected = tr.dataset.alertId; showDetail(selected); }
});
refresh();
setInterval(refresh, 5000);
</script>
</body></html>
`;
}
