// The human-readable report of `hotspot replay`: one self-contained HTML file (inline CSS, inline SVG, no
// scripts, nothing fetched) that ops and data scientists can open from disk or attach to a ticket. It shows the
// headline metrics, the alert timeline against complaints per region, the lead-time distribution, the
// precision–recall curve, every hotspot's outcome and the false alerts — side by side when two models ran.
import { median, type HotspotOutcome } from '../hotspots/evaluation.js';
import { renderLeadTimePlot } from './lead-time-plot.js';
import { precisionRecallCurve, type PrCurve } from './pr-curve.js';
import { renderPrCurvePlot } from './pr-curve-plot.js';
import type { ReplayReportInput, ReplayRun } from './replay-result.js';
import { REPORT_CSS, RUN_COLOURS, SEVERITY_COLOURS } from './report-theme.js';
import { esc, fmt, fmtInt, fmtMinutes, utcDateTime, utcTime } from './svg.js';
import { renderTimelinePlot, timelineBars, timelineLegendHtml, type TimelineBar } from './timeline-plot.js';

/** Targets from the hotspot issue's "done when": shown beside the figures so a reader sees pass/fail at once. */
export const REPORT_TARGETS = {
  hotspotRecall: 0.9,
  medianLeadMinutes: 30,
  falseAlertsPer1000CellHours: 1,
  causeAccuracy: 0.8,
} as const;

interface MetricRow {
  group?: string;
  name: string;
  hint?: string;
  value: (r: ReplayRun) => number | null;
  format: (x: number | null) => string;
  /** Which direction is an improvement (for the delta's colour); null when neither. */
  better: 'higher' | 'lower' | null;
  target?: { op: '≥' | '≤'; value: number; text: string };
}

const ratio = (x: number | null) => fmt(x, 3);
const rate = (x: number | null) => fmt(x, 2);

const METRIC_ROWS: MetricRow[] = [
  { group: 'Hotspots (complaint truth: N complaints of one category in one region within T)', name: 'hotspots declared', value: (r) => r.hotspots.hotspots, format: fmtInt, better: null },
  { name: 'hotspot recall', hint: 'caught / declared', value: (r) => r.hotspots.recall, format: ratio, better: 'higher', target: { op: '≥', value: REPORT_TARGETS.hotspotRecall, text: '≥ 0.90' } },
  { name: 'caught', hint: 'alert opened before declaration', value: (r) => r.hotspots.caught, format: fmtInt, better: 'higher' },
  { name: 'late', hint: 'alert only after declaration', value: (r) => r.hotspots.late, format: fmtInt, better: 'lower' },
  { name: 'missed', hint: 'not caught; late ones included', value: (r) => r.hotspots.missed, format: fmtInt, better: 'lower' },
  { name: 'median lead', hint: 'declaration − alert opening', value: (r) => r.hotspots.median_lead_minutes, format: fmtMinutes, better: 'higher', target: { op: '≥', value: REPORT_TARGETS.medianLeadMinutes, text: '≥ 30 min' } },
  { name: 'suspected-cause accuracy', hint: 'vs injected faults, caught hotspots', value: (r) => r.hotspots.cause_accuracy, format: ratio, better: 'higher', target: { op: '≥', value: REPORT_TARGETS.causeAccuracy, text: '≥ 0.80' } },
  { group: 'Alerts', name: 'alerts (incidents)', value: (r) => r.hotspots.alerts, format: fmtInt, better: null },
  { name: 'false alerts', hint: 'caught nothing, late for nothing', value: (r) => r.hotspots.false_alerts, format: fmtInt, better: 'lower' },
  { name: 'false alerts per 1000 cell-hours', value: (r) => r.hotspots.false_alerts_per_1000_cell_hours, format: rate, better: 'lower', target: { op: '≤', value: REPORT_TARGETS.falseAlertsPer1000CellHours, text: '≤ 1.00' } },
  { name: 'cell-hours', value: (r) => r.hotspots.cell_hours, format: fmtInt, better: null },
  { group: 'User level (scored user-windows; label: complained within the horizon)', name: 'AUC', value: (r) => r.user.auc, format: ratio, better: 'higher' },
  { name: 'PR-AUC', hint: 'average precision', value: (r) => r.user.pr_auc, format: ratio, better: 'higher' },
  { name: 'precision at threshold', value: (r) => r.user.precision, format: ratio, better: 'higher' },
  { name: 'recall at threshold', value: (r) => r.user.recall, format: ratio, better: 'higher' },
  { name: 'operating threshold', value: (r) => r.user.threshold, format: (x) => fmt(x, 3), better: null },
  { name: 'user-windows scored', value: (r) => r.user.samples, format: fmtInt, better: null },
  { name: 'positive user-windows', value: (r) => r.user.positives, format: fmtInt, better: null },
];

