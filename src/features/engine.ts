// The feature engine: per-user tumbling event-time windows over S1 batches. Records map to a user slot (hash on the
// IMSI number) and to an open window ("pane"); each (user, pane) owns one row of a shared Float64 accumulator pool
// that the spec's kernels add into. When the watermark (max event time − allowed lateness) passes a window's end,
// the window closes: its rows become one columnar FeatureWindow and update the users' previous-window values and
// EWMA baselines. Every accumulator is order-independent (integer sums, min/max, bit-or, max-by-time with
// deterministic ties), and the late test uses the running watermark per record, so results do not depend on how
// the input is cut into batches or, within lateness, on arrival order.
import type { RecordBatch } from 'apache-arrow';
import { utf8Column, type Utf8Column } from '../schema/columns.js';
import type { Topology } from '../schema/side-files.js';
import { BatchColumns, oneHotKernel, ratioFeature, statFeatures, statKernel } from './kernels.js';
import { ACC, BUILTIN_FEATURES, CELL_SLOTS, compileSpec, type CompiledSpec, type FeatureSpec } from './spec.js';
import { SlotTable, growFloat64, growInt32 } from './slot-table.js';
import { decodeSnapshot, encodeSnapshot, type SnapshotParts } from './snapshot.js';

/** Structurally the same as src/sources/dead-letters.ts, so any sink of the sources can be passed. */
export interface DeadLetterTarget {
  add(letter: { source: string; row: number; reason: string; raw: string }): void;
}

export interface FeatureEngineOptions {
  /** Records up to this far behind the max event time seen are still counted exactly. */
  allowedLatenessMs?: number;
  /** Where late and invalid records go (they are always counted in stats()). */
  deadLetters?: DeadLetterTarget;
  /** Users with no record for this long leave the hot table; their baseline stays in the compact cold table. */
  idleEvictMs?: number;
  /** `source` field of dead letters. */
  source?: string;
}

export const DEFAULT_ALLOWED_LATENESS_MS = 120_000;
export const DEFAULT_IDLE_EVICT_MS = 2 * 3_600_000;

/** One closed window, columnar, one row per user active in it, rows sorted by IMSI. */
export interface FeatureWindow {
  windowStart: number;
  windowEnd: number;
  imsi: Float64Array;
  msisdn: string[];
  cell: Float64Array;
  regionIndex: Int32Array;
  featureNames: string[];
  columns: Float64Array[];
}

export interface FeatureEngineStats {
  /** Users with state (hot + evicted-with-baseline). */
  users: number;
  hotUsers: number;
  coldUsers: number;
  /** Bytes of per-user state that outlives windows (hash tables, previous values, baselines) per user. */
  userStateBytesPerUser: number;
  /** Bytes of the open-window accumulator pool (sized for the most user-windows open at once). */
  windowStateBytes: number;
  /** Bytes of all typed-array state (tables, baselines, open-window accumulators) per user. */
  stateBytesPerUser: number;
  stateBytes: number;
  records: number;
  lateRecords: number;
  invalidRecords: number;
  windowsClosed: number;
  openWindows: number;
  watermark: number;
  evictedUsers: number;
}

interface Pane {
  window: number; // window index (start / windowMs); -1 = free
  slots: Int32Array;
  count: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Records per kernel block: their accumulator rows (~1.7 KB each for s1-v1) fit in L2. */
const KERNEL_BLOCK = 512;
/** Rows per block when a window closes (accumulator rows of one block stay in cache). */
const CLOSE_BLOCK = 64;

export class FeatureEngine {
  readonly spec: FeatureSpec;
  private readonly plan: CompiledSpec;
  private readonly topology: Topology;
  private readonly windowMs: number;
  private readonly latenessMs: number;
  private readonly idleEvictMs: number;
  private readonly deadLetters: DeadLetterTarget | undefined;
  private readonly source: string;
  private readonly maxPanes: number;
  /** Differential base features K and baseline buckets H. */
  private readonly K: number;
  private readonly H: number;

