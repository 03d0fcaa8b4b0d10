// Lead-time distribution: how long before customer service would have declared each caught hotspot did the
// alert open. A histogram with whole-minute bins shared by all runs, so two models compare bin by bin.
import { median } from '../hotspots/evaluation.js';
import { AXIS_COLOUR, GRID_COLOUR, RUN_COLOURS } from './report-theme.js';
import { esc, linear, linearTicks, px } from './svg.js';

const BIN_WIDTHS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440];
const MAX_BINS = 16;

export interface LeadHistogram {
  binMinutes: number;
  /** counts[run][bin]; bin b covers [b × binMinutes, (b + 1) × binMinutes). */
  counts: number[][];
}

/** Bins every run's lead minutes with one bin width (the smallest that needs at most 16 bins). */
export function leadHistogram(leadsPerRun: readonly (readonly number[])[]): LeadHistogram {
  let max = 0;
  for (const leads of leadsPerRun) for (const l of leads) if (Number.isFinite(l)) max = Math.max(max, l);
  const binMinutes = BIN_WIDTHS.find((w) => Math.floor(max / w) + 1 <= MAX_BINS) ?? Math.ceil((max + 1) / MAX_BINS / 1440) * 1440;
  const bins = Math.floor(max / binMinutes) + 1;
  const counts = leadsPerRun.map((leads) => {
    const c = new Array<number>(bins).fill(0);
    // Leads are ≥ 0 by definition of a catch; clamp defensively so no caught hotspot drops out of the plot.
    for (const l of leads) if (Number.isFinite(l)) c[Math.min(bins - 1, Math.max(0, Math.floor(l / binMinutes)))]++;
    return c;
  });
  return { binMinutes, counts };
}

export interface LeadTimePlotInput {
  runs: ReadonlyArray<{ label: string; leadMinutes: readonly number[] }>;
  title: string;
}

const W = 600;
const H = 340;
const M = { left: 52, right: 18, top: 58, bottom: 50 };

export function renderLeadTimePlot(input: LeadTimePlotInput): string {
  const { runs } = input;
  const hist = leadHistogram(runs.map((r) => r.leadMinutes));
  const bins = hist.counts[0]?.length ?? 1;
  const maxMinutes = bins * hist.binMinutes;
  const maxCount = Math.max(1, ...hist.counts.flat());
  // Headroom above the tallest bar for its count label.
  const yTicks = linearTicks(0, Math.max(2, maxCount * 1.15), 5).filter((v) => Number.isInteger(v));
  const yMax = Math.max(maxCount * 1.15, yTicks.at(-1) ?? 1);
  const x = linear(0, maxMinutes, M.left, W - M.right);
  const y = linear(0, yMax, H - M.bottom, M.top);
  const out: string[] = [];
  for (const v of yTicks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${px(y(v))}" y2="${px(y(v))}" stroke="${GRID_COLOUR}"/>`);
    out.push(`<text x="${M.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  const slot = (W - M.left - M.right) / bins;
  const barW = (slot - 4) / runs.length;
  hist.counts.forEach((counts, k) => {
    counts.forEach((count, b) => {
      const bx = x(b * hist.binMinutes) + 2 + k * barW;
      const top = y(count);
      const from = b * hist.binMinutes;
      const tip = `${runs[k].label}: ${count} caught hotspot${count === 1 ? '' : 's'} with lead ${from}–${from + hist.binMinutes} min`;
      out.push(
        `<rect class="lead-bar" data-run="${k}" data-bin-start="${from}" data-bin-end="${from + hist.binMinutes}" data-count="${count}" x="${px(bx)}" y="${px(top)}" width="${px(Math.max(1, barW - 1))}" height="${px(H - M.bottom - top)}" fill="${RUN_COLOURS[k]}" fill-opacity="0.85"><title>${esc(tip)}</title></rect>`,
      );
      if (count > 0) out.push(`<text x="${px(bx + barW / 2)}" y="${px(top - 4)}" text-anchor="middle" font-size="10">${count}</text>`);
    });
  });
  // x labels at bin edges, thinned so they do not collide
  const every = Math.ceil((bins + 1) / 9);
  for (let b = 0; b <= bins; b += every) {
    const bx = px(x(b * hist.binMinutes));
    out.push(`<line x1="${bx}" x2="${bx}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="${AXIS_COLOUR}"/>`);
    out.push(`<text x="${bx}" y="${H - M.bottom + 16}" text-anchor="middle">${b * hist.binMinutes}</text>`);
  }
  // Median lines per run; their values go in a small legend at the top right, where labels cannot collide.
  const legend: string[] = [];
  runs.forEach((r, k) => {
    const sorted = [...r.leadMinutes].filter(Number.isFinite).sort((a, b) => a - b);
    const med = median(sorted);
    const ly = legend.length * 16;
    legend.push(`<rect x="0" y="${ly - 5}" width="12" height="10" fill="${RUN_COLOURS[k]}" fill-opacity="0.85"/><line x1="18" x2="34" y1="${ly}" y2="${ly}" stroke="${RUN_COLOURS[k]}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="40" y="${ly + 4}">${runs.length > 1 ? `${esc(r.label)}: ` : ''}${sorted.length} caught · median ${med === null ? '—' : `${Math.round(med * 10) / 10} min`}</text>`);
    if (med === null) return;
    const mx = px(x(med));
    out.push(`<line class="median" data-run="${k}" data-minutes="${med}" x1="${mx}" x2="${mx}" y1="${M.top}" y2="${H - M.bottom}" stroke="${RUN_COLOURS[k]}" stroke-width="1.5" stroke-dasharray="5 3"><title>${esc(`${r.label}: median lead ${Math.round(med * 10) / 10} min`)}</title></line>`);
  });
  out.push(`<g class="legend" transform="translate(${M.left + 10} 18)">${legend.join('')}</g>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="${AXIS_COLOUR}"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="${AXIS_COLOUR}"/>`);
  out.push(`<text class="axis-title" x="${px((M.left + W - M.right) / 2)}" y="${H - 12}" text-anchor="middle">lead time before hotspot declaration (minutes, ${hist.binMinutes}-min bins)</text>`);
  out.push(`<text class="axis-title" transform="translate(14 ${px((M.top + H - M.bottom) / 2)}) rotate(-90)" text-anchor="middle">caught hotspots</text>`);
  if (runs.every((r) => r.leadMinutes.length === 0)) {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="13">No caught hotspots: no lead times to show.</text>`);
  }
  return `<svg data-plot="lead-times" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(input.title)}"><title>${esc(input.title)}</title>${out.join('')}</svg>`;
}