function meetsTarget(row: MetricRow, v: number | null): boolean | null {
  if (!row.target || v === null || Number.isNaN(v)) return null;
  return row.target.op === '≥' ? v >= row.target.value : v <= row.target.value;
}

function runLabels(runs: readonly ReplayRun[]): string[] {
  const plain = runs.map((r) => `${r.modelName} (${r.modelVersion})`);
  if (runs.length === 1) return plain;
  return plain.map((p, k) => `${'AB'[k]} · ${p}`);
}

function metricsTable(runs: readonly ReplayRun[], labels: readonly string[]): string {
  const two = runs.length === 2;
  const head = `<tr><th class="text">metric</th>${labels.map((l, k) => `<th><span class="sev" style="background:${RUN_COLOURS[k]}"></span>${esc(l)}</th>`).join('')}${two ? '<th>Δ (B − A)</th>' : ''}<th>target</th></tr>`;
  const cols = runs.length + (two ? 1 : 0) + 2;
  const body: string[] = [];
  for (const row of METRIC_ROWS) {
    if (row.group) body.push(`<tr class="group"><td colspan="${cols}">${esc(row.group)}</td></tr>`);
    const values = runs.map((r) => row.value(r));
    const cells = values.map((v) => {
      const ok = meetsTarget(row, v);
      const badge = ok === null ? '' : ` <span class="badge ${ok ? 'ok' : 'fail'}">${ok ? '✓' : '✗'}</span>`;
      return `<td>${esc(row.format(v))}${badge}</td>`;
    });
    if (two) cells.push(deltaCell(row, values[0], values[1]));
    const name = `${esc(row.name)}${row.hint ? ` <span class="note">(${esc(row.hint)})</span>` : ''}`;
    body.push(`<tr data-metric="${esc(row.name)}"><td class="text">${name}</td>${cells.join('')}<td>${row.target ? esc(row.target.text) : ''}</td></tr>`);
  }
  return `<div class="table-wrap"><table class="metrics">${head}${body.join('')}</table></div>`;
}

function deltaCell(row: MetricRow, a: number | null, b: number | null): string {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return '<td class="same">—</td>';
  const d = b - a;
  const cls = d === 0 || row.better === null ? 'same' : (d > 0) === (row.better === 'higher') ? 'better' : 'worse';
  const text = row.format(Math.abs(d));
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return `<td class="${cls}" data-delta="${d}">${sign}${esc(text)}</td>`;
}

function outcomeOf(o: HotspotOutcome): 'caught' | 'late' | 'missed' {
  return o.caughtBy ? 'caught' : o.lateAlert ? 'late' : 'missed';
}

function hotspotTable(runs: readonly ReplayRun[], labels: readonly string[]): string {
  // Both runs see the same complaints, so the same hotspots; join by identity anyway in case they differ.
  const key = (o: HotspotOutcome) => `${o.region}\u0000${o.category}\u0000${o.declaredAt}`;
  const rows = new Map<string, HotspotOutcome>();
  const perRun = runs.map((r) => new Map(r.hotspots.outcomes.map((o) => [key(o), o])));
  for (const r of runs) for (const o of r.hotspots.outcomes) if (!rows.has(key(o))) rows.set(key(o), o);
  const sorted = [...rows.values()].sort((a, b) => a.declaredAt - b.declaredAt || a.region.localeCompare(b.region));
  if (sorted.length === 0) return '<p class="note">No complaint hotspots were declared in this replay.</p>';
  const runHead = labels.map(() => `<th class="text">outcome</th><th class="text">alert</th><th class="text">suspected cause</th>`).join('');
  const groupHead = runs.length > 1 ? `<tr><th colspan="4"></th>${labels.map((l, k) => `<th colspan="3" class="text"><span class="sev" style="background:${RUN_COLOURS[k]}"></span>${esc(l)}</th>`).join('')}</tr>` : '';
  const head = `${groupHead}<tr><th class="text">region</th><th class="text">category × complaints</th><th>first complaint</th><th>declared</th>${runHead}</tr>`;
  const body = sorted.map((h) => {
    const cells = perRun.map((m) => {
      const o = m.get(key(h));
      if (!o) return '<td class="text">—</td><td class="text">—</td><td class="text">—</td>';
      const outcome = outcomeOf(o);
      const lead = o.leadMinutes !== null ? ` ${esc(fmtMinutes(o.leadMinutes))}` : '';
      const cause = o.suspectedCause
        ? `${esc(o.suspectedCause)}${o.injectedDomain ? ` <span class="badge ${o.injectedDomain === o.suspectedCause ? 'ok' : 'fail'}">injected ${esc(o.injectedDomain)}</span>` : ''}`
        : '—';
      const alert = o.caughtBy ?? o.lateAlert;
      return `<td class="text" data-outcome="${outcome}"><span class="badge ${outcome}">${outcome}</span>${lead}</td><td class="text">${alert ? `<code>${esc(alert)}</code>` : '—'}</td><td class="text">${cause}</td>`;
    });
    const when = (t: number) => esc(utcTime(t, true));
    return `<tr class="hotspot-row"><td class="text">${esc(h.region)}</td><td class="text">${esc(h.category)} × ${h.complaints}</td><td>${when(h.firstComplaintAt)}</td><td>${when(h.declaredAt)}</td>${cells.join('')}</tr>`;
  });
  return `<div class="table-wrap"><table class="hotspots">${head}${body.join('')}</table></div>`;
}

