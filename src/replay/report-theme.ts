// Colours and the stylesheet of the replay report, in one place so plots, legends and tables agree.
import type { Severity } from '../hotspots/alert.js';

/** Severity colours as ops know them: blue < yellow < orange < red. */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  blue: '#2f7fd8',
  yellow: '#e8c222',
  orange: '#f07c1b',
  red: '#d42d2d',
};

/** Model colours in comparison plots; chosen apart from the severity colours. */
export const RUN_COLOURS = ['#0f766e', '#7c3aed'] as const;

export const OUTCOME_COLOURS = { caught: '#15803d', late: '#c2780a', missed: '#475569' } as const;

export const COMPLAINT_COLOUR = '#1e293b';
export const AXIS_COLOUR = '#64748b';
export const GRID_COLOUR = '#e2e8f0';

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #0f172a;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1360px; margin: 0 auto; padding: 24px 28px 48px; }
header.report { margin-bottom: 18px; }
h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 17px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: #334155; }
p.sub, p.note { color: #475569; margin: 2px 0 10px; }
p.note { font-size: 12.5px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 16px 18px; margin: 0 0 18px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, 0.04); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #edf0f4; text-align: right; white-space: nowrap; }
th { font-weight: 600; color: #334155; background: #f8fafc; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
table.hotspots td:first-child, table.false-alerts td:nth-child(2) { white-space: normal; max-width: 220px; overflow-wrap: anywhere; }
tr.group td { background: #f1f5f9; font-weight: 600; color: #334155; text-align: left; }
td.better { color: #15803d; } td.worse { color: #b91c1c; } td.same { color: #64748b; }
.badge { display: inline-block; min-width: 18px; padding: 0 6px; border-radius: 9px; font-size: 11.5px; font-weight: 600;
  text-align: center; }
.badge.ok { background: #dcfce7; color: #166534; } .badge.fail { background: #fee2e2; color: #991b1b; }
.badge.caught { background: #dcfce7; color: #166534; } .badge.late { background: #fef3c7; color: #92400e; }
.badge.missed { background: #e2e8f0; color: #334155; }
.sev { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12.5px; color: #334155; margin: 4px 0 8px; }
.legend span.key { display: inline-flex; align-items: center; gap: 5px; }
.plots { display: flex; flex-wrap: wrap; gap: 18px; }
.plot { flex: 1 1 520px; min-width: 0; }
svg { display: block; width: 100%; height: auto; font-family: inherit; }
svg text { fill: #334155; font-size: 11px; }
svg text.axis-title { fill: #475569; font-size: 12px; font-weight: 600; }
.table-wrap { overflow-x: auto; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f5f9; padding: 0 3px; border-radius: 3px; }
footer { color: #64748b; font-size: 12px; text-align: center; }
`;
