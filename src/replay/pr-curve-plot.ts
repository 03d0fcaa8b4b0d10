// Precision–recall plot of the user-level model: one curve per run, the operating threshold marked on each, and
// the no-skill line (the positive rate) for scale, since complaints are rare and ROC curves flatter them.
import type { PrCurve } from './pr-curve.js';
import { AXIS_COLOUR, GRID_COLOUR, RUN_COLOURS } from './report-theme.js';
import { esc, fmt, linear, px } from './svg.js';

export interface PrCurvePlotInput {
  runs: ReadonlyArray<{ label: string; curve: PrCurve; prAuc: number }>;
  title: string;
}

const W = 600;
const H = 440;
const M = { left: 56, right: 20, top: 22, bottom: 50 };

/** Plot coordinates of a (recall, precision) pair; exported so tests can check where the points went. */
export const prPlotX = linear(0, 1, M.left, W - M.right);
export const prPlotY = linear(0, 1, H - M.bottom, M.top);

export function renderPrCurvePlot(input: PrCurvePlotInput): string {
  const out: string[] = [];
  for (let k = 0; k <= 10; k += 2) {
    const v = k / 10;
    out.push(`<line x1="${px(prPlotX(v))}" x2="${px(prPlotX(v))}" y1="${M.top}" y2="${H - M.bottom}" stroke="${GRID_COLOUR}"/>`);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${px(prPlotY(v))}" y2="${px(prPlotY(v))}" stroke="${GRID_COLOUR}"/>`);
    out.push(`<text x="${px(prPlotX(v))}" y="${H - M.bottom + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
    out.push(`<text x="${M.left - 6}" y="${px(prPlotY(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  const legend: string[] = [];
  input.runs.forEach(({ label, curve, prAuc }, k) => {
    const colour = RUN_COLOURS[k];
    if (curve.positives === 0 || curve.samples === 0) {
      out.push(`<text x="${W / 2}" y="${H / 2 + k * 16}" text-anchor="middle" font-size="13">${esc(label)}: no positive labels, no curve.</text>`);
      return;
    }
    const rate = curve.positives / curve.samples;
    out.push(`<line class="no-skill" data-run="${k}" x1="${M.left}" x2="${W - M.right}" y1="${px(prPlotY(rate))}" y2="${px(prPlotY(rate))}" stroke="${colour}" stroke-opacity="0.55" stroke-dasharray="2 4"><title>${esc(`${label}: no-skill precision = positive rate ${fmt(rate, 4)}`)}</title></line>`);
    const pts: string[] = [];
    for (let i = 0; i < curve.recall.length; i++) pts.push(`${px(prPlotX(curve.recall[i]))},${px(prPlotY(curve.precision[i]))}`);
    out.push(`<polyline class="pr-line" data-run="${k}" points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round"><title>${esc(`${label}: PR-AUC ${fmt(prAuc)}`)}</title></polyline>`);
    const op = curve.operating;
    if (op && Number.isFinite(op.precision) && Number.isFinite(op.recall)) {
      const cx = px(prPlotX(op.recall));
      const cy = px(prPlotY(op.precision));
      const tip = `${label}: operating threshold ${op.threshold} → precision ${fmt(op.precision)}, recall ${fmt(op.recall)}`;
      out.push(`<circle class="operating-point" data-run="${k}" data-recall="${op.recall}" data-precision="${op.precision}" cx="${cx}" cy="${cy}" r="5.5" fill="#fff" stroke="${colour}" stroke-width="2.5"><title>${esc(tip)}</title></circle>`);
      const right = op.recall > 0.85; // label on the left near the right edge, so it stays inside the plot
      out.push(`<text x="${px(prPlotX(op.recall) + (right ? -9 : 9))}" y="${px(prPlotY(op.precision) - 8)}" text-anchor="${right ? 'end' : 'start'}" fill="${colour}" font-weight="600">t=${esc(String(op.threshold))}</text>`);
    }
    legend.push(`<line x1="0" x2="22" y1="${k * 18}" y2="${k * 18}" stroke="${colour}" stroke-width="2.5"/><text x="28" y="${k * 18 + 4}">${esc(label)} · PR-AUC ${fmt(prAuc)}</text>`);
  });
  if (legend.length > 0) {
    const n = legend.length;
    legend.push(`<circle cx="11" cy="${n * 18}" r="4.5" fill="#fff" stroke="${AXIS_COLOUR}" stroke-width="2"/><text x="28" y="${n * 18 + 4}">operating point (threshold t)</text>`);
    legend.push(`<line x1="0" x2="22" y1="${(n + 1) * 18}" y2="${(n + 1) * 18}" stroke="${AXIS_COLOUR}" stroke-dasharray="2 4"/><text x="28" y="${(n + 1) * 18 + 4}">no skill (positive rate)</text>`);
    const widest = Math.max(...input.runs.map((r) => r.label.length)) + 16;
    const bg = `<rect x="-8" y="-12" width="${px(Math.max(200, widest * 6.4 + 40))}" height="${(n + 2) * 18 + 4}" rx="4" fill="#fff" fill-opacity="0.88" stroke="${GRID_COLOUR}"/>`;
    out.push(`<g class="legend" transform="translate(${M.left + 14} ${px(H - M.bottom - 26 - (n + 1) * 18)})">${bg}${legend.join('')}</g>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="${AXIS_COLOUR}"/>`);
  out.push(`<text class="axis-title" x="${px((M.left + W - M.right) / 2)}" y="${H - 12}" text-anchor="middle">recall (share of complaining user-windows flagged)</text>`);
  out.push(`<text class="axis-title" transform="translate(16 ${px((M.top + H - M.bottom) / 2)}) rotate(-90)" text-anchor="middle">precision</text>`);
  return `<svg data-plot="pr-curve" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(input.title)}"><title>${esc(input.title)}</title>${out.join('')}</svg>`;
}
