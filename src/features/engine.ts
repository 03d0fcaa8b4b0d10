// The feature engine: per-user tumbling event-time windows over S1 batches. Each batch is first encoded column by
// column (kernels chosen once per spec column: a one-hot bucket or a statistic's input per record); each record
// then finds its window ("pane") and its user's row in that window (a per-window hash on the IMSI number), and
// its encoded form is appended to the window's buffer. When the watermark (max event time − allowed lateness)
// passes a window's end, the window closes: its records are grouped by user (counting sort on the IMSI rank),
// aggregated block by block into a small scratch, and every feature is computed column by column into one
// columnar FeatureWindow; the users' previous-window values and EWMA baselines (slot-indexed typed arrays, looked
// up once per row) move on. Every accumulator is order-independent (integer sums, min/max, bit-or, max-by-time
// with deterministic ties), and the late test uses the running watermark per record, so results do not depend on
// how the input is cut into batches or, within lateness, on arrival order. By default the per-record loops that
// need no JavaScript objects — parsing IMSI/MSISDN digits, encoding each buffered record straight to its buffer
// address (encode-kernel.ts, from copies of the batch's Arrow buffers), and the close-time aggregation — run in a
// WebAssembly kernel specialised to the spec (aggregate-kernel.ts), whose memory holds the window buffers;
// `kernel: 'js'` keeps the JavaScript loops (the same values bit for bit, tested).
import type { Data, RecordBatch } from 'apache-arrow';
import { utf8Column, type Utf8Column } from '../schema/columns.js';
import type { Topology } from '../schema/side-files.js';
import { instantiateAggregateKernel, type AggregateKernel, type AggregateMemory } from './aggregate-kernel.js';
import { wasmAvailable } from '../model/wasm-assembler.js';
import { BatchColumns, DecodeArena, encodeOneHot, encodeStat } from './kernels.js';
import { encodeProgram } from './encode-kernel.js';
import { ACC, BUILTIN_FEATURES, compileSpec, type CompiledSpec, type FeatureSpec } from './spec.js';
import { SlotTable, growFloat64, hashKey } from './slot-table.js';
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
  /** The per-record hot loops: the WebAssembly kernel (aggregate-kernel.ts; the default where WebAssembly exists:
   *  IMSI/MSISDN parsing, the encoding of records into the window buffers, and the aggregation at close, with
   *  the records buffered in its memory) or the JavaScript loops. Both give the same values bit for bit; when the
   *  kernel's memory is full (WebAssembly stops at 4 GiB) the engine goes on with the JavaScript loops. */
  kernel?: 'wasm' | 'js';
  /** Most bytes of WebAssembly memory the kernel may use (default: WebAssembly's own limit, 4 GiB); for tests of
   *  what happens when it is full. */
  kernelMemoryLimitBytes?: number;
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
  /** Users with lasting state: seen in a closed window (hot, or evicted with their baseline). */
  users: number;
  hotUsers: number;
  coldUsers: number;
  /** Bytes of per-user state that outlives windows (hash tables, previous values, baselines) per user. */
  userStateBytesPerUser: number;
  /** Bytes of the open-window record buffers (chunks, kept for reuse: sized for the most records open at once). */
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

/** One open window: its user-window rows (row id → user slot) and its records, encoded and buffered in arrival
 *  order in fixed-size chunks (recycled between windows, so a growing window never copies what it holds). */
interface Pane {
  window: number; // window index (start / windowMs); -1 = free
  rows: number;
  /** IMSI of each row. */
  rowKey: Float64Array;
  /** Open-addressing hash IMSI → row, pairs (IMSI, row) side by side so a lookup reads one cache line; an
   *  empty entry has IMSI NaN. `mask` + 1 entries. */
  table: Float64Array;
  mask: number;
  records: number;
  /** Per chunk: its byte address in the aggregation kernel's memory (views are rebuilt from it when that memory
   *  grows), or -1 for a chunk of JavaScript memory. */
  addr: number[];
  /** Per chunk: two views of one buffer of encoded records (each W64 × 8 bytes: F64 Float64 fields, then I16
   *  Int16 fields, so one record is one short contiguous read at close), and the row id of each record. */
  f64: Float64Array[];
  i16: Int16Array[];
  row: Int32Array[];
}

interface Chunk {
  addr: number;
  f64: Float64Array;
  i16: Int16Array;
  row: Int32Array;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Records per buffer chunk. */
const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Rows aggregated together at close: their statistics scratch (~75 columns × BLOCK) stays in L1/L2. */
const BLOCK = 256;
/** Records whose IMSIs are parsed and hashed ahead of the per-record loop (a power of two). */
const PUSH_BLOCK = 1024;
/** Distinct cells tracked inline per row; more go to a Map (rare: a user in > 16 cells in one window). */
const CELLS_INLINE = 16;

// Encoded record, Float64 part: start time, ECI (NaN = none), MSISDN digits (NaN = none), then one input value per
// statistic (NaN = skipped). Int16 part: MSISDN length, silence bin, then one bucket per one-hot (-1 = none).
const R_TIME = 0;
const R_ECI = 1;
const R_MSISDN = 2;
const R_STATS = 3;
const R_MSISDN_LEN = 0;
const R_BIN = 1;
const R_ONEHOTS = 2;

// Close-time scratch, column-major over a block of rows: column c of row jj is at c * BLOCK + jj.
const S_FIRST = 0;
const S_LAST = 1;
const S_MASK = 2;
const S_MSISDN = 3;
const S_MSISDN_LEN = 4;
const S_CELLS = 5;
const S_STATS = 6; // 5 per statistic: n, sum, sum of squares, min, max

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
  /** Encoded record widths. */
  private readonly F64: number;
  private readonly I16: number;
  /** Encoded record stride in Float64 units. */
  private readonly W64: number;
  /** Count-scratch column of each one-hot plan's first bucket, and the number of one-hot count columns. */
  private readonly onehotBase: Int32Array;
  private readonly countColumns: number;
  /** Ratio terms: ≥ 0 an output column (one-hot count, cnt_records), < 0 the scratch column −(t + 1). */
  private readonly ratioNum: Int32Array[];
  private readonly ratioDen: Int32Array[];
  private readonly scratchColumns: number;

  // Hot users: full state.
  private hot = new SlotTable(1024);
  private hotLastTime: Float64Array = new Float64Array(0); // max event time of the user's closed windows
  private hotLastWindow: Float64Array = new Float64Array(0); // start of the user's last closed active window
  private hotPrev: Float64Array = new Float64Array(0); // K per slot
  private hotBase: Float64Array = new Float64Array(0); // K × H per slot

  // Cold users: evicted, baseline kept.
  private cold = new SlotTable(16);
  private coldLastTime: Float64Array = new Float64Array(0);
  private coldLastWindow: Float64Array = new Float64Array(0);
  private coldBase: Float64Array = new Float64Array(0);

