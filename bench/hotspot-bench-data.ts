// Shared synthetic inputs for bench/hotspots.ts and bench/store.ts: a topology of `cells` cells (3 per eNB,
// 10 regions) and scored windows of `users` users with `features` features, ~2% at risk and explained.
import type { ScoredWindow } from '../src/hotspots/scored-window.js';
import { buildTopology, type Cell, type Topology } from '../src/schema/side-files.js';
import { mulberry32 as rng } from '../test/support/mulberry32.js';

export { mulberry32 as rng } from '../test/support/mulberry32.js';

export function benchTopology(cells: number, regions = 10): Topology {
  const list: Cell[] = [];
  for (let c = 0; c < cells; c++) {
    const enbId = 10_000 + Math.floor(c / 3);
    const region = `region-${String(Math.floor((c * regions) / cells)).padStart(2, '0')}`;
    list.push({ eci: enbId * 256 + (c % 3), enbId, tac: 100 + Math.floor(enbId / 20), cellName: `c${c}`, region, lat: 30 + (enbId % 40) * 0.02, lon: 110 + Math.floor(enbId / 40) * 0.02 });
  }
  return buildTopology(list);
}

export const BENCH_FEATURES = [
  'cnt_s1ap_radioNetwork_21', 'cnt_s1ap_radioNetwork_25', 'cnt_s1ap_transport_0', 'cnt_emm_22', 'cnt_emm_7', 'cnt_esm_27',
  'ratio_fail_attach', 'ratio_fail_tau', 'ratio_fail_service_request', 'ratio_fail_x2_handover', 'ratio_fail_erab_setup',
  'ratio_abnormal_release', 'ratio_tcp_retrans', 'mean_tcp_syn_ack_delay_ms', 'ratio_dns_fail',
];

export function featureNames(n: number): string[] {
  const names = [...BENCH_FEATURES];
  for (let i = 0; names.length < n; i++) names.push(i % 2 ? `d_base_${BENCH_FEATURES[i % BENCH_FEATURES.length]}_${i}` : `sum_bytes_${i}`);
  return names.slice(0, n);
}

/**
 * One window. Users keep their cell across windows (user u sits in cell u mod cells). `faultCells` get 40%
 * of their users at risk with a radio signature, elsewhere ~2%.
 */
export function benchWindow(topology: Topology, users: number, features: number, index: number, random: () => number, faultCells: ReadonlySet<number> = new Set()): ScoredWindow {
  const names = featureNames(features);
  const nCells = topology.cells.length;
  const imsi = new Float64Array(users);
  const cell = new Float64Array(users);
  const regionIndex = new Int32Array(users);
  const probability = new Float64Array(users);
  const cols = names.map(() => new Float64Array(users));
  const explained: number[] = [];
  for (let u = 0; u < users; u++) {
    const c = u % nCells;
    imsi[u] = 460_000_000_000_000 + u;
    cell[u] = topology.cells[c].eci;
    regionIndex[u] = topology.regionOfCell.get(cell[u])!;
    const inFault = faultCells.has(c);
    probability[u] = inFault && random() < 0.4 ? 0.6 + 0.4 * random() : random() < 0.02 ? 0.5 + 0.5 * random() : 0.1 * random();
    for (let f = 0; f < features; f++) cols[f][u] = random() < 0.7 ? 0 : random() * 5;
    if (probability[u] >= 0.5) explained.push(u);
  }
  const width = features + 1;
  const contributions = new Float64Array(explained.length * width);
  explained.forEach((u, j) => {
    const hot = faultCells.has(u % nCells);
    for (let f = 0; f < features; f++) contributions[j * width + f] = (random() - 0.45) * 0.2 + (hot && f === 0 ? 2 : 0);
    contributions[j * width + features] = -3;
  });
  const start = Date.UTC(2026, 2, 2, 0, 0) + index * 15 * 60_000;
  return {
    windowStart: start,
    windowEnd: start + 15 * 60_000,
    imsi,
    cell,
    regionIndex,
    probability,
    featureNames: names,
    features: cols,
    explainedRows: Int32Array.from(explained),
    contributions,
    modelVersion: 'bench',
  };
}
