// Alert timeline against complaints, one row per region: what ops read first. Alert spans are bars whose segments
// take the incident's severity over time, complaints are ticks under them, and declared complaint hotspots are
// diamonds coloured by outcome (caught / late / missed), so a glance shows whether the alert came first.
import { severityRank, SEVERITIES, type AlertEvent, type Severity } from '../hotspots/alert.js';
import { alertSpans, type HotspotOutcome } from '../hotspots/evaluation.js';
import type { Complaint } from '../schema/side-files.js';
import { AXIS_COLOUR, COMPLAINT_COLOUR, GRID_COLOUR, OUTCOME_COLOURS, SEVERITY_COLOURS } from './report-theme.js';
import { esc, linear, px, timeTicks, utcDateTime, utcTime } from './svg.js';

export interface SeveritySegment {
  start: number;
  end: number;
  severity: Severity;
}

/** One alert span in one region's row. An incident that spread over regions has one bar per region. */
export interface TimelineBar {
  alertId: string;
  region: string;
  /** When the alert covered this region (its opening, or when it grew into the region). */
  start: number;
  /** Resolution, or the end of the replay when still open. */
  end: number;
  stillOpen: boolean;
  segments: SeveritySegment[];
  peakSeverity: Severity;
  cause: string;
  peakUsersAtRisk: number;
}

/**
 * Bars from alert events: spans as the evaluation folds them (merged alerts join their survivor), with the
 * incident's severity over time = the highest severity among its still-active constituent alerts.
 */
export function timelineBars(events: readonly AlertEvent[], replayEnd: number): TimelineBar[] {
  const spans = alertSpans(events);
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  const mergedInto = new Map<string, string>();
  for (const e of sorted) if (e.merged_into) mergedInto.set(e.alert.alert_id, e.merged_into);
  const root = (id: string): string => {
    let r = id;
    for (let guard = 0; mergedInto.has(r) && guard < 1000; guard++) r = mergedInto.get(r)!;
    return r;
  };
  const byRoot = new Map<string, AlertEvent[]>();
  for (const e of sorted) {
    const r = root(e.alert.alert_id);
    const list = byRoot.get(r) ?? [];
    list.push(e);
    byRoot.set(r, list);
  }
  const bars: TimelineBar[] = [];
  for (const span of spans) {
    const evs = byRoot.get(span.alertId) ?? [];
    const active = new Map<string, Severity>();
    const changes: Array<{ at: number; severity: Severity | null }> = [];
    let peak: Severity = 'blue';
    let peakUsers = 0;
    let lastAt = span.openedAt;
    for (const e of evs) {
      const a = e.alert;
      const at = a.status === 'resolved' ? (e.resolved_at ?? a.updated_at) : a.updated_at;
      lastAt = Math.max(lastAt, at);
      if (a.status === 'resolved') active.delete(a.alert_id);
      else {
        active.set(a.alert_id, a.severity);
        if (severityRank(a.severity) > severityRank(peak)) peak = a.severity;
        peakUsers = Math.max(peakUsers, a.users_at_risk);
      }
      let current: Severity | null = null;
      for (const s of active.values()) if (current === null || severityRank(s) > severityRank(current)) current = s;
      if (changes.at(-1)?.severity !== current) changes.push({ at, severity: current });
    }
    const stillOpen = span.resolvedAt === null;
    const end = span.resolvedAt ?? Math.max(replayEnd, lastAt);
    const firstJoin = Math.min(...span.regionsSince.map((r) => r.at));
    for (const { at, region } of span.regionsSince) {
      // Regions present from the first event were covered since the opening.
      const start = at <= firstJoin ? span.openedAt : Math.max(span.openedAt, at);
      bars.push({
        alertId: span.alertId,
        region,
        start,
        end: Math.max(start, end),
        stillOpen,
        segments: severitySegments(changes, start, Math.max(start, end)),
        peakSeverity: peak,
        cause: span.causes.at(-1)?.cause ?? '—',
        peakUsersAtRisk: peakUsers,
      });
    }
  }
  return bars;
}

function severitySegments(changes: Array<{ at: number; severity: Severity | null }>, start: number, end: number): SeveritySegment[] {
  const out: SeveritySegment[] = [];
  // Severity at the bar's start: the last change at or before it (the first known one when the bar starts earlier).
  let atStart: Severity = changes.find((c) => c.severity !== null)?.severity ?? 'blue';
  for (const c of changes) if (c.at <= start && c.severity !== null) atStart = c.severity;
  for (let k = 0; k < changes.length; k++) {
    const severity = k === 0 ? atStart : changes[k].severity;
    if (severity === null) continue;
    const s = Math.max(start, k === 0 ? start : changes[k].at);
    const e = Math.min(end, k + 1 < changes.length ? changes[k + 1].at : end);
    if (e <= s) continue;
    const sev = s === start ? atStart : severity;
    if (out.at(-1)?.severity === sev) out.at(-1)!.end = e;
    else out.push({ start: s, end: e, severity: sev });
  }
  if (out.length === 0) out.push({ start, end, severity: atStart });
  return out;
}