  private panes: Pane[];
  private recycledColumns: Float64Array[] = [];
  private readonly recycledWindows = new WeakSet<FeatureWindow>();
  private freeChunks: Chunk[] = [];
  private chunksAllocated = 0;
  // Per-batch staging of encoded records (column-major) and close-time scratch, reused.
  private readonly arena = new DecodeArena();
  private readonly blockImsi = new Float64Array(PUSH_BLOCK);
  private readonly blockHash = new Uint32Array(PUSH_BLOCK);
  private stageF64 = new Float64Array(0);
  private stageI16 = new Int16Array(0);
  private scratch: Float64Array;
  /** One-hot counts of a block of rows, column-major (count column x of row jj at x × BLOCK + jj). */
  private counts: Int32Array;
  private readonly cellE = new Float64Array(CELLS_INLINE);
  private readonly cellN = new Float64Array(CELLS_INLINE);
  private rank = new Int32Array(0);
  private rowStart = new Int32Array(0);
  private perm = new Int32Array(0);
  /** The WebAssembly aggregation kernel, whose memory holds the record chunks, perm, rowStart and the scratch
   *  (then `scratch`, `counts`, `perm` and `rowStart` are views of it, rebuilt whenever it grows); null: JavaScript. */
  private kernel: AggregateKernel | null;
  private heapTop = 0;
  private permAddr = 0;
  private rowStartAddr = 0;
  /** Lengths of perm / rowStart (a detached view's length reads 0, so views are rebuilt from these). */
  private permCap = 0;
  private rowStartCap = 0;
  private heapF64 = new Float64Array(0);
  /** With the kernel, the batch's staging arrays live in its memory too, and push records each buffered record's
   *  address in `dest` (0: not buffered) for the kernel's append to copy; addresses and capacity (records). */
  private stageF64Addr = 0;
  private stageI16Addr = 0;
  private destAddr = 0;
  private stageCap = 0;
  private dest = new Int32Array(0);
  /** Kernel memory for parsing the IMSI and MSISDN columns: bytes, offsets, validity, values (capacities in bytes;
   *  the MSISDN's stay for the encode kernel, which reads its values and offsets). */
  private readonly parseAt = { bytes: 0, bytesCap: 0, offsets: 0, valid: 0, out: 0, rowsCap: 0 };
  private readonly msisdnAt = { bytes: 0, bytesCap: 0, offsets: 0, valid: 0, out: 0, rowsCap: 0 };
  /** Kernel memory for the encode kernel's copies of the batch's input columns (values, validity bitmap; `cap`
   *  rows each) and a bitmap of ones for columns without nulls. */
  private inputAt: { values: number; bits: number }[] = [];
  private inputCap = 0;
  private onesAt = 0;
  private readonly parsed = new DecodeArena();
  private heapBest = new Float64Array(0);
  private heapSpill = new Int32Array(0);