function falseAlertList(run: ReplayRun, bars: readonly TimelineBar[], label: string, k: number, two: boolean): string {
  const byAlert = new Map<string, TimelineBar[]>();
  for (const b of bars) byAlert.set(b.alertId, [...(byAlert.get(b.alertId) ?? []), b]);
  const title = two ? `<h3><span class="sev" style="background:${RUN_COLOURS[k]}"></span>${esc(label)}: ${run.hotspots.false_alerts} false alert${run.hotspots.false_alerts === 1 ? '' : 's'}</h3>` : '';
  if (run.hotspots.false_alert_ids.length === 0) return `${title}<p class="note">No false alerts: every alert caught a hotspot or was late for one.</p>`;
  const rows = run.hotspots.false_alert_ids.map((id) => {
    const bs = byAlert.get(id) ?? [];
    const first = bs[0];
    const regions = bs.map((b) => b.region).join(', ');
    const sev = first ? `<span class="sev" style="background:${SEVERITY_COLOURS[first.peakSeverity]}"></span>${first.peakSeverity}` : '—';
    return `<tr class="false-alert" data-alert="${esc(id)}"><td class="text"><code>${esc(id)}</code></td><td class="text">${esc(regions || '—')}</td><td>${first ? esc(utcDateTime(Math.min(...bs.map((b) => b.start)))) : '—'}</td><td>${first ? (first.stillOpen ? 'still open' : esc(utcDateTime(first.end))) : '—'}</td><td class="text">${sev}</td><td class="text">${esc(first?.cause ?? '—')}</td><td>${first ? first.peakUsersAtRisk : '—'}</td></tr>`;
  });
  return `${title}<div class="table-wrap"><table class="false-alerts"><tr><th class="text">alert</th><th class="text">regions</th><th>opened (UTC)</th><th>resolved (UTC)</th><th class="text">peak severity</th><th class="text">suspected cause</th><th>peak users at risk</th></tr>${rows.join('')}</table></div>`;
}

/** Regions with any alert or complaint, in topology order; regions unknown to the topology follow, sorted. */
function activeRegions(input: ReplayReportInput, barsPerRun: readonly TimelineBar[][]): string[] {
  const active = new Set<string>();
  for (const bars of barsPerRun) for (const b of bars) active.add(b.region);
  for (const c of input.complaints) if (c.region) active.add(c.region);
  const known = new Set(input.regions);
  const rows = input.regions.filter((r) => active.has(r));
  rows.push(...[...active].filter((r) => !known.has(r)).sort());
  return rows;
}