  // Hot users: full state.
  private hot = new SlotTable(1024);
  private hotLastTime: Float64Array = new Float64Array(0); // max event time of the user's closed windows
  private hotLastWindow: Float64Array = new Float64Array(0); // start of the user's last closed active window
  private hotPrev: Float64Array = new Float64Array(0); // K per slot
  private hotBase: Float64Array = new Float64Array(0); // K × H per slot
  private hotPaneRow: Int32Array = new Int32Array(0); // maxPanes per slot: pool offset or -1

  // Cold users: evicted, baseline kept.
  private cold = new SlotTable(16);
  private coldLastTime: Float64Array = new Float64Array(0);
  private coldLastWindow: Float64Array = new Float64Array(0);
  private coldBase: Float64Array = new Float64Array(0);

  // Accumulator pool: rows of `width` Float64s, recycled through a free list.
  private pool: Float64Array = new Float64Array(0);
  private poolFree: Int32Array = new Int32Array(0);
  private poolFreeCount = 0;
  private poolRows = 0;
  /** pool offset → (eci → count) for rows that saw more than CELL_SLOTS distinct cells. */
  private cellSpill = new Map<number, Map<number, number>>();
  private readonly cellScratch = new Float64Array(2);

  private panes: Pane[];
  private maxEventTime = -Infinity;
  private recordOrdinal = 0;
  private lateRecords = 0;
  private invalidRecords = 0;
  private windowsClosed = 0;
  private evictedUsers = 0;
  private flushed = false;

  constructor(spec: FeatureSpec, topology: Topology, options: FeatureEngineOptions = {}) {
    this.spec = spec;
    this.plan = compileSpec(spec);
    this.topology = topology;
    this.windowMs = spec.windowMs;
    this.latenessMs = Math.max(0, options.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS);
    // Eviction must never drop a previous-window value that could still be used: an evicted user's last window
    // is then always more than one window before any window that can still open.
    this.idleEvictMs = Math.max(options.idleEvictMs ?? DEFAULT_IDLE_EVICT_MS, 2 * this.windowMs + this.latenessMs);
    this.deadLetters = options.deadLetters;
    this.source = options.source ?? 'features';
    // Open windows never exceed ceil(lateness / window) + 1; one more lets a batch open the next before closing.
    this.maxPanes = Math.ceil(this.latenessMs / this.windowMs) + 2;
    this.panes = Array.from({ length: this.maxPanes }, () => ({ window: -1, slots: new Int32Array(1024), count: 0 }));
    this.K = this.plan.diffIndex.length;
    this.H = this.plan.baselineBuckets;
    this.hot.onGrow = (cap) => this.growHot(cap);
    this.cold.onGrow = (cap) => this.growCold(cap);
    this.growHot(this.hot.capacity);
    this.growCold(this.cold.capacity);
  }

  get featureNames(): string[] {
    return this.plan.featureNames;
  }

  /** Adds a batch of S1 records; returns the windows its advancing watermark closed, oldest first. */
  push(batch: RecordBatch): FeatureWindow[] {
    const n = batch.numRows;
    const out: FeatureWindow[] = [];
    if (n === 0) return out;
    const imsiCol = utf8Column(batch, 'imsi');
    const cols = new BatchColumns(batch);
    const time = cols.num('start_time', 'int64').values as Float64Array;
    const rowBase = new Int32Array(n).fill(-1);
    const L = this.windowMs;
    let maxTime = this.maxEventTime;
    let segStart = 0;
    let cachedWindow = -1;
    let cachedPane = -1;
    for (let i = 0; i < n; i++) {
      const ordinal = ++this.recordOrdinal;
      const imsi = parseImsi(imsiCol, i);
      const t = time[i];
      if (imsi < 0 || !Number.isFinite(t) || t < 0) {
        this.invalidRecords++;
        this.deadLetter(ordinal, imsi < 0 ? `invalid imsi: not 1-15 digits` : `invalid start_time: ${t}`, imsiCol, i, t);
        continue;
      }
      if (t > maxTime) maxTime = t;
      const w = Math.floor(t / L);
      if ((w + 1) * L <= maxTime - this.latenessMs || this.flushed) {
        this.lateRecords++;
        this.deadLetter(
          ordinal,
          `late record: start_time ${t} is in window [${w * L}, ${(w + 1) * L}) closed at watermark ${maxTime - this.latenessMs}`,
          imsiCol,
          i,
          t,
        );
        continue;
      }
      let pane = w === cachedWindow ? cachedPane : this.paneOf(w);
      if (pane < 0) {
        pane = this.openPane(w);
        if (pane < 0) {
          // Every pane is taken by a window the running watermark has already closed (a jump in event time):
          // finish this segment, close those windows, and go on.
          this.runKernels(cols, rowBase, segStart, i);
          out.push(...this.closeUpTo(this.maxEventTime - this.latenessMs));
          segStart = i;
          pane = this.openPane(w);
          if (pane < 0) throw new Error('feature engine: no free window pane after closing (internal error)');
        }
      }
      cachedWindow = w;
      cachedPane = pane;
      this.maxEventTime = maxTime;
      rowBase[i] = this.rowFor(imsi, pane);
    }
    this.maxEventTime = maxTime;
    this.runKernels(cols, rowBase, segStart, n);
    out.push(...this.closeUpTo(this.maxEventTime - this.latenessMs));
    return out;
  }