  private encodedBatches = 0;
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
    this.panes = Array.from({ length: this.maxPanes }, () => emptyPane());
    this.K = this.plan.diffIndex.length;
    this.H = this.plan.baselineBuckets;
    const plan = this.plan;
    this.F64 = R_STATS + plan.stats.length;
    this.I16 = R_ONEHOTS + plan.onehots.length;
    this.W64 = this.F64 + Math.ceil(this.I16 / 4);
    this.scratchColumns = S_STATS + 5 * plan.stats.length;
    this.scratch = new Float64Array(this.scratchColumns * BLOCK);
    // Map the compiled plan's accumulator offsets (ratio quantities) onto output and scratch columns.
    for (const o of plan.onehots)
      if (o.names.length > 0x7fff) throw new Error(`feature spec: one-hot '${o.names[0]}'… has ${o.names.length} buckets; at most 32767 are supported`);
    const onehotBase: number[] = [];
    const quantity = new Map<number, number>([[ACC.records, 0]]);
    let c = BUILTIN_FEATURES.length;
    for (const o of plan.onehots) {
      onehotBase.push(c - BUILTIN_FEATURES.length);
      for (let k = 0; k < o.names.length; k++) quantity.set(o.offset + k, c + k);
      c += o.names.length;
    }
    this.countColumns = c - BUILTIN_FEATURES.length;
    this.counts = new Int32Array(this.countColumns * BLOCK);
    plan.stats.forEach((st, k) => {
      quantity.set(st.offset, -(S_STATS + 5 * k + 1));
      quantity.set(st.offset + 1, -(S_STATS + 5 * k + 1 + 1));
    });
    const terms = (offsets: Int32Array) =>
      Int32Array.from(offsets, (o) => {
        const t = quantity.get(o);
        if (t === undefined) throw new Error(`feature engine: ratio quantity at offset ${o} has no source (internal error)`);
        return t;
      });
    this.onehotBase = Int32Array.from(onehotBase);
    this.ratioNum = plan.ratios.map((r) => terms(r.num));
    this.ratioDen = plan.ratios.map((r) => terms(r.den));
    this.hot.onGrow = (cap) => this.growHot(cap);
    this.cold.onGrow = (cap) => this.growCold(cap);
    this.growHot(this.hot.capacity);
    this.growCold(this.cold.capacity);
    const useWasm = (options.kernel ?? 'wasm') === 'wasm' && wasmAvailable();
    this.kernel = useWasm
      ? instantiateAggregateKernel(
          {
            block: BLOCK, scratchColumns: this.scratchColumns, countColumns: this.countColumns, w64: this.W64, f64: this.F64,
            rTime: R_TIME, rEci: R_ECI, rMsisdn: R_MSISDN, rStats: R_STATS, rMsisdnLen: R_MSISDN_LEN, rBin: R_BIN,
            rOnehots: R_ONEHOTS, onehotBase: this.onehotBase, statistics: plan.stats.length, sFirst: S_FIRST, sLast: S_LAST,
            sMask: S_MASK, sMsisdn: S_MSISDN, sMsisdnLen: S_MSISDN_LEN, sCells: S_CELLS, sStats: S_STATS, cellsInline: CELLS_INLINE,
          },
          1 << 20,
          options.kernelMemoryLimitBytes,
          (base) =>
            encodeProgram(
              plan.onehots,
              plan.stats,
              {
                f64: this.F64, rTime: R_TIME, rEci: R_ECI, rMsisdn: R_MSISDN, rStats: R_STATS, rMsisdnLen: R_MSISDN_LEN,
                rBin: R_BIN, rOnehots: R_ONEHOTS, windowMs: this.windowMs, silenceBins: spec.window.silenceBins,
              },
              base,
            ),
        )
      : null;
    if (this.kernel) {
      this.heapTop = this.kernel.at.end;
      this.refreshViews();
    }
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
    const cols = new BatchColumns(batch, this.arena);
    const time = cols.num('start_time', 'int64').values as Float64Array;
    const msisdnCol = this.kernel ? utf8Column(batch, 'msisdn') : null;
    if (msisdnCol) {
      const digitBytes = Math.max(imsiCol.offsets[n] - imsiCol.offsets[0], msisdnCol.offsets[n] - msisdnCol.offsets[0]);
      this.reserveKernelMemory(n, digitBytes);
    }
    // A copy: a view of the kernel's memory would detach if it grew during the batch.
    const imsiParsed = this.kernel ? this.parsed.float64('imsi', n) : null;
    if (imsiParsed) imsiParsed.set(this.parseDigits(imsiCol, n, this.parseAt));
    // The encode kernel writes each buffered record straight to its buffer address after the loop below (or
    // before a mid-batch close); otherwise the batch is encoded here into the staging arrays, copied from there.
    const encodeKernel = this.kernel !== null && this.copyEncodeInputs(cols.batch, n);
    if (encodeKernel) {
      this.parseDigits(msisdnCol!, n, this.msisdnAt);
      this.encodedBatches++;
    } else this.encode(cols, time);
    const kernel = this.kernel;
    if (kernel) this.dest.fill(0, 0, n);
    const writeRecords = (i0: number, i1: number) => {
      if (encodeKernel) kernel!.encode!(this.destAddr, i0, i1, this.msisdnAt.out, this.msisdnAt.offsets);
      else kernel!.append(this.destAddr, this.stageF64Addr, this.stageI16Addr, n, i0, i1);
    };
    let copied = 0;
    const RB = this.W64 * 8;
    const stageF64 = this.stageF64;
    const stageI16 = this.stageI16;
    const F64 = this.F64;
    const I16 = this.I16;
    const W64 = this.W64;
    const L = this.windowMs;
    let maxTime = this.maxEventTime;
    let cachedWindow = -1;
    let cachedPane = -1;
    const imsiOf = this.blockImsi;
    const hashOf = this.blockHash;
    for (let i = 0; i < n; i++) {
      if ((i & (PUSH_BLOCK - 1)) === 0) {
        // Parse and hash the next block's IMSIs, touching their entries in the current window's hash: these
        // independent loads overlap their memory latency; the probes below then hit cache.
        const end = Math.min(n, i + PUSH_BLOCK);
        const touchPane = cachedPane >= 0 ? this.panes[cachedPane] : null;
        let touched = 0;
        for (let k = i; k < end; k++) {
          const v = imsiParsed !== null ? imsiParsed[k] : parseImsi(imsiCol, k);
          const hv = v < 0 ? 0 : hashKey(v);
          imsiOf[k - i] = v;
          hashOf[k - i] = hv;
          if (touchPane !== null) touched += touchPane.table[2 * (hv & touchPane.mask)];
        }
        this.touchSink = touched;
      }
      const ordinal = ++this.recordOrdinal;
      const imsi = imsiOf[i & (PUSH_BLOCK - 1)];
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
      let p = w === cachedWindow ? cachedPane : this.paneOf(w);
      if (p < 0) {
        p = this.openPane(w);
        if (p < 0) {
          // Every pane is taken by a window the running watermark has already closed (a jump in event time):
          // close those windows (their records so far are all buffered) and go on.
          if (kernel) {
            writeRecords(copied, i);
            copied = i;
          }
          out.push(...this.closeUpTo(this.maxEventTime - this.latenessMs));
          p = this.openPane(w);
          if (p < 0) throw new Error('feature engine: no free window pane after closing (internal error)');
        }
      }
      cachedWindow = w;
      cachedPane = p;
      this.maxEventTime = maxTime;
      // The user's row in this window: one probe of the window's own IMSI hash (users' lasting state is only
      // looked up once per row, at close).
      const pane = this.panes[p];
      const table = pane.table;
      const mask = pane.mask;
      let h = hashOf[i & (PUSH_BLOCK - 1)] & mask;
      let r: number;
      for (;;) {
        const k = table[2 * h];
        if (k === imsi) {
          r = table[2 * h + 1];
          break;
        }
        if (k !== k) {
          r = this.newRow(pane, imsi, h);
          break;
        }
        h = (h + 1) & mask;
      }
      // Append the encoded record to the pane's buffer.
      const pos = pane.records++;
      const c = pos >>> CHUNK_BITS;
      if (c === pane.f64.length) this.addChunk(pane);
      const o = pos & CHUNK_MASK;
      const dF64 = pane.f64[c];
      const dI16 = pane.i16[c];
      pane.row[c][o] = r;
      if (kernel) {
        // Copied by the kernel after the loop (or before a close): a record is one address here.
        this.dest[i] = pane.addr[c] + o * RB;
        continue;
      }
      for (let f = 0, d = o * W64, src = i; f < F64; f++, src += n) dF64[d + f] = stageF64[src];
      for (let f = 0, d = (o * W64 + F64) * 4, src = i; f < I16; f++, src += n) dI16[d + f] = stageI16[src];
    }
    if (kernel) writeRecords(copied, n);
    this.maxEventTime = maxTime;
    out.push(...this.closeUpTo(this.maxEventTime - this.latenessMs));
    return out;
  }

  /** Hands a closed window's feature columns back for reuse by later windows. For a caller that is done with
   *  the window (scored, written): it must not be read afterwards. Reused columns save the page faults and
   *  zeroing of ~1.8 KB of fresh memory per user-window, a large share of the per-window cost. Windows of
   *  another engine or spec, and windows already recycled, are ignored. */
  recycle(window: FeatureWindow): void {
    if (window.featureNames !== this.plan.featureNames || this.recycledWindows.has(window)) return;
    this.recycledWindows.add(window);
    for (const c of window.columns) this.recycledColumns.push(new Float64Array(c.buffer, 0, c.buffer.byteLength / 8));
  }

  /** The latest event time seen (−Infinity before the first record). */
  get eventTime(): number {
    return this.maxEventTime;
  }

  /** Windows still open (records buffered, not yet closed by the watermark). */
  get openWindowCount(): number {
    let open = 0;
    for (const p of this.panes) if (p.window >= 0) open++;
    return open;
  }

  /** Moves event time on to `t` without a record — for an input that has gone quiet while the inputs it is read
   *  beside moved on, as one engine over all of them would see it — and returns the windows this closes. Records
   *  pushed afterwards are judged late against the new watermark. */
  advanceEventTime(t: number): FeatureWindow[] {
    if (this.flushed || !(t > this.maxEventTime)) return [];
    this.maxEventTime = t;
    return this.closeUpTo(t - this.latenessMs);
  }

  /** Closes every open window (end of input). Records pushed afterwards are late. */
  flush(): FeatureWindow[] {
    const out = this.closeUpTo(Infinity);
    this.flushed = true;
    return out;
  }

  stats(): FeatureEngineStats {
    const users = this.hot.size + this.cold.size;
    const chunkBytes = CHUNK * (this.W64 * 8 + 4);
    const windowStateBytes =
      this.chunksAllocated * chunkBytes + this.panes.reduce((b, p) => b + p.rowKey.byteLength + p.table.byteLength, 0);
    const stateBytes =
      this.hot.bytes() +
      this.hotLastTime.byteLength +
      this.hotLastWindow.byteLength +
      this.hotPrev.byteLength +
      this.hotBase.byteLength +
      this.cold.bytes() +
      this.coldLastTime.byteLength +
      this.coldLastWindow.byteLength +
      this.coldBase.byteLength +
      windowStateBytes;
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

  // ---- per-batch encoding ----------------------------------------------------------------------------------

  /** Encodes every record of the batch into the column-major staging arrays (field f of record i at f × n + i;
   *  one sequential pass per kernel, chosen per spec column at compile time); invalid and late rows are encoded
   *  too and simply never copied. */
  private encode(cols: BatchColumns, time: Float64Array): void {
    const n = cols.n;
    // Before the views below are taken: parsing may grow the kernel's memory.
    const msisdnParsed = this.kernel ? this.parsed.float64('msisdn', n) : null;
    if (msisdnParsed) msisdnParsed.set(this.parseDigits(utf8Column(cols.batch, 'msisdn'), n, this.msisdnAt));
    if (this.kernel) this.ensureStage(n);
    else if (this.stageF64.length < n * this.F64) {
      this.stageF64 = new Float64Array(n * this.F64);
      this.stageI16 = new Int16Array(n * this.I16);
    }
    const f64 = this.stageF64;
    const i16 = this.stageI16;
    const eci = cols.num('eci', 'int64');
    const eciValues = eci.values as Float64Array;
    const eciValid = eci.valid;
    const msisdn = utf8Column(cols.batch, 'msisdn');
    const L = this.windowMs;
    const bins = this.spec.window.silenceBins;
    f64.set(time.subarray(0, n), R_TIME * n);
    for (let i = 0; i < n; i++) {
      f64[R_ECI * n + i] = eciValid !== null && eciValid[i] === 0 ? NaN : eciValues[i];
      const num = msisdnParsed !== null ? msisdnParsed[i] : msisdn.valid !== null && msisdn.valid[i] === 0 ? -1 : parseImsi(msisdn, i);
      f64[R_MSISDN * n + i] = num >= 0 ? num : NaN;
      i16[R_MSISDN_LEN * n + i] = msisdn.offsets[i + 1] - msisdn.offsets[i];
      const t = time[i];
      i16[R_BIN * n + i] = Number.isFinite(t) ? Math.floor(((t - Math.floor(t / L) * L) * bins) / L) : 0;
    }
    const { onehots, stats } = this.plan;
    for (let q = 0; q < onehots.length; q++) encodeOneHot(onehots[q], cols, i16, (R_ONEHOTS + q) * n);
    for (let q = 0; q < stats.length; q++) encodeStat(stats[q], cols, f64, (R_STATS + q) * n);
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
        this.panes[p].rows = 0;
        this.panes[p].records = 0;
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

  /** A new row for `imsi`, entered at the free hash position h. */
  private newRow(pane: Pane, imsi: number, h: number): number {
    const r = pane.rows++;
    if (r === pane.rowKey.length) pane.rowKey = growFloat64(pane.rowKey, pane.rowKey.length * 2, 0);
    pane.rowKey[r] = imsi;
    pane.table[2 * h] = imsi;
    pane.table[2 * h + 1] = r;
    // Load ≤ 1/2 keeps probe chains short.
    if (2 * pane.rows > pane.mask + 1) rehashPane(pane, 2 * (pane.mask + 1));
    return r;
  }

  private addChunk(pane: Pane): void {
    let chunk = this.freeChunks.pop();
    if (!chunk) {
      if (this.kernel) chunk = this.newKernelChunk();
      else {
        const records = new ArrayBuffer(CHUNK * this.W64 * 8);
        chunk = { addr: -1, f64: new Float64Array(records), i16: new Int16Array(records), row: new Int32Array(CHUNK) };
      }
      this.chunksAllocated++;
    }
    pane.addr.push(chunk.addr);
    pane.f64.push(chunk.f64);
    pane.i16.push(chunk.i16);
    pane.row.push(chunk.row);
  }

  private newKernelChunk(): Chunk {
    const addr = this.heapAlloc(CHUNK * this.W64 * 8);
    const buffer = this.kernel!.memory.buffer;
    return { addr, f64: new Float64Array(buffer, addr, CHUNK * this.W64), i16: new Int16Array(buffer, addr, CHUNK * this.W64 * 4), row: new Int32Array(CHUNK) };
  }

  /** Batches the encode kernel (encode-kernel.ts) encoded; the others went through kernels.ts. */
  get batchesEncodedByKernel(): number {
    return this.encodedBatches;
  }

  /** Which per-record loops run: the WebAssembly kernel, or JavaScript (chosen so, or since the kernel's memory
   *  was full). */
  get kernelInUse(): 'wasm' | 'js' {
    return this.kernel ? 'wasm' : 'js';
  }

  /**
   * Room in the kernel's memory for everything that pushing `n` more records can allocate there — the batch's
   * staging and digit parsing, chunks for its records in any window, the close-time permutation of every open
   * window — taken before the batch changes any state. When WebAssembly's memory cannot hold it (it stops at
   * 4 GiB: about 25 M buffered records), the engine leaves the kernel for good and goes on with the JavaScript loops,
   * which give the same values: every buffer already in the kernel's memory stays valid, as it never grows again.
   */
  private reserveKernelMemory(n: number, digitBytes: number, chunks = Math.ceil(n / CHUNK) + this.maxPanes): void {
    if (!this.kernel) return;
    try {
      if (n > 0) {
        this.ensureStage(n);
        this.ensureParse(n, digitBytes, this.parseAt);
        this.ensureParse(n, digitBytes, this.msisdnAt);
        this.ensureEncodeInputs(n);
      }
      while (this.freeChunks.length < chunks) {
        this.freeChunks.push(this.newKernelChunk());
        this.chunksAllocated++;
      }
      let records = n;
      let rows = n;
      for (const p of this.panes) {
        records += p.records;
        rows += p.rows;
      }
      this.ensurePermutation(records, rows);
    } catch (err) {
      if (!(err instanceof KernelMemoryFull)) throw err;
      this.kernel = null;
    }
  }

  private ensureStage(n: number): void {
    if (this.stageCap >= n) return;
    const cap = Math.max(n, Math.ceil(this.stageCap * 1.25));
    this.stageF64Addr = this.heapAlloc(cap * this.F64 * 8);
    this.stageI16Addr = this.heapAlloc(cap * this.I16 * 2);
    this.destAddr = this.heapAlloc(cap * 4);
    this.stageCap = cap;
    this.refreshViews();
  }

  private ensureParse(n: number, nbytes: number, a: DigitArea): void {
    if (a.bytesCap < nbytes) {
      a.bytesCap = Math.max(nbytes, Math.ceil(a.bytesCap * 1.25));
      a.bytes = this.heapAlloc(a.bytesCap);
    }
    if (a.rowsCap < n + 1) {
      a.rowsCap = Math.max(n + 1, Math.ceil(a.rowsCap * 1.25));
      a.offsets = this.heapAlloc(4 * a.rowsCap);
      a.valid = this.heapAlloc(a.rowsCap);
      a.out = this.heapAlloc(8 * a.rowsCap);
    }
  }

  /** perm and rowStart for closing a window of `records` records in `rows` rows. */
  private ensurePermutation(records: number, rows: number): void {
    if (this.rowStart.length < rows + 1) {
      if (this.kernel) {
        const cap = Math.ceil((rows + 1) * 1.25);
        this.rowStartAddr = this.heapAlloc(4 * cap);
        this.rowStartCap = cap;
        this.rowStart = new Int32Array(this.kernel.memory.buffer, this.rowStartAddr, cap);
      } else this.rowStart = new Int32Array(rows + 1);
    }
    if (this.perm.length < records) {
      if (this.kernel) {
        const cap = Math.ceil(records * 1.25);
        this.permAddr = this.heapAlloc(4 * cap);
        this.permCap = cap;
        this.perm = new Int32Array(this.kernel.memory.buffer, this.permAddr, cap);
      } else this.perm = new Int32Array(records);
    }
  }

  /** `bytes` (64-aligned) of the kernel's memory, growing it if needed. Chunks are recycled through freeChunks
   *  and perm / rowStart only move when a larger window needs more, so this bump allocator never frees. */
  private heapAlloc(bytes: number): number {
    const kernel = this.kernel!;
    const addr = this.heapTop;
    const top = addr + ((bytes + 63) & ~63);
    const have = kernel.memory.buffer.byteLength;
    if (top > have) {
      // A quarter more than needed (fewer grows, each of which rebuilds the views); exactly what is needed if
      // that is refused near WebAssembly's 4 GiB limit.
      const need = Math.ceil((top - have) / 65536);
      const ample = Math.max(need, Math.ceil(have / 4 / 65536));
      if (!tryGrow(kernel.memory, ample) && !tryGrow(kernel.memory, need)) throw new KernelMemoryFull(top);
      this.refreshViews();
    }
    this.heapTop = top;
    return addr;
  }

  /** parseImsi of rows 0..n of a UTF-8 column, by the kernel (a copy of the column's bytes into its memory and
   *  one pass there is much cheaper than the digit loop in JavaScript), into area `a`; returns a view of the
   *  values (valid until the kernel's memory next grows). */
  private parseDigits(col: Utf8Column, n: number, a: DigitArea): Float64Array {
    const kernel = this.kernel!;
    const base = col.offsets[0];
    const nbytes = col.offsets[n] - base;
    this.ensureParse(n, nbytes, a);
    const buffer = kernel.memory.buffer;
    new Uint8Array(buffer, a.bytes, nbytes).set(col.bytes.subarray(base, base + nbytes));
    new Int32Array(buffer, a.offsets, n + 1).set(col.offsets.subarray(0, n + 1));
    if (col.valid !== null) new Uint8Array(buffer, a.valid, n).set(col.valid.subarray(0, n));
    kernel.digits(a.bytes, a.offsets, base, col.valid !== null ? a.valid : 0, n, a.out);
    return new Float64Array(kernel.memory.buffer, a.out, n);
  }

  /** Room for the encode kernel's copies of `n` rows of its input columns. */
  private ensureEncodeInputs(n: number): void {
    const inputs = this.kernel?.encoding?.inputs;
    if (!inputs || this.inputCap >= n) return;
    const cap = Math.max(n, Math.ceil(this.inputCap * 1.25));
    // Bitmaps: one byte more for a bit offset within the first byte, 8 more for aligned reads.
    const bitmapBytes = (cap >> 3) + 9;
    this.inputAt = inputs.map((input) => ({ values: this.heapAlloc(cap * input.width), bits: this.heapAlloc(bitmapBytes) }));
    this.onesAt = this.heapAlloc(bitmapBytes);
    new Uint8Array(this.kernel!.memory.buffer, this.onesAt, bitmapBytes).fill(0xff);
    this.inputCap = cap;
  }

  /**
   * Copies the encode kernel's input columns of the batch (values and validity bitmap, as BatchColumns reads
   * them) into its memory and fills its input table. False when the kernel has no encoding or a column is not
   * as expected (missing, chunked, another type): that batch is then encoded by kernels.ts, which reports
   * what is wrong in the same way as without the kernel.
   */
  private copyEncodeInputs(batch: RecordBatch, n: number): boolean {
    const kernel = this.kernel!;
    const program = kernel.encoding;
    if (!program || !kernel.encode) return false;
    this.ensureEncodeInputs(n);
    const datas: Data[] = [];
    for (const input of program.inputs) {
      const v = batch.getChild(input.column);
      if (!v || v.data.length !== 1) return false;
      const d = v.data[0];
      const values = d.values as unknown;
      const typed = input.width === 8 ? values instanceof BigInt64Array : input.width === 4 ? values instanceof Int32Array : values instanceof Int8Array;
      if (!typed || (values as Int32Array).length < n || d.length < n) return false;
      datas.push(d);
    }
    const buffer = kernel.memory.buffer;
    const table = new Int32Array(buffer, program.inputTable, 3 * program.inputs.length);
    program.inputs.forEach((input, q) => {
      const d = datas[q];
      const values = d.values as Int32Array;
      const at = this.inputAt[q];
      new Uint8Array(buffer, at.values, n * input.width).set(new Uint8Array(values.buffer, values.byteOffset, n * input.width));
      table[3 * q] = at.values;
      // As kernels.ts validityInto: no bitmap (or no nulls) → all valid; bits missing past the bitmap's end → null.
      if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) {
        table[3 * q + 1] = this.onesAt;
        table[3 * q + 2] = d.offset & 7;
      } else {
        const b0 = d.offset >> 3;
        const nb = ((d.offset & 7) + n + 7) >> 3;
        const bits = d.nullBitmap.subarray(b0, b0 + nb);
        const dst = new Uint8Array(buffer, at.bits, nb);
        dst.set(bits);
        dst.fill(0, bits.length);
        table[3 * q + 1] = at.bits;
        table[3 * q + 2] = d.offset & 7;
      }
    });
    return true;
  }

  /** Rebuilds every view of the kernel's memory (a grown WebAssembly memory detaches the old ones). */
  private refreshViews(): void {
    const kernel = this.kernel!;
    const buffer = kernel.memory.buffer;
    const at = kernel.at;
    const W64 = this.W64;
    this.scratch = new Float64Array(buffer, at.scratch, this.scratchColumns * BLOCK);
    this.counts = new Int32Array(buffer, at.counts, this.countColumns * BLOCK);
    this.heapBest = new Float64Array(buffer, at.best, BLOCK);
    this.heapSpill = new Int32Array(buffer, at.spill, BLOCK);
    this.heapF64 = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
    // Staging arrays of exactly n records' columns: encode and push index them as f × n + i for the batch's n.
    this.stageF64 = new Float64Array(buffer, this.stageF64Addr, this.stageCap * this.F64);
    this.stageI16 = new Int16Array(buffer, this.stageI16Addr, this.stageCap * this.I16);
    this.dest = new Int32Array(buffer, this.destAddr, this.stageCap);
    this.perm = new Int32Array(buffer, this.permAddr, this.permCap);
    this.rowStart = new Int32Array(buffer, this.rowStartAddr, this.rowStartCap);
    for (const pane of this.panes)
      for (let c = 0; c < pane.addr.length; c++) {
        pane.f64[c] = new Float64Array(buffer, pane.addr[c], CHUNK * W64);
        pane.i16[c] = new Int16Array(buffer, pane.addr[c], CHUNK * W64 * 4);
      }
    for (const chunk of this.freeChunks) {
      chunk.f64 = new Float64Array(buffer, chunk.addr, CHUNK * W64);
      chunk.i16 = new Int16Array(buffer, chunk.addr, CHUNK * W64 * 4);
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

  /** Aggregates a pane's buffered records per user (rows sorted by IMSI) into one columnar FeatureWindow. The
   *  records are grouped by a counting sort on the row's rank, keeping arrival order within a row; rows are then
   *  aggregated block by block into a small column-major scratch, and every feature is computed column by
   *  column over the block. */
  private closePane(p: number): FeatureWindow {
    const pane = this.panes[p];
    const plan = this.plan;
    const L = this.windowMs;
    const windowStart = pane.window * L;
    const m = pane.rows;
    const nrec = pane.records;
    // Rows sorted by IMSI: the output cannot depend on which user arrived first.
    const keys = new Float64Array(m);
    keys.set(pane.rowKey.subarray(0, m));
    keys.sort();
    if (this.rank.length < m) this.rank = new Int32Array(m);
    this.ensurePermutation(nrec, m);
    const rank = this.rank;
    const rowStart = this.rowStart;
    const perm = this.perm;
    const slotOf = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      slotOf[j] = this.userSlot(keys[j]);
      rank[paneRowOf(pane, keys[j])] = j;
    }
    // Counting sort of the records by their row's rank (stable: arrival order within a row).
    rowStart.fill(0, 0, m + 1);
    for (let c = 0; c < pane.row.length; c++) {
      const rows = pane.row[c];
      const end = Math.min(CHUNK, nrec - c * CHUNK);
      for (let o = 0; o < end; o++) {
        // The row id is not needed after this: keep the rank in its place for the second pass.
        const j = rank[rows[o]];
        rows[o] = j;
        rowStart[j + 1]++;
      }
    }
    for (let j = 0; j < m; j++) rowStart[j + 1] += rowStart[j];
    // perm: record index (c × CHUNK + o) for the JavaScript aggregation, the record's byte address for the kernel
    // (stored as Int32: addresses ≥ 2^31 wrap, and the kernel reads them back unsigned).
    const RB = this.W64 * 8;
    for (let c = 0; c < pane.row.length; c++) {
      const rows = pane.row[c];
      const end = Math.min(CHUNK, nrec - c * CHUNK);
      const base = this.kernel ? pane.addr[c] : c * CHUNK;
      const step = this.kernel ? RB : 1;
      for (let o = 0; o < end; o++) perm[rowStart[rows[o]]++] = base + o * step;
    }
    // rowStart[j] is now the end of row j; row j starts at rowStart[j - 1] (0 for the first).

    const F = plan.featureNames.length;
    const columns = this.outputColumns(F, m);
    const cell = new Float64Array(m);
    const regionIndex = new Int32Array(m);
    const msisdn: string[] = new Array(m);
    for (let j0 = 0; j0 < m; j0 += BLOCK) {
      const j1 = Math.min(m, j0 + BLOCK);
      if (this.kernel) this.aggregateBlockWasm(columns, cell, regionIndex, j0, j1);
      else this.aggregateBlock(pane, columns, cell, regionIndex, j0, j1);
      this.blockFeatures(columns, msisdn, slotOf, windowStart, j0, j1);
    }
    pane.table.fill(NaN);
    for (let c = 0; c < pane.f64.length; c++) this.freeChunks.push({ addr: pane.addr[c], f64: pane.f64[c], i16: pane.i16[c], row: pane.row[c] });
    pane.addr = [];
    pane.f64 = [];
    pane.i16 = [];
    pane.row = [];
    pane.window = -1;
    pane.rows = 0;
    pane.records = 0;
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

  /** aggregateBlock by the WebAssembly kernel (records, perm and scratch in its memory); rows with more distinct
   *  cells than the kernel tracks inline get their cells recounted here. */
  private aggregateBlockWasm(columns: Float64Array[], cell: Float64Array, regionIndex: Int32Array, j0: number, j1: number): void {
    const kernel = this.kernel!;
    const sc = this.scratch;
    const B = BLOCK;
    const S = this.plan.stats.length;
    this.counts.fill(0);
    for (let k = 0; k < S; k++) {
      const a = (S_STATS + 5 * k) * B;
      sc.fill(0, a, a + 3 * B);
      sc.fill(Infinity, a + 3 * B, a + 4 * B);
      sc.fill(-Infinity, a + 4 * B, a + 5 * B);
    }
    this.touchSink = kernel.aggregate(this.permAddr, this.rowStartAddr, j0, j1);
    const rowStart = this.rowStart;
    const best = this.heapBest;
    const spill = this.heapSpill;
    const regionOfCell = this.topology.regionOfCell;
    const records = columns[0];
    for (let j = j0; j < j1; j++) {
      const jj = j - j0;
      const from = j === 0 ? 0 : rowStart[j - 1];
      const to = rowStart[j];
      let e = best[jj];
      if (spill[jj] !== 0) {
        const recount = this.recountCells(from, to);
        e = recount.best;
        sc[S_CELLS * B + jj] = recount.distinct;
      }
      cell[j] = e;
      regionIndex[j] = Number.isNaN(e) ? -1 : (regionOfCell.get(e) ?? -1);
      records[j] = to - from;
    }
    this.copyCounts(columns, j0, j1);
  }

  /** The dominant cell (most records; ties → smallest ECI) and distinct cells of the records perm[from..to)
   *  (byte addresses in the kernel's memory): for the rare row with more cells than the kernel tracks inline. */
  private recountCells(from: number, to: number): { best: number; distinct: number } {
    const count = new Map<number, number>();
    const heap = this.heapF64;
    for (let q = from; q < to; q++) {
      const e = heap[(this.perm[q] >>> 3) + R_ECI];
      if (e === e) count.set(e, (count.get(e) ?? 0) + 1);
    }
    let best = NaN;
    let bestN = 0;
    for (const [e, n] of count)
      if (n > bestN || (n === bestN && e < best)) {
        best = e;
        bestN = n;
      }
    return { best, distinct: count.size };
  }

  /** One-hot counts of rows j0..j1 out of the scratch, column by column (sequential writes). */
  private copyCounts(columns: Float64Array[], j0: number, j1: number): void {
    const counts = this.counts;
    const n = j1 - j0;
    const fresh = this.freshColumns;
    for (let x = 0; x < this.countColumns; x++) {
      const col = columns[BUILTIN_FEATURES.length + x];
      const a = x * BLOCK;
      // A fresh column is zero already: only the (few) non-zero counts are written, so the pages of a column of
      // rare buckets are mostly never touched. A reused column holds the last window's values: all are written.
      if (fresh[BUILTIN_FEATURES.length + x] === 1) {
        for (let jj = 0; jj < n; jj++) {
          const v = counts[a + jj];
          if (v !== 0) col[j0 + jj] = v;
        }
      } else for (let jj = 0; jj < n; jj++) col[j0 + jj] = counts[a + jj];
    }
  }

  /** Adds the records of rows j0..j1 into the scratch and writes their counts, cells and regions. */
  private aggregateBlock(pane: Pane, columns: Float64Array[], cell: Float64Array, regionIndex: Int32Array, j0: number, j1: number): void {
    const sc = this.scratch;
    const B = BLOCK;
    const S = this.plan.stats.length;
    const Q = this.plan.onehots.length;
    const F64 = this.F64;
    const W64 = this.W64;
    const onehotBase = this.onehotBase;
    const counts = this.counts;
    counts.fill(0);
    const perm = this.perm;
    const rowStart = this.rowStart;
    const cellE = this.cellE;
    const cellN = this.cellN;
    const regionOfCell = this.topology.regionOfCell;
    for (let k = 0; k < S; k++) {
      const a = (S_STATS + 5 * k) * B;
      sc.fill(0, a, a + 3 * B);
      sc.fill(Infinity, a + 3 * B, a + 4 * B);
      sc.fill(-Infinity, a + 4 * B, a + 5 * B);
    }
    const chunksF64 = pane.f64;
    const chunksI16 = pane.i16;
    // Touch every cache line of the block's records first: these loads are independent, so the CPU overlaps
    // their memory latency; the aggregation below then reads them from cache (its loads wait on each other).
    const recFrom = j0 === 0 ? 0 : rowStart[j0 - 1];
    const recTo = rowStart[j1 - 1];
    let touched = 0;
    for (let q = recFrom; q < recTo; q++) {
      const i = perm[q];
      const f = chunksF64[i >>> CHUNK_BITS];
      const a = (i & CHUNK_MASK) * W64;
      touched += f[a] + f[a + W64 - 1];
      for (let w = 8; w < W64; w += 8) touched += f[a + w];
    }
    this.touchSink = touched;
    for (let j = j0; j < j1; j++) {
      const jj = j - j0;
      let first = Infinity;
      let last = -Infinity;
      let mask = 0;
      let msTime = -Infinity;
      let ms = NaN;
      let msLen = 0;
      let cells = 0;
      let spill: Map<number, number> | null = null;
      const from = j === 0 ? 0 : rowStart[j - 1];
      const to = rowStart[j];
      for (let q = from; q < to; q++) {
        const i = perm[q];
        const c = i >>> CHUNK_BITS;
        const o = i & CHUNK_MASK;
        const f = chunksF64[c];
        const h = chunksI16[c];
        const a = o * W64;
        const b = (a + F64) * 4;
        const t = f[a + R_TIME];
        if (t < first) first = t;
        if (t > last) last = t;
        mask |= 1 << h[b + R_BIN];
        // Latest msisdn in the window; equal times keep the larger number so arrival order cannot matter.
        const num = f[a + R_MSISDN];
        if (num === num && (t > msTime || (t === msTime && num > ms))) {
          msTime = t;
          ms = num;
          msLen = h[b + R_MSISDN_LEN];
        }
        const e = f[a + R_ECI];
        if (e === e) {
          let k = 0;
          while (k < cells && cellE[k] !== e) k++;
          if (k < cells) cellN[k]++;
          else if (cells < CELLS_INLINE) {
            cellE[cells] = e;
            cellN[cells++] = 1;
          } else {
            spill ??= new Map();
            spill.set(e, (spill.get(e) ?? 0) + 1);
          }
        }
        for (let k = 0; k < Q; k++) {
          const bucket = h[b + R_ONEHOTS + k];
          if (bucket >= 0) counts[(onehotBase[k] + bucket) * B + jj]++;
        }
        for (let k = 0; k < S; k++) {
          const v = f[a + R_STATS + k];
          if (v !== v) continue;
          const s = (S_STATS + 5 * k) * B + jj;
          sc[s] += 1;
          sc[s + B] += v;
          sc[s + 2 * B] += v * v;
          if (v < sc[s + 3 * B]) sc[s + 3 * B] = v;
          if (v > sc[s + 4 * B]) sc[s + 4 * B] = v;
        }
      }
      // Dominant cell: most records; ties → smallest ECI, so arrival order cannot matter.
      let best = NaN;
      let bestN = 0;
      for (let k = 0; k < cells; k++) {
        const e = cellE[k];
        const n = cellN[k];
        if (n > bestN || (n === bestN && e < best)) {
          best = e;
          bestN = n;
        }
      }
      let distinct = cells;
      if (spill)
        for (const [e, n] of spill) {
          distinct++;
          if (n > bestN || (n === bestN && e < best)) {
            best = e;
            bestN = n;
          }
        }
      cell[j] = best;
      regionIndex[j] = Number.isNaN(best) ? -1 : (regionOfCell.get(best) ?? -1);
      columns[0][j] = to - from;
      sc[S_FIRST * B + jj] = first;
      sc[S_LAST * B + jj] = last;
      sc[S_MASK * B + jj] = mask;
      sc[S_MSISDN * B + jj] = ms;
      sc[S_MSISDN_LEN * B + jj] = msLen;
      sc[S_CELLS * B + jj] = distinct;
    }
    this.copyCounts(columns, j0, j1);
  }

  /** Built-in, statistic, ratio and differential features of rows j0..j1 from the scratch; moves each user's
   *  previous-window values and baseline on. */
  private blockFeatures(columns: Float64Array[], msisdn: string[], slotOf: Int32Array, windowStart: number, j0: number, j1: number): void {
    const plan = this.plan;
    const sc = this.scratch;
    const B = BLOCK;
    const L = this.windowMs;
    const bins = this.spec.window.silenceBins;
    const binMin = L / bins / MINUTE_MS;
    const n = j1 - j0;
    // Built-ins (row-wise: the bin mask is walked bit by bit).
    const c1 = columns[1];
    const c2 = columns[2];
    const c3 = columns[3];
    const c4 = columns[4];
    const c5 = columns[5];
    const c6 = columns[6];
    for (let j = j0; j < j1; j++) {
      const jj = j - j0;
      const s = slotOf[j];
      const num = sc[S_MSISDN * B + jj];
      msisdn[j] = Number.isNaN(num) ? '' : String(num).padStart(sc[S_MSISDN_LEN * B + jj], '0');
      const mask = sc[S_MASK * B + jj];
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
      c1[j] = sc[S_CELLS * B + jj];
      c2[j] = active;
      c3[j] = maxGap * binMin;
      c4[j] = (bins - 1 - lastBin) * binMin;
      c5[j] = lastTime === -Infinity ? NaN : (sc[S_FIRST * B + jj] - lastTime) / MINUTE_MS;
      c6[j] = Number.isNaN(lastWindow) ? NaN : (windowStart - lastWindow) / L;
    }
    // Statistics, column by column.
    let c = BUILTIN_FEATURES.length;
    for (const o of plan.onehots) c += o.names.length;
    for (let k = 0; k < plan.stats.length; k++) {
      const a = (S_STATS + 5 * k) * B;
      for (const kind of plan.stats[k].stats) {
        const col = columns[c++];
        switch (kind) {
          case 'count':
            for (let jj = 0; jj < n; jj++) col[j0 + jj] = sc[a + jj];
            break;
          case 'sum':
            for (let jj = 0; jj < n; jj++) col[j0 + jj] = sc[a + B + jj];
            break;
          case 'mean':
            for (let jj = 0; jj < n; jj++) {
              const cnt = sc[a + jj];
              col[j0 + jj] = cnt > 0 ? sc[a + B + jj] / cnt : NaN;
            }
            break;
          case 'min':
            for (let jj = 0; jj < n; jj++) col[j0 + jj] = sc[a + jj] > 0 ? sc[a + 3 * B + jj] : NaN;
            break;
          case 'max':
            for (let jj = 0; jj < n; jj++) col[j0 + jj] = sc[a + jj] > 0 ? sc[a + 4 * B + jj] : NaN;
            break;
          case 'std':
            // Population standard deviation from exact integer sums.
            for (let jj = 0; jj < n; jj++) {
              const cnt = sc[a + jj];
              const mean = sc[a + B + jj] / cnt;
              col[j0 + jj] = cnt > 0 ? Math.sqrt(Math.max(0, sc[a + 2 * B + jj] / cnt - mean * mean)) : NaN;
            }
            break;
        }
      }
    }
    // Ratios: numerator and denominator summed term by term (in the plan's order) into two scratch rows.
    const numAcc = this.ratioScratch;
    for (let k = 0; k < plan.ratios.length; k++) {
      const col = columns[c++];
      this.sumTerms(this.ratioNum[k], columns, numAcc, 0, j0, n);
      this.sumTerms(this.ratioDen[k], columns, numAcc, B, j0, n);
      const scale = plan.ratios[k].scale;
      for (let jj = 0; jj < n; jj++) {
        const den = numAcc[B + jj];
        col[j0 + jj] = den > 0 ? (scale * numAcc[jj]) / den : NaN;
      }
    }
    // Differential features against the previous window (only if the user was active in it) and the EWMA
    // baseline; then the user's state moves on.
    const K = this.K;
    const KH = K * this.H;
    const hBucket = this.H === 1 ? 0 : Math.floor((windowStart % DAY_MS) / HOUR_MS);
    const alpha = this.spec.baseline.alpha;
    const { diffIndex, diffSmoothing, diffStart } = plan;
    const prevArr = this.hotPrev;
    const baseArr = this.hotBase;
    for (let j = j0; j < j1; j++) {
      const s = slotOf[j];
      const prevActive = this.hotLastWindow[s] === windowStart - L;
      for (let k = 0; k < K; k++) {
        const x = columns[diffIndex[k]][j];
        const prev = prevArr[s * K + k];
        const bi = s * KH + hBucket * K + k;
        const base = baseArr[bi];
        const sm = diffSmoothing[k];
        columns[diffStart + k][j] = prevActive ? x - prev : NaN;
        columns[diffStart + K + k][j] = x - base;
        columns[diffStart + 2 * K + k][j] = base + sm > 0 ? (x + sm) / (base + sm) : NaN;
        prevArr[s * K + k] = x;
        if (!Number.isNaN(x)) baseArr[bi] = Number.isNaN(base) ? x : base + alpha * (x - base);
      }
      this.hotLastWindow[s] = windowStart;
      const last = sc[S_LAST * B + j - j0];
      if (last > this.hotLastTime[s]) this.hotLastTime[s] = last;
    }
  }

  private readonly ratioScratch = new Float64Array(2 * BLOCK);
  /** Per output column of the window being closed: 1 when its memory is fresh (all zero), 0 when reused. */
  private freshColumns = new Uint8Array(0);
  /** Keeps the cache-touching loads from being optimised away. */
  touchSink = 0;

  /** F output columns of m rows (every value is written at close): recycled buffers first. */
  private outputColumns(F: number, m: number): Float64Array[] {
    const pool = this.recycledColumns;
    if (this.freshColumns.length < F) this.freshColumns = new Uint8Array(F);
    // Fresh buffers get headroom so that a slightly larger later window can still reuse them once recycled; the
    // headroom costs address space only (pages that are never written are never faulted in).
    const capacity = Math.ceil(m * 1.25) + 512;
    const columns: Float64Array[] = new Array(F);
    for (let k = 0; k < F; k++) {
      let c: Float64Array | undefined;
      while ((c = pool.pop()) !== undefined && c.length < m);
      this.freshColumns[k] = c === undefined ? 1 : 0;
      if (c === undefined) columns[k] = new Float64Array(capacity).subarray(0, m);
      else columns[k] = c.subarray(0, m);
    }
    return columns;
  }

  /** out[at + jj] = Σ over terms of the term's value for row j0 + jj. */
  private sumTerms(terms: Int32Array, columns: Float64Array[], out: Float64Array, at: number, j0: number, n: number): void {
    const sc = this.scratch;
    out.fill(0, at, at + n);
    const counts = this.counts;
    const firstCount = BUILTIN_FEATURES.length;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t];
      if (term >= firstCount && term < firstCount + this.countColumns) {
        // A one-hot count: from the block's count scratch (in cache, the same integer as its output column).
        const a = (term - firstCount) * BLOCK;
        for (let jj = 0; jj < n; jj++) out[at + jj] += counts[a + jj];
      } else if (term >= 0) {
        const src = columns[term];
        for (let jj = 0; jj < n; jj++) out[at + jj] += src[j0 + jj];
      } else {
        const a = (-term - 1) * BLOCK;
        for (let jj = 0; jj < n; jj++) out[at + jj] += sc[a + jj];
      }
    }
  }

  /** Moves users idle since before `watermark − idleEvictMs` to the cold table. A user evicted while a row of
   *  theirs is still open comes back from the cold table when that row closes, so nothing is lost; and the idle
   *  limit (≥ 2 windows + lateness) keeps the previous-window values, which the cold table drops, out of use. */
  private evictIdle(watermark: number): void {
    const cutoff = watermark - this.idleEvictMs;
    const KH = this.K * this.H;
    const keys = this.hot.keys;
    for (let s = 0; s < this.hot.next; s++) {
      if (Number.isNaN(keys[s]) || this.hotLastTime[s] >= cutoff) continue;
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
    const paneArrays: Record<string, Float64Array | Int32Array | Int16Array> = {};
    this.panes.forEach((p, i) => {
      paneArrays[`pane${i}Keys`] = p.rowKey.slice(0, p.rows);
      // Encoded records as raw bytes (Int16 words: every bit pattern survives a copy).
      paneArrays[`pane${i}Records`] = joinChunks(p.i16, p.records, this.W64 * 4, (n) => new Int16Array(n));
      paneArrays[`pane${i}Row`] = joinChunks(p.row, p.records, 1, (n) => new Int32Array(n));
    });
    const parts: SnapshotParts = {
      header: {
        specHash: this.spec.hash,
        maxPanes: this.maxPanes,
        hotNext: hot.next,
        coldNext: cold.next,
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
        coldKeys: cold.keys,
        coldFree: cold.free,
        coldLastTime: this.coldLastTime.slice(0, cold.next),
        coldLastWindow: this.coldLastWindow.slice(0, cold.next),
        coldBase: this.coldBase.slice(0, cold.next * KH),
        ...paneArrays,
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
    const get = <T extends Float64Array | Int32Array | Int16Array>(k: string, type: new (n: number) => T): T => {
      const v = a[k];
      if (!(v instanceof type)) throw new Error(`invalid feature-engine snapshot: array '${k}' is missing or of the wrong type`);
      return v as T;
    };
    const f64 = (k: string) => get(k, Float64Array);
    const i32 = (k: string) => get(k, Int32Array);
    e.hot = SlotTable.fromParts({ keys: f64('hotKeys'), free: i32('hotFree'), next: h.hotNext as number });
    e.hot.onGrow = (cap) => e.growHot(cap);
    e.hotLastTime = new Float64Array(0);
    e.hotLastWindow = new Float64Array(0);
    e.hotPrev = new Float64Array(0);
    e.hotBase = new Float64Array(0);
    e.growHot(e.hot.capacity);
    e.hotLastTime.set(f64('hotLastTime'));
    e.hotLastWindow.set(f64('hotLastWindow'));
    e.hotPrev.set(f64('hotPrev'));
    e.hotBase.set(f64('hotBase'));
    e.cold = SlotTable.fromParts({ keys: f64('coldKeys'), free: i32('coldFree'), next: h.coldNext as number });
    e.cold.onGrow = (cap) => e.growCold(cap);
    e.coldLastTime = new Float64Array(0);
    e.coldLastWindow = new Float64Array(0);
    e.coldBase = new Float64Array(0);
    e.growCold(e.cold.capacity);
    e.coldLastTime.set(f64('coldLastTime'));
    e.coldLastWindow.set(f64('coldLastWindow'));
    e.coldBase.set(f64('coldBase'));
    // Room for every buffered record before any is added (or the JavaScript loops, if the kernel cannot hold them).
    e.reserveKernelMemory(0, 0, (h.paneWindows as number[]).reduce((k, _, i) => k + Math.ceil(i32(`pane${i}Row`).length / CHUNK), 0) + e.maxPanes);
    (h.paneWindows as number[]).forEach((w, i) => {
      const rowKeys = f64(`pane${i}Keys`);
      const recWords = get(`pane${i}Records`, Int16Array);
      const W16 = e.W64 * 4;
      const recRow = i32(`pane${i}Row`);
      const records = recRow.length;
      if (recWords.length !== records * W16)
        throw new Error(`invalid feature-engine snapshot: window pane ${i} records do not match this spec's encoding`);
      const pane = emptyPane();
      // In the engine's panes before its chunks are added, so a growing kernel memory rebuilds their views too.
      e.panes[i] = pane;
      pane.window = w;
      pane.rows = rowKeys.length;
      pane.rowKey = growFloat64(rowKeys.slice(), Math.max(1024, rowKeys.length), 0);
      let size = pane.mask + 1;
      while (size < 2 * pane.rows) size *= 2;
      rehashPane(pane, size);
      for (let from = 0; from < records; from += CHUNK) {
        e.addChunk(pane);
        const c = pane.f64.length - 1;
        const to = Math.min(records, from + CHUNK);
        pane.i16[c].set(recWords.subarray(from * W16, to * W16));
        pane.row[c].set(recRow.subarray(from, to));
      }
      pane.records = records;
      e.panes[i] = pane;
    });
    e.reserveKernelMemory(0, 0, 0); // the permutation for closing the restored windows
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

/** Kernel memory of a parsed UTF-8 digit column (AggregateKernel.digits): addresses and capacities in bytes. */
interface DigitArea {
  bytes: number;
  bytesCap: number;
  offsets: number;
  valid: number;
  out: number;
  rowsCap: number;
}

/** The kernel's memory cannot grow to `top` bytes. */
class KernelMemoryFull extends Error {
  constructor(top: number) {
    super(`feature engine: WebAssembly memory cannot grow to ${Math.ceil(top / 2 ** 20)} MiB`);
  }
}

function tryGrow(memory: AggregateMemory, pages: number): boolean {
  try {
    memory.grow(pages);
    return true;
  } catch {
    return false;
  }
}

function emptyPane(): Pane {
  return { window: -1, rows: 0, rowKey: new Float64Array(1024), table: new Float64Array(2 * 2048).fill(NaN), mask: 2047, records: 0, addr: [], f64: [], i16: [], row: [] };
}

/** Rebuilds a pane's IMSI hash with `size` entries from its rows. */
function rehashPane(pane: Pane, size: number): void {
  const table = new Float64Array(2 * size).fill(NaN);
  const mask = size - 1;
  for (let r = 0; r < pane.rows; r++) {
    const key = pane.rowKey[r];
    let h = hashKey(key) & mask;
    while (table[2 * h] === table[2 * h]) h = (h + 1) & mask;
    table[2 * h] = key;
    table[2 * h + 1] = r;
  }
  pane.table = table;
  pane.mask = mask;
}

/** The row of `imsi` in a pane (which must hold it). */
function paneRowOf(pane: Pane, imsi: number): number {
  const table = pane.table;
  let h = hashKey(imsi) & pane.mask;
  while (table[2 * h] !== imsi) h = (h + 1) & pane.mask;
  return table[2 * h + 1];
}

/** The first `records` records of a pane's chunks as one array (`width` values per record). */
function joinChunks<T extends Float64Array | Int32Array | Int16Array>(chunks: T[], records: number, width: number, make: (n: number) => T): T {
  const out = make(records * width);
  for (let c = 0; c < chunks.length; c++) {
    const n = Math.min(CHUNK, records - c * CHUNK);
    if (n <= 0) break;
    out.set(chunks[c].subarray(0, n * width), c * CHUNK * width);
  }
  return out;
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