export function renderReplayReport(input: ReplayReportInput): string {
  const { runs } = input;
  if (runs.length < 1 || runs.length > 2) throw new Error(`replay report: expected 1 or 2 runs, got ${runs.length}`);
  if (!(input.endAt >= input.startAt)) throw new Error(`replay report: endAt ${input.endAt} is before startAt ${input.startAt}`);
  const two = runs.length === 2;
  const labels = runLabels(runs);
  const barsPerRun = runs.map((r) => timelineBars(r.events, input.endAt));
  const curves: PrCurve[] = runs.map((r) => precisionRecallCurve(r.probability, r.label, { operatingThreshold: r.user.threshold }));
  const rows = activeRegions(input, barsPerRun);

  // The time axis covers the replay and everything drawn, so no complaint or alert falls off the plot.
  let x0 = input.startAt;
  let x1 = input.endAt;
  for (const c of input.complaints) {
    if (!c.region || !Number.isFinite(c.time)) continue;
    x0 = Math.min(x0, c.time);
    x1 = Math.max(x1, c.time);
  }
  for (const bars of barsPerRun) for (const b of bars) {
    x0 = Math.min(x0, b.start);
    x1 = Math.max(x1, b.end);
  }
  if (x1 <= x0) x1 = x0 + 3_600_000;

  const timelines = runs
    .map((r, k) => {
      const svg = renderTimelinePlot({
        rows,
        bars: barsPerRun[k],
        complaints: input.complaints,
        outcomes: r.hotspots.outcomes,
        x0,
        x1,
        replayStart: input.startAt,
        replayEnd: input.endAt,
        title: `Alert timeline vs complaints per region — ${labels[k]}`,
      });
      return `${two ? `<h3><span class="sev" style="background:${RUN_COLOURS[k]}"></span>${esc(labels[k])}</h3>` : ''}${svg}`;
    })
    .join('');

  const leadPlot = renderLeadTimePlot({
    runs: runs.map((r, k) => ({ label: labels[k], leadMinutes: r.hotspots.lead_minutes })),
    title: two ? 'Lead-time distribution of caught hotspots, both models' : 'Lead-time distribution of caught hotspots',
  });
  const prPlot = renderPrCurvePlot({
    runs: runs.map((r, k) => ({ label: labels[k], curve: curves[k], prAuc: r.user.pr_auc })),
    title: two ? 'Precision–recall curves of user-level predictions, both models' : 'Precision–recall curve of user-level predictions',
  });
  const runLegend = two ? `<div class="legend">${labels.map((l, k) => `<span class="key"><span class="sev" style="background:${RUN_COLOURS[k]}"></span>${esc(l)}</span>`).join('')}</div>` : '';

  const notes: string[] = [];
  const unlocated = input.complaints.filter((c) => !c.region).length;
  const untimed = input.complaints.filter((c) => c.region && !Number.isFinite(c.time)).length;
  if (untimed > 0) notes.push(`${untimed} complaint${untimed === 1 ? '' : 's'} without a valid time cannot be placed on the timeline (counted, not drawn).`);
  if (unlocated > 0) notes.push(`${unlocated} complaint${unlocated === 1 ? '' : 's'} without a region cannot be placed on the timeline (counted, not drawn).`);
  const unknown = rows.filter((r) => !input.regions.includes(r));
  if (unknown.length > 0) notes.push(`Regions not in the topology, drawn last: ${unknown.map(esc).join(', ')}.`);
  curves.forEach((c, k) => {
    if (c.invalid > 0) notes.push(`${esc(labels[k])}: ${c.invalid} user-window${c.invalid === 1 ? '' : 's'} with a NaN probability left out of the precision–recall curve.`);
    if (c.fullPoints > c.recall.length) notes.push(`${esc(labels[k])}: precision–recall curve drawn with ${c.recall.length} of ${c.fullPoints} thresholds (evenly over recall).`);
  });

  const leadMedians = runs.map((r) => median([...r.hotspots.lead_minutes].sort((a, b) => a - b)));
  const subtitle = `Replay ${esc(utcDateTime(input.startAt))} → ${esc(utcDateTime(input.endAt))} UTC · ${input.regions.length} regions · ${fmtInt(input.complaints.length)} complaints · ${two ? 'comparing ' : 'model '}${labels.map(esc).join(' vs ')}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header class="report"><h1>${esc(input.title)}</h1><p class="sub">${subtitle}</p></header>
<section id="summary"><h2>Headline metrics</h2>
<p class="note">A hotspot is what customer service would declare from complaints; an alert catches it when it opened for that region before the declaration. Lead = declaration − alert opening.</p>
${metricsTable(runs, labels)}</section>
<section id="timeline"><h2>Alert timeline vs complaints per region</h2>
<p class="note">One row per region with alerts or complaints. Bars: alert spans coloured by severity over time; ticks: complaints; diamonds: declared hotspots by outcome. Hover for details.</p>
${timelineLegendHtml()}${timelines}</section>
<section id="distributions"><h2>Lead times and user-level precision–recall</h2>${runLegend}
<p class="note">Median lead: ${runs.map((_, k) => `${two ? `${esc(labels[k])}: ` : ''}${esc(fmtMinutes(leadMedians[k]))}`).join(' · ')}. The operating point is the alert threshold on P(complaint within the horizon).</p>
<div class="plots"><div class="plot"><h3>Lead-time distribution</h3>${leadPlot}</div><div class="plot"><h3>Precision–recall</h3>${prPlot}</div></div></section>
<section id="hotspots"><h2>Hotspot outcomes</h2>
<p class="note">Times UTC (month-day hour:minute). Caught: an alert for the region opened before the declaration (lead shown); late: only after it.</p>
${hotspotTable(runs, labels)}</section>
<section id="false-alerts"><h2>False alerts</h2>
${runs.map((r, k) => falseAlertList(r, barsPerRun[k], labels[k], k, two)).join('')}</section>
${notes.length > 0 ? `<section id="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${n}</li>`).join('')}</ul></section>` : ''}
<footer>Generated by <code>hotspot replay</code>. All times UTC. Self-contained: no scripts, no external resources.</footer>
</main>
</body>
</html>
`;
}