  /** Closes every open window (end of input). Records pushed afterwards are late. */
  flush(): FeatureWindow[] {
    const out = this.closeUpTo(Infinity);
    this.flushed = true;
    return out;
  }

  stats(): FeatureEngineStats {
    const users = this.hot.size + this.cold.size;
    const stateBytes =
      this.hot.bytes() +
      this.hotLastTime.byteLength +
      this.hotLastWindow.byteLength +
      this.hotPrev.byteLength +
      this.hotBase.byteLength +
      this.hotPaneRow.byteLength +
      this.cold.bytes() +
      this.coldLastTime.byteLength +
      this.coldLastWindow.byteLength +
      this.coldBase.byteLength +
      this.pool.byteLength +
      this.poolFree.byteLength;
    const windowStateBytes = this.pool.byteLength + this.poolFree.byteLength;
    return {
      users,
      hotUsers: this.hot.size,
      userStateBytesPerUser: users > 0 ? (stateBytes - windowStateBytes) / users : 0,
      windowStateBytes,
      coldUsers: this.cold.size,
      stateBytes,
      stateBytesPerUser: users > 0 ? stateBytes / users : 0,
      records: this.recordOrdinal,
      lateRecords: this.lateRecords,
      invalidRecords: this.invalidRecords,
      windowsClosed: this.windowsClosed,
      openWindows: this.panes.filter((p) => p.window >= 0).length,
      watermark: this.maxEventTime - this.latenessMs,
      evictedUsers: this.evictedUsers,
    };
  }

  // ---- per-record mapping ----------------------------------------------------------------------------------

  private paneOf(w: number): number {
    for (let p = 0; p < this.maxPanes; p++) if (this.panes[p].window === w) return p;
    return -1;
  }

  private openPane(w: number): number {
    for (let p = 0; p < this.maxPanes; p++) {
      if (this.panes[p].window === -1) {
        this.panes[p].window = w;
        this.panes[p].count = 0;
        return p;
      }
    }
    return -1;
  }

  private userSlot(imsi: number): number {
    let s = this.hot.find(imsi);
    if (s >= 0) return s;
    s = this.hot.insert(imsi);
    const K = this.K;
    const KH = K * this.H;
    this.hotPrev.fill(NaN, s * K, s * K + K);
    this.hotPaneRow.fill(-1, s * this.maxPanes, (s + 1) * this.maxPanes);
    const c = this.cold.find(imsi);
    if (c >= 0) {
      // A returning user: the baseline comes back from the cold table.
      this.hotLastTime[s] = this.coldLastTime[c];
      this.hotLastWindow[s] = this.coldLastWindow[c];
      this.hotBase.set(this.coldBase.subarray(c * KH, c * KH + KH), s * KH);
      this.cold.remove(c);
    } else {
      this.hotLastTime[s] = -Infinity;
      this.hotLastWindow[s] = NaN;
      this.hotBase.fill(NaN, s * KH, s * KH + KH);
    }
    return s;
  }

