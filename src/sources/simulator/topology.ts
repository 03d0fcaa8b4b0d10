// The synthetic city's radio network: regions on a grid around a centre, eNBs denser downtown, 3–9 cells
// per eNB, TACs per region, MME pools over groups of regions, transport (backhaul) groups of nearby eNBs.
// Everything is held in typed arrays indexed by cell / eNB / region position; `cells` is the side-file view.
import type { Cell } from '../../schema/side-files.js';
import { Rng, cumulative } from './prng.js';

export interface TopologyConfig {
  seed: number;
  enbs: number;
  regions: number;
  /** Share of cells with chronic weak coverage (background noise). */
  weakCellShare: number;
}

/** Neighbour slots per cell (same-site sectors first, then the nearest other sites). */
export const NEIGHBOURS = 8;

export interface CityNetwork {
  readonly cells: Cell[];
  readonly cellCount: number;
  readonly cellEci: Float64Array;
  readonly cellEnb: Int32Array;
  readonly cellTac: Int32Array;
  readonly cellRegion: Int32Array;
  readonly cellLat: Float64Array;
  readonly cellLon: Float64Array;
  readonly cellWeak: Uint8Array;
  /** cellCount × NEIGHBOURS cell indices. */
  readonly neighbours: Int32Array;
  readonly enbCount: number;
  readonly enbId: Int32Array;
  readonly enbRegion: Int32Array;
  readonly enbTransport: Int32Array;
  readonly enbFirstCell: Int32Array;
  readonly enbCellCount: Int32Array;
  readonly enbLat: Float64Array;
  readonly enbLon: Float64Array;
  readonly transportGroups: number;
  readonly regionNames: string[];
  readonly regionLat: Float64Array;
  readonly regionLon: Float64Array;
  /** Cell indices per region. */
  readonly regionCells: Int32Array[];
  /** Region → MME pool (a pool also stands for the PGW and DNS site serving those regions). */
  readonly regionPool: Int32Array;
  readonly poolCount: number;
  /** MME codes of each pool. */
  readonly poolMmeCodes: number[][];
}

const CENTRE_LAT = 31.23;
const CENTRE_LON = 121.47;
/** Degrees spanned by the city (about 40 × 40 km). */
const SPAN = 0.4;
/** Regions per MME pool. */
const REGIONS_PER_POOL = 10;
/** eNBs per tracking area and per transport node. */
const ENBS_PER_TAC = 12;
const ENBS_PER_TRANSPORT = 5;
/** Cells per eNB: mostly 3-sector sites, some 6/9 (multi-band), a few odd counts. */
const CELLS_PER_ENB = [3, 4, 5, 6, 7, 8, 9];
const CELLS_PER_ENB_WEIGHT = [0.55, 0.05, 0.04, 0.22, 0.03, 0.02, 0.09];

