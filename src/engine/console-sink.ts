// The console view of a run: a progress line now and then, and one line per alert event as it opens, updates and
// resolves — region, severity, users at risk, suspected cause, and when the first complaint is expected.
import type { AlertEvent } from '../hotspots/alert.js';
import { expectedFirstComplaint } from '../hotspots/first-complaint.js';
import type { EngineProgress, EngineSink } from './engine.js';

/** Progress is printed at most this often (event time), so a fast replay does not flood the terminal. */
export const PROGRESS_EVERY_MS = 60 * 60_000;

const COLORS: Record<string, string> = { blue: '\x1b[34m', yellow: '\x1b[33m', orange: '\x1b[38;5;208m', red: '\x1b[31m' };
const RESET = '\x1b[0m';

export interface ConsoleSinkOptions {
  write?: (line: string) => void;
  color?: boolean;
  utcOffsetMinutes?: number;
}

export function hhmm(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 16);
}

export function formatAlertEvent(e: AlertEvent, color = false, utcOffsetMinutes = 0): string {
  const a = e.alert;
  const sev = color ? `${COLORS[a.severity] ?? ''}${a.severity.toUpperCase().padEnd(6)}${RESET}` : a.severity.toUpperCase().padEnd(6);
  const when = hhmm(a.updated_at);
  const head = `${when}  ${a.status.toUpperCase().padEnd(8)} ${sev} ${a.alert_id}  ${a.region}`;
  const scope = e.regions.length > 1 ? ` (+${e.regions.length - 1} regions)` : '';
  const impact = `${a.users_at_risk} users at risk, ${a.expected_complaints.toFixed(1)} complaints expected, ${a.vip_at_risk} VIP`;
  if (a.status === 'resolved') {
    const merged = e.merged_into ? ` — merged into ${e.merged_into}` : '';
    return `${head}${scope}: back to baseline after ${Math.round((a.updated_at - a.opened_at) / 60_000)} min${merged}`;
  }
  const first = expectedFirstComplaint(a.opened_at, a.suspected_cause, a.expected_complaints, utcOffsetMinutes);
  const evidence = a.evidence.slice(0, 2).map((x) => x.feature).join(', ');
  return `${head}${scope}: ${impact}; ${a.cells.length} cells; cause ${a.suspected_cause} (${evidence}); first complaint expected ~${hhmm(first)}`;
}

export function formatProgress(p: EngineProgress): string {
  return (
    `[${p.eventTime ? new Date(p.eventTime).toISOString().slice(0, 16).replace('T', ' ') : '—'}] ` +
    `${p.records.toLocaleString('en-US')} records, ${p.windows} windows, ${p.userWindows.toLocaleString('en-US')} user-windows, ` +
    `${p.atRisk.toLocaleString('en-US')} at risk, ${p.openAlerts} open alerts, ${p.outreachMessages} care messages, ${p.deadLetters} dead letters`
  );
}

export class ConsoleSink implements EngineSink {
  readonly name = 'console';
  private lastProgressAt = -Infinity;
  private readonly write: (line: string) => void;

  constructor(private readonly options: ConsoleSinkOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  onAlertEvents(events: readonly AlertEvent[]): void {
    for (const e of events) this.write(formatAlertEvent(e, this.options.color ?? false, this.options.utcOffsetMinutes ?? 0));
  }

  onProgress(p: EngineProgress): void {
    if (p.eventTime - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = p.eventTime;
    this.write(formatProgress(p));
  }
}