  private rowFor(imsi: number, pane: number): number {
    const s = this.userSlot(imsi);
    const k = s * this.maxPanes + pane;
    let r = this.hotPaneRow[k];
    if (r >= 0) return r;
    r = this.allocRow();
    this.hotPaneRow[k] = r;
    const p = this.panes[pane];
    if (p.count === p.slots.length) p.slots = growInt32(p.slots, p.slots.length * 2, 0);
    p.slots[p.count++] = s;
    return r;
  }

  private allocRow(): number {
    const W = this.plan.width;
    let r: number;
    if (this.poolFreeCount > 0) r = this.poolFree[--this.poolFreeCount];
    else {
      if ((this.poolRows + 1) * W > this.pool.length) {
        // Doubling while small; 1.25× when large, so a million open user-windows do not reserve a million more.
        const rows = Math.max(1024, this.poolRows < 1 << 16 ? this.poolRows * 2 : Math.ceil(this.poolRows * 1.25));
        this.pool = growFloat64(this.pool, rows * W, 0);
        this.poolFree = growInt32(this.poolFree, rows, 0);
      }
      r = this.poolRows++ * W;
    }
    this.pool.set(this.plan.rowTemplate, r);
    return r;
  }

  private runKernels(cols: BatchColumns, rowBase: Int32Array, from: number, to: number): void {
    if (to <= from) return;
    // Kernels run block by block: the accumulator rows one block touches stay in cache across all kernels
    // instead of being fetched from memory once per kernel.
    const pool = this.pool;
    const time = cols.num('start_time', 'int64').values as Float64Array;
    const msisdn = utf8Column(cols.batch, 'msisdn');
    const eci = cols.num('eci', 'int64');
    for (let b = from; b < to; b += KERNEL_BLOCK) {
      const e = Math.min(to, b + KERNEL_BLOCK);
      this.fixedKernel(time, msisdn, eci.values as Float64Array, eci.valid, rowBase, b, e);
      for (const o of this.plan.onehots) oneHotKernel(o, cols, rowBase, pool, b, e);
      for (const s of this.plan.stats) statKernel(s, cols, rowBase, pool, b, e);
    }
  }

  /** Records, first/last time, active-bin mask, latest msisdn, cells. */
  private fixedKernel(
    time: Float64Array,
    msisdn: Utf8Column,
    eci: Float64Array,
    eciValid: Uint8Array | null,
    rowBase: Int32Array,
    from: number,
    to: number,
  ): void {
    const pool = this.pool;
    const L = this.windowMs;
    const bins = this.spec.window.silenceBins;
    for (let i = from; i < to; i++) {
      const r = rowBase[i];
      if (r < 0) continue;
      const t = time[i];
      pool[r + ACC.records] += 1;
      if (t < pool[r + ACC.firstTime]) pool[r + ACC.firstTime] = t;
      if (t > pool[r + ACC.lastTime]) pool[r + ACC.lastTime] = t;
      const bin = Math.floor(((t - Math.floor(t / L) * L) * bins) / L);
      pool[r + ACC.binMask] = (pool[r + ACC.binMask] | (1 << bin)) >>> 0;
      // Latest msisdn in the window; equal times keep the larger number so arrival order cannot matter.
      const mt = pool[r + ACC.msisdnTime];
      if (t >= mt && !(msisdn.valid && !msisdn.valid[i])) {
        const len = msisdn.offsets[i + 1] - msisdn.offsets[i];
        const num = parseDigits(msisdn, i);
        if (num >= 0 && (t > mt || num > pool[r + ACC.msisdn] || Number.isNaN(pool[r + ACC.msisdn]))) {
          pool[r + ACC.msisdnTime] = t;
          pool[r + ACC.msisdn] = num;
          pool[r + ACC.msisdnLen] = len;
        }
      }
      if (eciValid && !eciValid[i]) continue;
      const e = eci[i];
      let c = 0;
      for (; c < CELL_SLOTS; c++) {
        const p = r + ACC.cells + 2 * c;
        const have = pool[p];
        if (have === e) {
          pool[p + 1] += 1;
          break;
        }
        if (Number.isNaN(have)) {
          pool[p] = e;
          pool[p + 1] = 1;
          break;
        }
      }
      if (c === CELL_SLOTS) {
        let m = this.cellSpill.get(r);
        if (!m) this.cellSpill.set(r, (m = new Map()));
        m.set(e, (m.get(e) ?? 0) + 1);
        pool[r + ACC.cellOverflow] = 1;
      }
    }
  }