export interface TimelinePlotInput {
  /** Region rows, top to bottom. */
  rows: readonly string[];
  bars: readonly TimelineBar[];
  complaints: readonly Complaint[];
  outcomes: readonly HotspotOutcome[];
  /** Time axis domain (covers the replay and every drawn item). */
  x0: number;
  x1: number;
  replayStart: number;
  replayEnd: number;
  title: string;
}

const WIDTH = 1200;
const LABEL_W = 170;
const RIGHT = 24;
const TOP = 30;
const BOTTOM = 44;
const LANE_H = 14;
const TICK_H = 14;

/** Greedy lanes so overlapping alerts in one region stay readable. */
function assignLanes(bars: readonly TimelineBar[]): { lane: number[]; lanes: number } {
  const order = bars.map((_, i) => i).sort((a, b) => bars[a].start - bars[b].start);
  const laneEnd: number[] = [];
  const lane = new Array<number>(bars.length);
  for (const i of order) {
    let l = laneEnd.findIndex((e) => e <= bars[i].start);
    if (l < 0) {
      l = laneEnd.length;
      laneEnd.push(0);
    }
    laneEnd[l] = bars[i].end;
    lane[i] = l;
  }
  return { lane, lanes: Math.max(1, laneEnd.length) };
}

export function renderTimelinePlot(input: TimelinePlotInput): string {
  const { rows, x0, x1 } = input;
  const x = linear(x0, x1, LABEL_W, WIDTH - RIGHT);
  const barsByRegion = new Map<string, TimelineBar[]>();
  for (const b of input.bars) barsByRegion.set(b.region, [...(barsByRegion.get(b.region) ?? []), b]);
  const complaintsByRegion = new Map<string, Complaint[]>();
  for (const c of input.complaints) if (c.region && Number.isFinite(c.time)) complaintsByRegion.set(c.region, [...(complaintsByRegion.get(c.region) ?? []), c]);
  const outcomesByRegion = new Map<string, HotspotOutcome[]>();
  for (const o of input.outcomes) outcomesByRegion.set(o.region, [...(outcomesByRegion.get(o.region) ?? []), o]);

  const body: string[] = [];
  let y = TOP;
  rows.forEach((region, r) => {
    const bars = barsByRegion.get(region) ?? [];
    const { lane, lanes } = assignLanes(bars);
    const barTop = y + 5;
    const tickTop = barTop + lanes * LANE_H + 3;
    const h = 5 + lanes * LANE_H + 3 + TICK_H + 4;
    const row: string[] = [];
    // Zebra rows, translucent so the time grid drawn underneath stays visible and never cuts through a bar.
    if (r % 2) row.push(`<rect class="row-bg" x="0" y="${px(y)}" width="${WIDTH}" height="${px(h)}" fill="#eef2f6" fill-opacity="0.55"/>`);
    const label = region.length > 24 ? `${region.slice(0, 23)}…` : region;
    row.push(`<text class="region-label" x="${LABEL_W - 10}" y="${px(y + h / 2 + 4)}" text-anchor="end" font-size="12"><title>${esc(region)}</title>${esc(label)}</text>`);
    bars.forEach((b, i) => {
      const top = barTop + lane[i] * LANE_H;
      const segs = b.segments
        .map((s) => {
          const sx = x(s.start);
          const w = Math.max(2, x(s.end) - sx);
          return `<rect class="seg" data-severity="${s.severity}" x="${px(sx)}" y="${px(top)}" width="${px(w)}" height="${LANE_H - 2}" rx="2" fill="${SEVERITY_COLOURS[s.severity]}"/>`;
        })
        .join('');
      const tip = `alert ${b.alertId} · ${b.region}\n${utcDateTime(b.start)} → ${b.stillOpen ? 'still open at end of replay' : utcDateTime(b.end)} UTC\npeak severity ${b.peakSeverity} · suspected cause ${b.cause} · up to ${b.peakUsersAtRisk} users at risk`;
      const openEnd = b.stillOpen
        ? `<path d="M${px(x(b.end))} ${px(top)} l5 ${(LANE_H - 2) / 2} l-5 ${(LANE_H - 2) / 2} Z" fill="${SEVERITY_COLOURS[b.segments.at(-1)!.severity]}"/>`
        : '';
      row.push(`<g class="alert-bar" data-alert="${esc(b.alertId)}" data-region="${esc(b.region)}" data-start="${b.start}" data-end="${b.end}" data-peak="${b.peakSeverity}"><title>${esc(tip)}</title>${segs}${openEnd}</g>`);
    });
    for (const c of complaintsByRegion.get(region) ?? []) {
      const cx = px(x(c.time));
      const colour = c.category === 'other' ? '#94a3b8' : COMPLAINT_COLOUR;
      row.push(`<line class="complaint" data-category="${esc(c.category)}" x1="${cx}" x2="${cx}" y1="${px(tickTop)}" y2="${px(tickTop + TICK_H - 3)}" stroke="${colour}" stroke-width="1.5"/>`);
    }
    for (const o of outcomesByRegion.get(region) ?? []) {
      const outcome = o.caughtBy ? 'caught' : o.lateAlert ? 'late' : 'missed';
      const cx = x(o.declaredAt);
      const cy = tickTop + (TICK_H - 3) / 2;
      const lead = o.leadMinutes !== null ? ` · lead ${Math.round(o.leadMinutes)} min by ${o.caughtBy}` : o.lateAlert ? ` · late alert ${o.lateAlert}` : '';
      const tip = `hotspot ${o.region} · ${o.category} · declared ${utcDateTime(o.declaredAt)} UTC · ${outcome}${lead}`;
      row.push(
        `<path class="hotspot ${outcome}" data-declared="${o.declaredAt}" data-region="${esc(o.region)}" d="M${px(cx)} ${px(cy - 6)} L${px(cx + 6)} ${px(cy)} L${px(cx)} ${px(cy + 6)} L${px(cx - 6)} ${px(cy)} Z" fill="${OUTCOME_COLOURS[outcome]}" stroke="#fff" stroke-width="1"><title>${esc(tip)}</title></path>`,
      );
    }
    body.push(`<g class="region-row" data-region="${esc(region)}">${row.join('')}</g>`);
    y += h;
  });
  const plotBottom = y;
  const height = plotBottom + BOTTOM;

  // Time axis, top and bottom: long timelines are read from both ends.
  const ticks = timeTicks(x0, x1, 12);
  const multiDay = new Date(x0).getUTCDate() !== new Date(x1).getUTCDate() || x1 - x0 > 86_400_000;
  const axis: string[] = [];
  const grid: string[] = [];
  ticks.forEach((t, k) => {
    const tx = px(x(t));
    const withDate = multiDay && (k === 0 || new Date(t).getUTCDate() !== new Date(ticks[k - 1]).getUTCDate());
    const label = esc(utcTime(t, withDate));
    grid.push(`<line x1="${tx}" x2="${tx}" y1="${TOP}" y2="${px(plotBottom)}" stroke="${GRID_COLOUR}" stroke-width="1"/>`);
    axis.push(`<text class="tick" x="${tx}" y="${TOP - 8}" text-anchor="middle">${label}</text>`);
    axis.push(`<text class="tick" x="${tx}" y="${px(plotBottom + 15)}" text-anchor="middle">${label}</text>`);
  });
  for (const [t, name] of [[input.replayStart, 'replay start'], [input.replayEnd, 'replay end']] as const) {
    if (t <= x0 || t >= x1) continue;
    axis.push(`<line class="replay-bound" x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP}" y2="${px(plotBottom)}" stroke="${AXIS_COLOUR}" stroke-dasharray="4 3"><title>${name}</title></line>`);
  }
  axis.push(`<line x1="${LABEL_W}" x2="${WIDTH - RIGHT}" y1="${px(plotBottom)}" y2="${px(plotBottom)}" stroke="${AXIS_COLOUR}"/>`);
  axis.push(`<text class="axis-title" x="${px((LABEL_W + WIDTH - RIGHT) / 2)}" y="${px(plotBottom + 34)}" text-anchor="middle">time (UTC)</text>`);
  axis.push(`<text class="axis-title" x="8" y="${TOP - 8}">region</text>`);

  const empty = rows.length === 0 ? `<text x="${WIDTH / 2}" y="${TOP + 20}" text-anchor="middle">No alerts and no complaints in this replay.</text>` : '';
  const h = rows.length === 0 ? TOP + 40 + BOTTOM : height;
  return `<svg data-plot="timeline" viewBox="0 0 ${WIDTH} ${px(h)}" role="img" aria-label="${esc(input.title)}"><title>${esc(input.title)}</title>${grid.join('')}${body.join('')}${axis.join('')}${empty}</svg>`;
}

/** The legend under the timeline, as HTML. */
export function timelineLegendHtml(): string {
  const sev = SEVERITIES.map((s) => `<span class="key"><span class="sev" style="background:${SEVERITY_COLOURS[s]}"></span>alert: ${s}</span>`).join('');
  const diamond = (c: string) => `<svg width="12" height="12" viewBox="0 0 12 12" style="display:inline;width:12px"><path d="M6 0 L12 6 L6 12 L0 6 Z" fill="${c}"/></svg>`;
  const tick = `<svg width="8" height="12" viewBox="0 0 8 12" style="display:inline;width:8px"><line x1="4" x2="4" y1="1" y2="11" stroke="${COMPLAINT_COLOUR}" stroke-width="1.5"/></svg>`;
  return `<div class="legend">${sev}<span class="key">${tick}complaint (grey: “other”)</span><span class="key">${diamond(OUTCOME_COLOURS.caught)}hotspot caught</span><span class="key">${diamond(OUTCOME_COLOURS.late)}hotspot late</span><span class="key">${diamond(OUTCOME_COLOURS.missed)}hotspot missed</span><span class="key">▶ still open at end</span></div>`;
}
