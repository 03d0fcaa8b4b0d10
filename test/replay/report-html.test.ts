import { describe, expect, it } from 'vitest';
import { alertSpans } from '../../src/hotspots/evaluation.js';
import { precisionRecallAt } from '../../src/model/metrics.js';
import { leadHistogram } from '../../src/replay/lead-time-plot.js';
import { prPlotX, prPlotY } from '../../src/replay/pr-curve-plot.js';
import { renderReplayReport } from '../../src/replay/report-html.js';
import { px } from '../../src/replay/svg.js';
import { COMPLAINTS, eventsA, eventsB, HOUR, MIN, NASTY_REGION, reportInput, run, T0 } from './fixtures.js';

/** The markup of every plot with this data-plot name. */
function plots(html: string, name: string): string[] {
  return html.match(new RegExp(`<svg data-plot="${name}"[\\s\\S]*?</svg>`, 'g')) ?? [];
}
function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}
/** Opening tags of elements with this class, as attribute maps. */
function elements(svg: string, cls: string): Record<string, string>[] {
  return (svg.match(new RegExp(`<[a-z]+ class="${cls}"[^>]*>`, 'g')) ?? []).map(attrs);
}
const num = (s: string) => Number(s);
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

const single = () => reportInput([run('default', eventsA(), 11, 2.5)]);
const pair = () => reportInput([run('default', eventsA(), 11, 2.5), run('candidate', eventsB(), 12, 3.5)]);