  private deadLetter(ordinal: number, reason: string, imsi: Utf8Column, i: number, t: number): void {
    if (!this.deadLetters) return;
    const raw = JSON.stringify({ imsi: imsiText(imsi, i), start_time: t });
    this.deadLetters.add({ source: this.source, row: ordinal, reason, raw });
  }

  // ---- closing windows -------------------------------------------------------------------------------------

  private closeUpTo(watermark: number): FeatureWindow[] {
    const out: FeatureWindow[] = [];
    const L = this.windowMs;
    for (;;) {
      let oldest = -1;
      for (let p = 0; p < this.maxPanes; p++) {
        const w = this.panes[p].window;
        if (w >= 0 && (w + 1) * L <= watermark && (oldest < 0 || w < this.panes[oldest].window)) oldest = p;
      }
      if (oldest < 0) break;
      out.push(this.closePane(oldest));
    }
    if (out.length > 0 && Number.isFinite(watermark)) this.evictIdle(watermark);
    return out;
  }

  private closePane(p: number): FeatureWindow {
    const pane = this.panes[p];
    const plan = this.plan;
    const L = this.windowMs;
    const windowStart = pane.window * L;
    const m = pane.count;
    // Rows sorted by IMSI: the output cannot depend on which user arrived first.
    const keys = new Float64Array(m);
    for (let j = 0; j < m; j++) keys[j] = this.hot.keys[pane.slots[j]];
    keys.sort();
    const F = plan.featureNames.length;
    const columns = Array.from({ length: F }, () => new Float64Array(m));
    const cell = new Float64Array(m);
    const regionIndex = new Int32Array(m);
    const msisdn: string[] = new Array(m);
    const pool = this.pool;
    const bins = this.spec.window.silenceBins;
    const binMin = L / bins / MINUTE_MS;
    const K = this.K;
    const KH = K * this.H;
    const hBucket = this.H === 1 ? 0 : Math.floor((windowStart % DAY_MS) / HOUR_MS);
    const alpha = this.spec.baseline.alpha;
    const { diffIndex, diffSmoothing, diffStart } = plan;
    const blockSlot = new Int32Array(CLOSE_BLOCK);
    const blockRow = new Int32Array(CLOSE_BLOCK);
    const nBuiltin: number = BUILTIN_FEATURES.length;
    for (let j0 = 0; j0 < m; j0 += CLOSE_BLOCK) {
      const j1 = Math.min(m, j0 + CLOSE_BLOCK);
      // Row-wise: identity, cells and the built-in features.
      for (let j = j0; j < j1; j++) {
        const s = this.hot.find(keys[j]);
        const r = this.hotPaneRow[s * this.maxPanes + p];
        blockSlot[j - j0] = s;
        blockRow[j - j0] = r;
        this.cellsOf(r);
        const dominant = this.cellScratch[1];
        cell[j] = dominant;
        regionIndex[j] = Number.isNaN(dominant) ? -1 : (this.topology.regionOfCell.get(dominant) ?? -1);
        msisdn[j] = Number.isNaN(pool[r + ACC.msisdn]) ? '' : String(pool[r + ACC.msisdn]).padStart(pool[r + ACC.msisdnLen], '0');
        const mask = pool[r + ACC.binMask];
        let active = 0;
        let lastBin = -1;
        let maxGap = 0;
        for (let b = 0; b < bins; b++) {
          if ((mask >>> b) & 1) {
            active++;
            if (lastBin >= 0 && b - lastBin - 1 > maxGap) maxGap = b - lastBin - 1;
            lastBin = b;
          }
        }
        const lastTime = this.hotLastTime[s];
        const lastWindow = this.hotLastWindow[s];
        columns[0][j] = pool[r + ACC.records];
        columns[1][j] = this.cellScratch[0];
        columns[2][j] = active;
        columns[3][j] = maxGap * binMin;
        columns[4][j] = (bins - 1 - lastBin) * binMin;
        columns[5][j] = lastTime === -Infinity ? NaN : (pool[r + ACC.firstTime] - lastTime) / MINUTE_MS;
        columns[6][j] = Number.isNaN(lastWindow) ? NaN : (windowStart - lastWindow) / L;
      }
      // Feature-major over the block: the block's accumulator rows stay in cache and each output column is
      // written contiguously (row-wise writes to 200+ columns thrash the cache).
      let c = nBuiltin;
      for (const o of plan.onehots) {
        for (let k = 0; k < o.names.length; k++) {
          const col = columns[c++];
          const off = o.offset + k;
          for (let j = j0; j < j1; j++) col[j] = pool[blockRow[j - j0] + off];
        }
      }
      for (const st of plan.stats) c = statFeatures(st, pool, blockRow, columns, j0, j1, c);
      for (const ra of plan.ratios) {
        const col = columns[c++];
        for (let j = j0; j < j1; j++) col[j] = ratioFeature(ra, pool, blockRow[j - j0]);
      }
      // Row-wise: differential features against the previous window (only if the user was active in it) and the
      // EWMA baseline, then the user's state moves on and the accumulator row is recycled.
      for (let j = j0; j < j1; j++) {
        const s = blockSlot[j - j0];
        const r = blockRow[j - j0];
        const lastWindow = this.hotLastWindow[s];
        const prevActive = lastWindow === windowStart - L;
        for (let k = 0; k < K; k++) {
          const x = columns[diffIndex[k]][j];
          const prev = this.hotPrev[s * K + k];
          const bi = s * KH + hBucket * K + k;
          const base = this.hotBase[bi];
          const sm = diffSmoothing[k];
          columns[diffStart + k][j] = prevActive ? x - prev : NaN;
          columns[diffStart + K + k][j] = x - base;
          columns[diffStart + 2 * K + k][j] = base + sm > 0 ? (x + sm) / (base + sm) : NaN;
          this.hotPrev[s * K + k] = x;
          if (!Number.isNaN(x)) this.hotBase[bi] = Number.isNaN(base) ? x : base + alpha * (x - base);
        }
        this.hotLastWindow[s] = windowStart;
        if (pool[r + ACC.lastTime] > this.hotLastTime[s]) this.hotLastTime[s] = pool[r + ACC.lastTime];
        this.hotPaneRow[s * this.maxPanes + p] = -1;
        if (pool[r + ACC.cellOverflow] === 1) this.cellSpill.delete(r);
        this.poolFree[this.poolFreeCount++] = r;
      }
    }
    pane.window = -1;
    pane.count = 0;
    this.windowsClosed++;
    return {
      windowStart,
      windowEnd: windowStart + L,
      imsi: keys,
      msisdn,
      cell,
      regionIndex,
      featureNames: plan.featureNames,
      columns,
    };
  }

