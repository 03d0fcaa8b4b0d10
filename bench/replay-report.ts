// Replay report cost: the precision–recall curve over N scored user-windows (split by label + native typed-array
// sort), against a reference measured in the same run (one index array sorted with a comparator, as
// src/model/metrics.ts ranks rows, then the same walk), and the whole two-model HTML report
// (30 regions, 50 incidents, ~600 complaints, N windows per model).
//
// usage: node dist/bench/replay-report.js [--windows N] [--reps R] [--seed S]
import { parseArgs } from 'node:util';
import type { AlertEvent, Severity } from '../src/hotspots/alert.js';
import { evaluateHotspots, userLevelMetrics } from '../src/hotspots/evaluation.js';
import { precisionRecallCurve } from '../src/replay/pr-curve.js';
import type { ReplayRun } from '../src/replay/replay-result.js';
import { renderReplayReport } from '../src/replay/report-html.js';
import type { Complaint } from '../src/schema/side-files.js';

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '2000000' },
    reps: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
  },
});
const n = Number(values.windows);
const reps = Number(values.reps);
let state = Number(values.seed) >>> 0;
const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;

function scores(separation: number): { probability: Float64Array; label: Uint8Array } {
  const probability = new Float64Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = rand() < 0.05 ? 1 : 0;
    const z = (rand() + rand() + rand() - 1.5) * 2 + (label[i] ? separation : 0) - 2.5;
    probability[i] = 1 / (1 + Math.exp(-z));
  }
  return { probability, label };
}

/** The reference: rank rows with a comparator over an index array, then count down the ranking. */
function referenceCurve(p: Float64Array, y: Uint8Array): number {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => p[b] - p[a] || a - b);
  let tp = 0;
  let points = 0;
  for (let k = 0; k < idx.length; ) {
    const v = p[idx[k]];
    while (k < idx.length && p[idx[k]] === v) tp += y[idx[k++]];
    points++;
  }
  return points + tp * 0;
}

function medianMs(f: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const a = scores(2);
const curveMs = medianMs(() => precisionRecallCurve(a.probability, a.label, { operatingThreshold: 0.4 }));
const referenceMs = medianMs(() => referenceCurve(a.probability, a.label));

// A two-model report of realistic size.
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 10);
const regions = Array.from({ length: 30 }, (_, i) => `region-${String(i).padStart(2, '0')}`);
const events: AlertEvent[] = [];
const complaints: Complaint[] = [];
const severities: Severity[] = ['blue', 'yellow', 'orange', 'red'];
let seq = 0;
for (let k = 0; k < 50; k++) {
  const region = regions[Math.floor(rand() * regions.length)];
  const open = T0 + rand() * 22 * HOUR;
  const severity = severities[Math.floor(rand() * 4)];
  for (const [status, at, sev] of [['open', open, 'blue'], ['updated', open + 0.3 * HOUR, severity], ['resolved', open + (0.5 + 2 * rand()) * HOUR, severity]] as const) {
    events.push({
      sequence: ++seq,
      alert: {
        alert_id: `AL-${k}`, status, severity: sev, region, cells: [1], opened_at: open, updated_at: at, users_at_risk: 20, expected_complaints: 3,
        vip_at_risk: 0, suspected_cause: 'radio', evidence: [], model_version: 'bench', contributions: [],
      },
      regions: [region], enbs: [1], resolved_at: status === 'resolved' ? at : null, merged_into: null, baseline_users_at_risk: 2, p_value: 0.001,
      cause_scores: { radio: 1, transport: 0, core: 0, pgw_apn: 0, dns: 0, subscription: 0, congestion: 0 }, affected_users: 20,
    });
  }
  if (rand() < 0.7) for (let i = 0; i < 6; i++) complaints.push({ complaintId: `c${complaints.length}`, time: open + 0.5 * HOUR + i * 8 * 60_000, msisdn: '1', category: 'no_signal', region });
}
for (let i = 0; i < 300; i++) complaints.push({ complaintId: `c${complaints.length}`, time: T0 + rand() * 24 * HOUR, msisdn: '1', category: 'other', region: regions[Math.floor(rand() * regions.length)] });
const hotspots = evaluateHotspots({ events, complaints, cells: 900, startAt: T0, endAt: T0 + 24 * HOUR });
const b = scores(3);
const runs: ReplayRun[] = [a, b].map((s, k) => ({
  modelName: k ? 'candidate' : 'default', modelVersion: 'bench', user: userLevelMetrics(s.probability, s.label, 0.4), hotspots,
  probability: s.probability, label: s.label, events,
}));
let bytes = 0;
const reportMs = medianMs(() => {
  bytes = renderReplayReport({ title: 'bench', startAt: T0, endAt: T0 + 24 * HOUR, regions, complaints, runs }).length;
});

console.log(
  JSON.stringify({
    bench: 'replay-report',
    windows: n,
    reps,
    pr_curve_ms: Math.round(curveMs),
    reference_comparator_sort_ms: Math.round(referenceMs),
    speedup_vs_reference: Math.round((referenceMs / curveMs) * 10) / 10,
    pr_curve_windows_per_s: Math.round(n / (curveMs / 1000)),
    two_model_report_ms: Math.round(reportMs),
    report_bytes: bytes,
  }),
);
