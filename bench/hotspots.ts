// Hotspot detector throughput: windows/s on USERS users × CELLS cells (default 100k × 1000, 60 features,
// ~2% of users at risk and explained), with a radio fault on 9 cells during a third of the windows so the
// alert path (clustering, attribution, evidence, affected users) is exercised, not only the quiet path.
// Windows are generated before timing; only detector.onWindow is timed.
//
// usage: node dist/bench/hotspots.js [--users N] [--cells N] [--features N] [--windows N] [--seed S]
import { parseArgs } from 'node:util';
import { HotspotDetector } from '../src/hotspots/detector.js';
import type { ScoredWindow } from '../src/hotspots/scored-window.js';
import { benchTopology, benchWindow, rng } from './hotspot-bench-data.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    cells: { type: 'string', default: '1000' },
    features: { type: 'string', default: '60' },
    windows: { type: 'string', default: '48' },
    seed: { type: 'string', default: '1' },
  },
});
const users = Number(values.users);
const cells = Number(values.cells);
const features = Number(values.features);
const nWindows = Number(values.windows);
const random = rng(Number(values.seed));
const topology = benchTopology(cells);

// Distinct windows are expensive to hold (100k × 60 doubles each): build 8 (4 quiet, 4 faulty) and reuse them
// with fresh window times, which is all the detector keys on.
const fault = new Set([300, 301, 302, 303, 304, 305, 306, 307, 308]);
const templates: ScoredWindow[] = [];
for (let i = 0; i < 8; i++) templates.push(benchWindow(topology, users, features, i, random, i >= 4 ? fault : new Set()));

const detector = new HotspotDetector(topology, [], { threshold: 0.5 });
let events = 0;
const timed = (i: number) => {
  const faulty = i % 3 === 1; // fault windows spread across the run
  const t = templates[(faulty ? 4 : 0) + (i % 4)];
  const start = Date.UTC(2026, 2, 2) + i * 15 * 60_000;
  return { ...t, windowStart: start, windowEnd: start + 15 * 60_000 };
};
// warm-up: JIT and baseline
for (let i = 0; i < 8; i++) events += detector.onWindow(timed(i)).length;
// CPU time beside wall time: the machine is shared, and CPU time is what the detector itself costs.
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 8; i < 8 + nWindows; i++) events += detector.onWindow(timed(i)).length;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const perWindowMs = (seconds * 1000) / nWindows;
console.log(
  JSON.stringify({
    bench: 'hotspots',
    users,
    cells,
    features,
    windows: nWindows,
    seconds: +seconds.toFixed(3),
    windows_per_s: +(nWindows / seconds).toFixed(1),
    ms_per_window: +perWindowMs.toFixed(2),
    user_rows_per_s: Math.round((nWindows * users) / seconds),
    cpu_seconds: +cpuSeconds.toFixed(3),
    windows_per_cpu_s: +(nWindows / cpuSeconds).toFixed(1),
    alert_events: events,
  }),
);