  /** Distinct cells of a row and the dominant one (most records; ties → smallest ECI, so arrival order cannot
   *  matter), written to cellScratch[0] (count) and cellScratch[1] (ECI or NaN). */
  private cellsOf(r: number): void {
    const pool = this.pool;
    let count = 0;
    let best = NaN;
    let bestN = 0;
    for (let c = 0; c < CELL_SLOTS; c++) {
      const e = pool[r + ACC.cells + 2 * c];
      if (Number.isNaN(e)) break;
      const n = pool[r + ACC.cells + 2 * c + 1];
      count++;
      if (n > bestN || (n === bestN && e < best)) {
        best = e;
        bestN = n;
      }
    }
    if (pool[r + ACC.cellOverflow] === 1)
      for (const [e, n] of this.cellSpill.get(r) ?? []) {
        count++;
        if (n > bestN || (n === bestN && e < best)) {
          best = e;
          bestN = n;
        }
      }
    this.cellScratch[0] = count;
    this.cellScratch[1] = best;
  }

  /** Moves users idle since before `watermark − idleEvictMs` (and without open windows) to the cold table. */
  private evictIdle(watermark: number): void {
    const cutoff = watermark - this.idleEvictMs;
    const P = this.maxPanes;
    const K = this.K;
    const KH = K * this.H;
    const keys = this.hot.keys;
    for (let s = 0; s < this.hot.next; s++) {
      if (Number.isNaN(keys[s]) || this.hotLastTime[s] >= cutoff) continue;
      let open = false;
      for (let p = 0; p < P; p++) if (this.hotPaneRow[s * P + p] >= 0) open = true;
      if (open) continue;
      const c = this.cold.insert(keys[s]);
      this.coldLastTime[c] = this.hotLastTime[s];
      this.coldLastWindow[c] = this.hotLastWindow[s];
      this.coldBase.set(this.hotBase.subarray(s * KH, s * KH + KH), c * KH);
      this.hot.remove(s);
      this.evictedUsers++;
    }
  }