export function buildNetwork(cfg: TopologyConfig): CityNetwork {
  const rng = new Rng(cfg.seed, 1);
  const R = cfg.regions;
  const cols = Math.ceil(Math.sqrt(R * 1.2));
  const rows = Math.ceil(R / cols);
  const regionNames: string[] = [];
  const regionLat = new Float64Array(R);
  const regionLon = new Float64Array(R);
  const regionWeight: number[] = [];
  for (let r = 0; r < R; r++) {
    const gx = r % cols;
    const gy = Math.floor(r / cols);
    regionNames.push(`district-${String(r + 1).padStart(2, '0')}`);
    regionLat[r] = CENTRE_LAT + ((gy + 0.5) / rows - 0.5) * SPAN + (rng.float() - 0.5) * (SPAN / rows) * 0.3;
    regionLon[r] = CENTRE_LON + ((gx + 0.5) / cols - 0.5) * SPAN + (rng.float() - 0.5) * (SPAN / cols) * 0.3;
    // Downtown regions hold more sites (and, later, more subscribers and work places).
    const d = Math.hypot(regionLat[r] - CENTRE_LAT, regionLon[r] - CENTRE_LON) / SPAN;
    regionWeight.push(0.4 + 1.6 * Math.exp(-d * d * 8));
  }
  const regionCum = cumulative(regionWeight);

  // eNBs: every region gets at least two, the rest by weight; sorted by region so ranges are contiguous.
  const E = Math.max(cfg.enbs, 2 * R);
  const enbRegionList: number[] = [];
  for (let r = 0; r < R; r++) enbRegionList.push(r, r);
  while (enbRegionList.length < E) enbRegionList.push(rng.pickCumulative(regionCum));
  enbRegionList.sort((a, b) => a - b);

  const enbId = new Int32Array(E);
  const enbRegion = new Int32Array(E);
  const enbLat = new Float64Array(E);
  const enbLon = new Float64Array(E);
  const enbTransport = new Int32Array(E);
  const enbFirstCell = new Int32Array(E);
  const enbCellCount = new Int32Array(E);
  const enbTac = new Int32Array(E);
  const usedIds = new Set<number>();
  const cellCum = cumulative(CELLS_PER_ENB_WEIGHT);
  let transport = -1;
  let prevRegion = -1;
  let inRegion = 0;
  let cellTotal = 0;
  const regionRadius = (SPAN / Math.max(rows, cols)) * 0.55;
  for (let e = 0; e < E; e++) {
    const r = enbRegionList[e];
    if (r !== prevRegion) {
      prevRegion = r;
      inRegion = 0;
    }
    let id: number;
    do id = 100_000 + rng.int(900_000); // 20-bit eNB id space (< 1,048,576)
    while (usedIds.has(id));
    usedIds.add(id);
    enbId[e] = id;
    enbRegion[e] = r;
    const ang = rng.float() * 2 * Math.PI;
    const rad = regionRadius * Math.sqrt(rng.float());
    enbLat[e] = regionLat[r] + rad * Math.sin(ang);
    enbLon[e] = regionLon[r] + rad * Math.cos(ang);
    if (inRegion % ENBS_PER_TRANSPORT === 0) transport++;
    enbTransport[e] = transport;
    enbTac[e] = 0x1000 + r * 16 + Math.floor(inRegion / ENBS_PER_TAC);
    enbFirstCell[e] = cellTotal;
    enbCellCount[e] = CELLS_PER_ENB[rng.pickCumulative(cellCum)];
    cellTotal += enbCellCount[e];
    inRegion++;
  }

  const C = cellTotal;
  const cellEci = new Float64Array(C);
  const cellEnb = new Int32Array(C);
  const cellTac = new Int32Array(C);
  const cellRegion = new Int32Array(C);
  const cellLat = new Float64Array(C);
  const cellLon = new Float64Array(C);
  const cellWeak = new Uint8Array(C);
  const cells: Cell[] = [];
  for (let e = 0; e < E; e++) {
    const n = enbCellCount[e];
    for (let k = 0; k < n; k++) {
      const c = enbFirstCell[e] + k;
      const sector = k % 3;
      // Sector azimuths 0/120/240°; the cell "centre" sits ~300 m out along its azimuth.
      const az = (sector * 2 * Math.PI) / 3 + 0.3;
      cellEci[c] = enbId[e] * 256 + (k + 1);
      cellEnb[c] = e;
      cellTac[c] = enbTac[e];
      cellRegion[c] = enbRegion[e];
      cellLat[c] = enbLat[e] + 0.0027 * Math.sin(az);
      cellLon[c] = enbLon[e] + 0.0031 * Math.cos(az);
      cellWeak[c] = rng.float() < cfg.weakCellShare ? 1 : 0;
      cells.push({
        eci: cellEci[c],
        enbId: enbId[e],
        tac: enbTac[e],
        cellName: `${regionNames[enbRegion[e]]}-${enbId[e]}-${k + 1}`,
        region: regionNames[enbRegion[e]],
        lat: Math.round(cellLat[c] * 1e6) / 1e6,
        lon: Math.round(cellLon[c] * 1e6) / 1e6,
      });
    }
  }

  // Neighbours: the other sectors of the site, then sectors of the nearest sites (brute force: E² is small).
  const neighbours = new Int32Array(C * NEIGHBOURS);
  const nearest = new Int32Array(E * 4);
  const dist = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    for (let f = 0; f < E; f++) dist[f] = f === e ? Infinity : (enbLat[e] - enbLat[f]) ** 2 + (enbLon[e] - enbLon[f]) ** 2;
    for (let k = 0; k < 4; k++) {
      let best = 0;
      for (let f = 1; f < E; f++) if (dist[f] < dist[best]) best = f;
      nearest[e * 4 + k] = best;
      dist[best] = Infinity;
    }
  }
  for (let c = 0; c < C; c++) {
    const e = cellEnb[c];
    let m = 0;
    for (let k = 0; k < enbCellCount[e] && m < 2; k++) {
      const o = enbFirstCell[e] + k;
      if (o !== c) neighbours[c * NEIGHBOURS + m++] = o;
    }
    let j = 0;
    while (m < NEIGHBOURS) {
      const f = nearest[e * 4 + (j % 4)];
      const k = Math.floor(j / 4) % enbCellCount[f];
      neighbours[c * NEIGHBOURS + m++] = enbFirstCell[f] + k;
      j++;
    }
  }

  const regionCellLists: number[][] = Array.from({ length: R }, () => []);
  for (let c = 0; c < C; c++) regionCellLists[cellRegion[c]].push(c);
  const regionCells = regionCellLists.map((l) => Int32Array.from(l));

  const poolCount = Math.max(1, Math.ceil(R / REGIONS_PER_POOL));
  const regionPool = new Int32Array(R);
  for (let r = 0; r < R; r++) regionPool[r] = Math.min(poolCount - 1, Math.floor(r / REGIONS_PER_POOL));
  const poolMmeCodes: number[][] = [];
  for (let p = 0; p < poolCount; p++) poolMmeCodes.push([1, 2, 3].map((k) => 16 * (p + 1) + k));

  return {
    cells,
    cellCount: C,
    cellEci,
    cellEnb,
    cellTac,
    cellRegion,
    cellLat,
    cellLon,
    cellWeak,
    neighbours,
    enbCount: E,
    enbId,
    enbRegion,
    enbTransport,
    enbFirstCell,
    enbCellCount,
    enbLat,
    enbLon,
    transportGroups: transport + 1,
    regionNames,
    regionLat,
    regionLon,
    regionCells,
    regionPool,
    poolCount,
    poolMmeCodes,
  };
}

/** The cells of a set of eNBs. */
export function cellsOfEnbs(net: CityNetwork, enbs: readonly number[]): number[] {
  const out: number[] = [];
  for (const e of enbs) for (let k = 0; k < net.enbCellCount[e]; k++) out.push(net.enbFirstCell[e] + k);
  return out;
}

/** The `k` eNBs nearest to eNB `e` (including itself), for clustered faults. */
export function enbCluster(net: CityNetwork, e: number, k: number): number[] {
  const order = Array.from({ length: net.enbCount }, (_, f) => f);
  const d = (f: number) => (net.enbLat[e] - net.enbLat[f]) ** 2 + (net.enbLon[e] - net.enbLon[f]) ** 2;
  order.sort((a, b) => d(a) - d(b));
  return order.slice(0, k);
}
