// Small helpers the report's hand-made SVG plots share: escaping, number and UTC time formatting, axis ticks.
// Everything is a string builder: the report is one self-contained HTML file, no DOM and no chart library.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG element content and quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** A coordinate with two decimals: short output, and tests can recompute it exactly. */
export function px(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** A number for a reader; null, undefined and NaN read as "—". */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return x.toFixed(digits);
}

export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Math.round(x).toLocaleString('en-US');
}

/** Minutes with at most one decimal ("42 min", "7.5 min"). */
export function fmtMinutes(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${Number.isInteger(x) ? x : x.toFixed(1)} min`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** UTC "HH:MM", or "MM-DD HH:MM" with the date. */
export function utcTime(ms: number, withDate = false): string {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return withDate ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm;
}

/** UTC "YYYY-MM-DD HH:MM". */
export function utcDateTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${utcTime(ms)}`;
}

const MIN = 60_000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MIN);

/** Tick times on whole UTC steps (5 min … 1 week), at most `maxTicks` of them inside [start, end]. */
export function timeTicks(start: number, end: number, maxTicks = 10): number[] {
  if (!(end > start)) return [start];
  const step = TIME_STEPS.find((s) => (end - start) / s <= maxTicks) ?? Math.ceil((end - start) / maxTicks / TIME_STEPS.at(-1)!) * TIME_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** "Nice" linear ticks (1, 2, 5 × 10^k steps) covering [min, max]. */
export function linearTicks(min: number, max: number, maxTicks = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number((Math.round(v / step) * step).toPrecision(12)) + 0); // no 0.6000000000000001, no -0
  return ticks;
}

/** Maps a domain linearly onto a pixel range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (x) => r0 + (x - d0) * k;
}