  private growHot(cap: number): void {
    const K = this.K;
    this.hotLastTime = growFloat64(this.hotLastTime, cap, -Infinity);
    this.hotLastWindow = growFloat64(this.hotLastWindow, cap, NaN);
    this.hotPrev = growFloat64(this.hotPrev, cap * K, NaN);
    this.hotBase = growFloat64(this.hotBase, cap * K * this.H, NaN);
    this.hotPaneRow = growInt32(this.hotPaneRow, cap * this.maxPanes, -1);
  }

  private growCold(cap: number): void {
    this.coldLastTime = growFloat64(this.coldLastTime, cap, -Infinity);
    this.coldLastWindow = growFloat64(this.coldLastWindow, cap, NaN);
    this.coldBase = growFloat64(this.coldBase, cap * this.K * this.H, NaN);
  }

  // ---- snapshot --------------------------------------------------------------------------------------------

  /** All state as bytes (live streaming checkpoints it); restore() continues exactly where this left off. */
  snapshot(): Uint8Array {
    const hot = this.hot.toParts();
    const cold = this.cold.toParts();
    const K = this.K;
    const KH = K * this.H;
    const spillRows: number[] = [];
    const spillEci: number[] = [];
    const spillCount: number[] = [];
    for (const [r, m] of this.cellSpill)
      for (const [e, n] of m) {
        spillRows.push(r);
        spillEci.push(e);
        spillCount.push(n);
      }
    const parts: SnapshotParts = {
      header: {
        specHash: this.spec.hash,
        maxPanes: this.maxPanes,
        hotNext: hot.next,
        coldNext: cold.next,
        poolRows: this.poolRows,
        maxEventTime: this.maxEventTime,
        recordOrdinal: this.recordOrdinal,
        lateRecords: this.lateRecords,
        invalidRecords: this.invalidRecords,
        windowsClosed: this.windowsClosed,
        evictedUsers: this.evictedUsers,
        flushed: this.flushed,
        paneWindows: this.panes.map((p) => p.window),
      },
      arrays: {
        hotKeys: hot.keys,
        hotFree: hot.free,
        hotLastTime: this.hotLastTime.slice(0, hot.next),
        hotLastWindow: this.hotLastWindow.slice(0, hot.next),
        hotPrev: this.hotPrev.slice(0, hot.next * K),
        hotBase: this.hotBase.slice(0, hot.next * KH),
        hotPaneRow: this.hotPaneRow.slice(0, hot.next * this.maxPanes),
        coldKeys: cold.keys,
        coldFree: cold.free,
        coldLastTime: this.coldLastTime.slice(0, cold.next),
        coldLastWindow: this.coldLastWindow.slice(0, cold.next),
        coldBase: this.coldBase.slice(0, cold.next * KH),
        pool: this.pool.slice(0, this.poolRows * this.plan.width),
        poolFree: this.poolFree.slice(0, this.poolFreeCount),
        spillRows: Float64Array.from(spillRows),
        spillEci: Float64Array.from(spillEci),
        spillCount: Float64Array.from(spillCount),
        ...Object.fromEntries(this.panes.map((p, i) => [`pane${i}`, p.slots.slice(0, p.count)])),
      },
    };
    return encodeSnapshot(parts);
  }