describe('renderReplayReport: one model', () => {
  const input = single();
  const html = renderReplayReport(input);
  const r = input.runs[0];

  it('is one self-contained HTML document: no scripts, no links, nothing to fetch', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import|https?:\/\//i);
  });

  it('has the three plots, each an <svg> with a <title> first', () => {
    for (const name of ['timeline', 'lead-times', 'pr-curve']) {
      const found = plots(html, name);
      expect(found, name).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^<svg data-plot="${name}"[^>]*><title>[^<]+</title>`));
    }
  });

  it('escapes every piece of text: title and region names stay text', () => {
    expect(html).toContain('<title>Replay &lt;seed 7&gt; &amp; friends</title>');
    expect(html).not.toContain('<seed');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain(NASTY_REGION);
    const rows = plots(html, 'timeline')[0].match(/<g class="region-row" data-region="[^"]*"/g)!.map((g) => unescape(attrs(g)['data-region']));
    // Regions with alerts or complaints, in topology order; "quiet" had neither.
    expect(rows).toEqual(['east', 'north', NASTY_REGION, 'west']);
  });

  it('timeline: one bar per alert span and region, the incident that merged into A1 covering both regions', () => {
    const svg = plots(html, 'timeline')[0];
    const bars = elements(svg, 'alert-bar');
    const spans = alertSpans(r.events);
    expect(bars).toHaveLength(spans.reduce((n, s) => n + s.regionsSince.length, 0));
    expect(bars.map((b) => `${b['data-alert']}@${unescape(b['data-region'])}`).sort()).toEqual(['A1@east', 'A1@north', 'A2@west', `A5@${NASTY_REGION}`, 'A6@east'].sort());
    const north = bars.find((b) => b['data-alert'] === 'A1' && b['data-region'] === 'north')!;
    expect(num(north['data-start'])).toBe(T0 + 75 * MIN); // merged A4 opened there at 11:15
    const open = bars.find((b) => b['data-alert'] === 'A6')!;
    expect(num(open['data-end'])).toBe(T0 + 12 * HOUR); // still open: drawn to the end of the replay
  });

  it('timeline: bar segments follow the severity over time, widths proportional to their durations', () => {
    const svg = plots(html, 'timeline')[0];
    const bar = svg.match(/<g class="alert-bar" data-alert="A1" data-region="east"[\s\S]*?<\/g>/)![0];
    const segs = elements(bar, 'seg');
    expect(segs.map((s) => s['data-severity'])).toEqual(['yellow', 'orange', 'red']); // 11:00, 11:30, 12:00 → 14:00
    const w = segs.map((s) => num(s.width));
    expect(w[1] / w[0]).toBeCloseTo(1, 1);
    expect(w[2] / w[0]).toBeCloseTo(4, 1);
    // Contiguous: each segment starts where the previous ended.
    expect(num(segs[1].x)).toBeCloseTo(num(segs[0].x) + w[0], 1);
    const northSegs = elements(svg.match(/<g class="alert-bar" data-alert="A1" data-region="north"[\s\S]*?<\/g>/)![0], 'seg');
    // From 11:15 the incident (A1 yellow + A4 blue) is yellow: the highest active severity.
    expect(northSegs.map((s) => s['data-severity'])).toEqual(['yellow', 'orange', 'red']);
    expect(bar).toContain('fill="#d42d2d"');
  });

  it('timeline: one tick per located complaint, in its region row; one diamond per hotspot, by outcome', () => {
    const svg = plots(html, 'timeline')[0];
    const located = COMPLAINTS.filter((c) => c.region);
    expect(elements(svg, 'complaint')).toHaveLength(located.length);
    // Rows are consecutive <g class="region-row"> groups: split on their openings.
    for (const row of svg.split('<g class="region-row" ').slice(1)) {
      const region = unescape(attrs(row.slice(0, row.indexOf('>')))['data-region']);
      expect((row.match(/class="complaint"/g) ?? []).length, region).toBe(located.filter((c) => c.region === region).length);
    }
    expect(elements(svg, 'complaint').filter((t) => t['data-category'] === 'other')).toHaveLength(2);
    const diamonds = svg.match(/<path class="hotspot (caught|late|missed)"/g)!.map((m) => m.split(' ')[2].replace('"', ''));
    expect(diamonds.sort()).toEqual(r.hotspots.outcomes.map((o) => (o.caughtBy ? 'caught' : o.lateAlert ? 'late' : 'missed')).sort());
    expect(diamonds.sort()).toEqual(['caught', 'late', 'missed']);
  });

  it('lead-time histogram: bar counts are the binned lead minutes and heights are proportional to them', () => {
    const svg = plots(html, 'lead-times')[0];
    const bars = elements(svg, 'lead-bar');
    const { binMinutes, counts } = leadHistogram([r.hotspots.lead_minutes]);
    expect(bars.map((b) => num(b['data-count']))).toEqual(counts[0]);
    for (const b of bars) {
      const lo = num(b['data-bin-start']);
      expect(num(b['data-bin-end']) - lo).toBe(binMinutes);
      expect(num(b['data-count'])).toBe(r.hotspots.lead_minutes.filter((l) => l >= lo && l < lo + binMinutes).length);
    }
    const unit = bars.filter((b) => num(b['data-count']) > 0).map((b) => num(b.height) / num(b['data-count']));
    expect(unit.length).toBeGreaterThan(0);
    for (const u of unit) expect(u).toBeCloseTo(unit[0], 1);
    for (const b of bars.filter((x) => x['data-count'] === '0')) expect(num(b.height)).toBe(0);
    expect(elements(svg, 'median')[0]['data-minutes']).toBe(String(r.hotspots.median_lead_minutes));
  });

  it('PR curve: ≤ 500 points, recall monotone, the operating point at precision/recall of the threshold', () => {
    const svg = plots(html, 'pr-curve')[0];
    const line = elements(svg, 'pr-line');
    expect(line).toHaveLength(1);
    const pts = line[0].points.split(' ').map((p) => p.split(',').map(Number));
    expect(pts.length).toBeGreaterThan(20);
    expect(pts.length).toBeLessThanOrEqual(500);
    for (let i = 1; i < pts.length; i++) expect(pts[i][0]).toBeGreaterThanOrEqual(pts[i - 1][0]);
    expect(pts.at(-1)![0]).toBeCloseTo(prPlotX(1), 1); // ends at recall 1
    const op = elements(svg, 'operating-point');
    expect(op).toHaveLength(1);
    const ref = precisionRecallAt(r.probability, r.label, r.user.threshold);
    expect(op[0].cx).toBe(px(prPlotX(ref.recall)));
    expect(op[0].cy).toBe(px(prPlotY(ref.precision)));
    expect(num(op[0]['data-recall'])).toBeCloseTo(r.user.recall, 12);
  });

  it('headline metrics, per-hotspot outcomes and the false-alert list come from the run', () => {
    const row = (metric: string) => html.match(new RegExp(`<tr data-metric="${metric}">[\\s\\S]*?</tr>`))![0];
    expect(row('hotspot recall')).toContain(`<td>${r.hotspots.recall.toFixed(3)} <span class="badge fail">`);
    expect(row('median lead')).toContain(`<td>${r.hotspots.median_lead_minutes} min <span class="badge ok">`);
    expect(row('AUC')).toContain(`<td>${r.user.auc.toFixed(3)}</td>`);
    expect(row('false alerts per 1000 cell-hours')).toContain(r.hotspots.false_alerts_per_1000_cell_hours.toFixed(2));
    const outcomes = [...html.matchAll(/<tr class="hotspot-row">[\s\S]*?data-outcome="(\w+)"/g)].map((m) => m[1]);
    expect(outcomes).toEqual(r.hotspots.outcomes.map((o) => (o.caughtBy ? 'caught' : o.lateAlert ? 'late' : 'missed')));
    const falseIds = [...html.matchAll(/<tr class="false-alert" data-alert="([^"]+)"/g)].map((m) => m[1]);
    expect(falseIds).toEqual(r.hotspots.false_alert_ids);
    expect(falseIds).toEqual(['A2', 'A6']);
    expect(html).toContain('2 complaints without a region cannot be placed on the timeline');
  });
});

describe('renderReplayReport: two models side by side', () => {
  const input = pair();
  const html = renderReplayReport(input);
  const [a, b] = input.runs;

  it('a timeline per model with the same region rows, and each model’s own bars', () => {
    const timelines = plots(html, 'timeline');
    expect(timelines).toHaveLength(2);
    const rows = timelines.map((t) => t.match(/<g class="region-row" data-region="[^"]*"/g));
    expect(rows[0]).toEqual(rows[1]);
    expect(new Set(elements(timelines[0], 'alert-bar').map((x) => x['data-alert']))).toEqual(new Set(['A1', 'A2', 'A5', 'A6']));
    expect(new Set(elements(timelines[1], 'alert-bar').map((x) => x['data-alert']))).toEqual(new Set(['B1', 'B2']));
    expect(timelines[1].match(/class="hotspot caught"/g)).toHaveLength(b.hotspots.caught);
  });

  it('both PR curves and operating points on one plot, both lead-time histograms on shared bins', () => {
    const pr = plots(html, 'pr-curve');
    expect(pr).toHaveLength(1);
    expect(elements(pr[0], 'pr-line').map((l) => l['data-run'])).toEqual(['0', '1']);
    const ops = elements(pr[0], 'operating-point');
    expect(ops.map((o) => num(o['data-recall']))).toEqual([a.user.recall, b.user.recall].map((x) => expect.closeTo(x, 12)));
    const lead = plots(html, 'lead-times');
    expect(lead).toHaveLength(1);
    const bars = elements(lead[0], 'lead-bar');
    const { counts } = leadHistogram([a.hotspots.lead_minutes, b.hotspots.lead_minutes]);
    expect(bars.filter((x) => x['data-run'] === '0').map((x) => num(x['data-count']))).toEqual(counts[0]);
    expect(bars.filter((x) => x['data-run'] === '1').map((x) => num(x['data-count']))).toEqual(counts[1]);
    expect(counts[1].reduce((s, c) => s + c, 0)).toBe(b.hotspots.caught);
  });

  it('metrics side by side with deltas B − A, coloured by which direction is better', () => {
    const row = (metric: string) => html.match(new RegExp(`<tr data-metric="${metric}">[\\s\\S]*?</tr>`))![0];
    const delta = (metric: string) => attrs(row(metric).match(/<td class="\w+" data-delta="[^"]*"/)![0]);
    expect(num(delta('hotspot recall')['data-delta'])).toBeCloseTo(b.hotspots.recall - a.hotspots.recall, 12);
    expect(delta('hotspot recall').class).toBe('better');
    expect(num(delta('false alerts')['data-delta'])).toBe(b.hotspots.false_alerts - a.hotspots.false_alerts);
    expect(delta('false alerts').class).toBe('better'); // fewer is better
    expect(delta('median lead').class).toBe(b.hotspots.median_lead_minutes! < a.hotspots.median_lead_minutes! ? 'worse' : 'better');
    expect(html).toContain('A · default (v1)');
    expect(html).toContain('B · candidate (v1)');
  });
});

describe('renderReplayReport: edges', () => {
  it('a replay with no alerts, no complaints and no positive labels still renders every plot, saying why it is empty', () => {
    const base = run('empty', [], 1, 0);
    const empty = { ...base, label: new Uint8Array(base.label.length), probability: base.probability };
    const input = { ...reportInput([empty]), complaints: [] };
    input.runs[0] = { ...empty, hotspots: { ...empty.hotspots, outcomes: [], lead_minutes: [], caught: 0, hotspots: 0, false_alert_ids: [] } };
    const html = renderReplayReport(input);
    for (const name of ['timeline', 'lead-times', 'pr-curve']) expect(plots(html, name)).toHaveLength(1);
    expect(html).toContain('No alerts and no complaints in this replay.');
    expect(html).toContain('No caught hotspots: no lead times to show.');
    expect(html).toContain('no positive labels, no curve');
    expect(html).toContain('No complaint hotspots were declared');
  });

  it('refuses zero or three runs and an inverted time range with a clear error', () => {
    const r = run('m', eventsA(), 1, 2);
    expect(() => renderReplayReport(reportInput([]))).toThrow(/1 or 2 runs, got 0/);
    expect(() => renderReplayReport(reportInput([r, r, r]))).toThrow(/1 or 2 runs, got 3/);
    expect(() => renderReplayReport({ ...reportInput([r]), endAt: T0 - 1 })).toThrow(/before startAt/);
  });

  it('draws complaints outside the replay range instead of dropping them, and marks the replay bounds', () => {
    const input = single();
    const late = { complaintId: 'x', time: T0 + 14 * HOUR, msisdn: '1', category: 'voice' as const, region: 'east' };
    const html = renderReplayReport({ ...input, complaints: [...input.complaints, late] });
    const svg = plots(html, 'timeline')[0];
    expect(elements(svg, 'complaint')).toHaveLength(COMPLAINTS.filter((c) => c.region).length + 1);
    expect(svg.match(/class="replay-bound"/g)).toHaveLength(1); // the end; the start is the axis start
  });
});
