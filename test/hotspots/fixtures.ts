// Hand-made topology and scored windows for hotspot tests: small enough to reason about, columnar like the real thing.
import { buildTopology, type Cell, type Topology } from '../../src/schema/side-files.js';
import type { ScoredWindow } from '../../src/hotspots/scored-window.js';
import { mulberry32 } from '../support/mulberry32.js';

export const WINDOW_MS = 15 * 60_000;
/** 2026-03-02 10:00 UTC: a Monday morning, not quiet hours. */
export const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

/**
 * Regions laid out west → east, each with `enbsPerRegion` eNBs of 3 cells. eNBs of one region are 5 km apart
 * (never neighbours by distance); each eNB has its own TAC, so only the same eNB or closeness joins cells.
 */
export function gridTopology(regions = ['east', 'west'], enbsPerRegion = 4): Topology {
  const cells: Cell[] = [];
  regions.forEach((region, r) => {
    for (let e = 0; e < enbsPerRegion; e++) {
      const enbId = 1000 + r * 100 + e;
      for (let k = 0; k < 3; k++) {
        cells.push({ eci: enbId * 256 + k, enbId, tac: enbId, cellName: `${region}-${e}-${k}`, region, lat: 30 + r, lon: 100 + e * 0.05, });
      }
    }
  });
  return buildTopology(cells);
}

export const FEATURES = [
  'cnt_s1ap_radioNetwork_21',
  'ratio_tcp_retrans',
  'cnt_emm_22',
  'ratio_dns_fail',
  'cnt_bytes',
  'cnt_esm_30',
  'cnt_dns_servfail',
  'ratio_fail_tau',
  'cnt_emm_15',
];

export interface UserRow {
  imsi: number;
  eci: number;
  p: number;
  /** Feature values in FEATURES order (defaults 0). */
  values?: number[];
  /** TreeSHAP contributions in FEATURES order (explained when p ≥ 0.5). */
  shap?: number[];
}

/** Users per cell: `background` healthy users everywhere, then the given rows. */
export function scoredWindow(topology: Topology, index: number, rows: UserRow[], background = 20, modelVersion = 'm1'): ScoredWindow {
  const all: UserRow[] = [];
  let imsi = 460_000_000_000_000;
  for (const c of topology.cells) for (let i = 0; i < background; i++) all.push({ imsi: imsi++, eci: c.eci, p: 0.01 });
  all.push(...rows);
  const n = all.length;
  const nf = FEATURES.length;
  const explained = all.map((u, r) => (u.p >= 0.5 ? r : -1)).filter((r) => r >= 0);
  const contributions = new Float64Array(explained.length * (nf + 1));
  explained.forEach((r, j) => {
    const shap = all[r].shap ?? new Array(nf).fill(0);
    for (let f = 0; f < nf; f++) contributions[j * (nf + 1) + f] = shap[f] ?? 0;
    contributions[j * (nf + 1) + nf] = -4;
  });
  return {
    windowStart: T0 + index * WINDOW_MS,
    windowEnd: T0 + (index + 1) * WINDOW_MS,
    imsi: Float64Array.from(all, (u) => u.imsi),
    cell: Float64Array.from(all, (u) => u.eci),
    regionIndex: Int32Array.from(all, (u) => topology.regionOfCell.get(u.eci) ?? -1),
    probability: Float64Array.from(all, (u) => u.p),
    featureNames: FEATURES,
    features: FEATURES.map((_, f) => Float64Array.from(all, (u) => u.values?.[f] ?? 0)),
    explainedRows: Int32Array.from(explained),
    contributions,
    modelVersion,
  };
}

/** `count` at-risk users in a cell, with a fault signature: radio drops, backhaul retransmissions, MME congestion, DNS. */
export function faultUsers(eci: number, count: number, kind: 'radio' | 'transport' | 'core' | 'dns', firstImsi: number, p = 0.9): UserRow[] {
  const f = { radio: 0, transport: 1, core: 2, dns: 3 }[kind];
  return Array.from({ length: count }, (_, i) => {
    const values = [0, 0.01, 0, 0, 1000];
    const shap = [0, 0, 0, 0, 0.05];
    values[f] = f === 1 || f === 3 ? 0.4 : 6;
    shap[f] = 2.5;
    return { imsi: firstImsi + i, eci, p, values, shap };
  });
}

/** A few at-risk users scattered at random: normal life. `rand` is a seeded generator. */
export function noise(topology: Topology, rand: () => number, meanPerCell = 0.3): UserRow[] {
  const rows: UserRow[] = [];
  let imsi = 460_070_000_000_000 + Math.floor(rand() * 1e6) * 1000;
  for (const c of topology.cells) {
    // Poisson by inversion
    let k = 0;
    let p = Math.exp(-meanPerCell);
    let s = p;
    const u = rand();
    while (u > s) {
      k++;
      p *= meanPerCell / k;
      s += p;
    }
    for (let i = 0; i < k; i++) rows.push({ imsi: imsi++, eci: c.eci, p: 0.6, shap: [0.3, 0.3, 0.3, 0.3, 0] });
  }
  return rows;
}

export { mulberry32 } from '../support/mulberry32.js';