  static restore(spec: FeatureSpec, topology: Topology, bytes: Uint8Array, options: FeatureEngineOptions = {}): FeatureEngine {
    const { header: h, arrays: a } = decodeSnapshot(bytes);
    if (h.specHash !== spec.hash)
      throw new Error(`feature snapshot was taken with spec hash ${String(h.specHash).slice(0, 12)}…, not ${spec.hash.slice(0, 12)}… (${spec.name})`);
    const e = new FeatureEngine(spec, topology, options);
    if (h.maxPanes !== e.maxPanes)
      throw new Error(`feature snapshot has ${h.maxPanes} window panes but these options give ${e.maxPanes}: restore with the same allowedLatenessMs`);
    const f64 = (k: string) => a[k] as Float64Array;
    const i32 = (k: string) => a[k] as Int32Array;
    e.hot = SlotTable.fromParts({ keys: f64('hotKeys'), free: i32('hotFree'), next: h.hotNext as number });
    e.hot.onGrow = (cap) => e.growHot(cap);
    e.hotLastTime = new Float64Array(0);
    e.hotLastWindow = new Float64Array(0);
    e.hotPrev = new Float64Array(0);
    e.hotBase = new Float64Array(0);
    e.hotPaneRow = new Int32Array(0);
    e.growHot(e.hot.capacity);
    e.hotLastTime.set(f64('hotLastTime'));
    e.hotLastWindow.set(f64('hotLastWindow'));
    e.hotPrev.set(f64('hotPrev'));
    e.hotBase.set(f64('hotBase'));
    e.hotPaneRow.set(i32('hotPaneRow'));
    e.cold = SlotTable.fromParts({ keys: f64('coldKeys'), free: i32('coldFree'), next: h.coldNext as number });
    e.cold.onGrow = (cap) => e.growCold(cap);
    e.coldLastTime = new Float64Array(0);
    e.coldLastWindow = new Float64Array(0);
    e.coldBase = new Float64Array(0);
    e.growCold(e.cold.capacity);
    e.coldLastTime.set(f64('coldLastTime'));
    e.coldLastWindow.set(f64('coldLastWindow'));
    e.coldBase.set(f64('coldBase'));
    const pool = f64('pool');
    e.poolRows = h.poolRows as number;
    e.pool = new Float64Array(Math.max(pool.length, 1024 * e.plan.width));
    e.pool.set(pool);
    const free = i32('poolFree');
    e.poolFree = new Int32Array(Math.max(e.poolRows, 1024));
    e.poolFree.set(free);
    e.poolFreeCount = free.length;
    const sr = f64('spillRows');
    const se = f64('spillEci');
    const sc = f64('spillCount');
    for (let k = 0; k < sr.length; k++) {
      let m = e.cellSpill.get(sr[k]);
      if (!m) e.cellSpill.set(sr[k], (m = new Map()));
      m.set(se[k], sc[k]);
    }
    (h.paneWindows as number[]).forEach((w, i) => {
      const slots = i32(`pane${i}`);
      e.panes[i] = { window: w, slots: growInt32(slots.slice(), Math.max(1024, slots.length), 0), count: slots.length };
    });
    e.maxEventTime = h.maxEventTime as number;
    e.recordOrdinal = h.recordOrdinal as number;
    e.lateRecords = h.lateRecords as number;
    e.invalidRecords = h.invalidRecords as number;
    e.windowsClosed = h.windowsClosed as number;
    e.evictedUsers = h.evictedUsers as number;
    e.flushed = h.flushed as boolean;
    return e;
  }
}

/** IMSI as a number: 1–15 ASCII digits, else -1. */
function parseImsi(col: Utf8Column, row: number): number {
  if (col.valid && !col.valid[row]) return -1;
  const start = col.offsets[row];
  const end = col.offsets[row + 1];
  if (end <= start || end - start > 15) return -1;
  let v = 0;
  for (let p = start; p < end; p++) {
    const d = col.bytes[p] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** MSISDN digits (≤ 15) as a number, else -1. */
function parseDigits(col: Utf8Column, row: number): number {
  return parseImsi(col, row);
}

function imsiText(col: Utf8Column, row: number): string | null {
  if (col.valid && !col.valid[row]) return null;
  return Buffer.from(col.bytes.subarray(col.offsets[row], col.offsets[row + 1])).toString('utf8');
}
