// The feature engine's per-record loops that need no JavaScript objects, as WebAssembly functions assembled from
// opcodes like the scorer's kernels (src/model/wasm-kernel.ts) and specialised to one compiled spec: the record
// layout, the one-hot count columns and the statistic offsets are baked in as load/store offsets, so the work per
// record is a straight run of loads, compares and adds without the bounds checks and index arithmetic of
// typed-array code. Three functions: `digits` (IMSI / MSISDN text → number), `append` (a batch's staged records
// copied to their window-buffer addresses) and `aggregate` (the close-time loop). Each does exactly what the
// engine's JavaScript does, in the same order, so the results are equal bit for bit (min/max by compare-and-select
// as in JavaScript, never f64.min/max; test/features/aggregate-kernel.test.ts compares them).
//
// The records live in the kernel's own memory (the engine allocates its record chunks and staging arrays there),
// and the engine writes the grouping (perm: byte address of each record, rows in order; rowStart: end of each
// row's records) there too. Memory layout, fixed part (aggregateAddresses): the statistics scratch (f64,
// column-major over a block of rows, the engine's S_* layout), one-hot counts (i32, column x of row jj at
// x·block + jj), per row of the block the dominant cell (f64) and a spill flag (i32: the row has more distinct
// cells than tracked inline, so the engine recounts its cells), and the inline cell list (ECI f64, count i32).
// Everything else is allocated above it by the engine.
import { emitter, F64, I32, I64, instantiate, moduleBytes, OP as O, VOID, type WasmFunction } from '../model/wasm-assembler.js';
import type { BufferedRecordFields, EncodeProgram } from './encode-kernel.js';

/** What the kernel is specialised to. Offsets are in the engine's units (record fields in Float64 / Int16 words). */
export interface AggregateLayout extends BufferedRecordFields {
  /** Rows per block (a power of two). */
  block: number;
  /** Statistics scratch columns (S_STATS + 5 per statistic). */
  scratchColumns: number;
  /** One-hot count columns. */
  countColumns: number;
  /** Record stride in Float64 words. */
  w64: number;
  /** Count column of each one-hot's first bucket. */
  onehotBase: Int32Array;
  statistics: number;
  /** Scratch columns: first, last, bin mask, MSISDN, MSISDN length, distinct cells, first statistic column. */
  sFirst: number;
  sLast: number;
  sMask: number;
  sMsisdn: number;
  sMsisdnLen: number;
  sCells: number;
  sStats: number;
  /** Distinct cells tracked inline per row. */
  cellsInline: number;
}

export interface AggregateMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Byte addresses of the fixed part of the kernel's memory. */
export interface AggregateAddresses {
  scratch: number;
  counts: number;
  best: number;
  spill: number;
  cellE: number;
  cellN: number;
  /** First free byte (64-aligned) above the fixed part. */
  end: number;
}

export interface AggregateKernel {
  memory: AggregateMemory;
  at: AggregateAddresses;
  /** Aggregates rows j0..j1 of a window grouped at `perm` / `rowStart` (byte addresses); returns a sum of the
   *  records' touched words (the caller keeps it so the touch-ahead loads are not dead). */
  aggregate: (perm: number, rowStart: number, j0: number, j1: number) => number;
  /** Copies records i0..i1 of a batch staged column-major (Float64 field f of record i at stageF64 + 8(f·n + i),
   *  Int16 field f at stageI16 + 2(f·n + i)) to their buffer addresses dest[i] (i32 at dest + 4i; 0 = not
   *  buffered: late or invalid). */
  append: (dest: number, stageF64: number, stageI16: number, n: number, i0: number, i1: number) => void;
  /** Parses n UTF-8 values (bytes at `bytes`, value i from offsets[i] − base to offsets[i + 1] − base, i32 offsets
   *  at `offsets`; validity bytes at `valid`, or 0 when none is null) as 1–15 ASCII digits into f64 at out + 8i,
   *  −1 where null, empty, longer than 15 or not all digits: engine.ts parseImsi, exact as it is (< 10^15). */
  digits: (bytes: number, offsets: number, base: number, valid: number, n: number, out: number) => void;
  /** The spec's push-side encoding (encode-kernel.ts), when the module was built with it: its inputs and memory,
   *  and encode(dest, i0, i1, msisdnDigits, msisdnOffsets). */
  encoding: EncodeProgram | null;
  encode: ((dest: number, i0: number, i1: number, msisdnDigits: number, msisdnOffsets: number) => void) | null;
}

// parameters
const P = { perm: 0, rowStart: 1, j0: 2, j1: 3 } as const;
// i32 locals, then f64 locals
const L = {
  j: 4, jj: 5, q: 6, to: 7, addr: 8, mask: 9, msLen: 10, cells: 11, k: 12, spill: 13, bucket: 14, rowC: 15, rowS: 16,
  bestN: 17, n: 18, qEnd: 19,
  first: 20, last: 21, msTime: 22, ms: 23, t: 24, num: 25, e: 26, v: 27, touch: 28, best: 29,
} as const;
const NUM_I32_LOCALS = 16;
const NUM_F64_LOCALS = 10;

export function aggregateAddresses(layout: AggregateLayout): AggregateAddresses {
  const B = layout.block;
  const align = (x: number) => (x + 63) & ~63;
  const scratch = 64;
  const counts = align(scratch + layout.scratchColumns * B * 8);
  const best = align(counts + layout.countColumns * B * 4);
  const spill = align(best + B * 8);
  const cellE = align(spill + B * 4);
  const cellN = align(cellE + layout.cellsInline * 8);
  const end = align(cellN + layout.cellsInline * 4);
  return { scratch, counts, best, spill, cellE, cellN, end };
}

function aggregateBody(y: AggregateLayout, at: AggregateAddresses): number[] {
  const B = y.block;
  const blockShift = Math.log2(B);
  if (!Number.isInteger(blockShift)) throw new Error(`aggregate kernel: block ${B} is not a power of two`);
  const { c, get, set, i32, f64, op, ld32, ld16, ldf, st32, stf, whileLess } = emitter();
  /** the end of row `j`'s records (rowStart[j]) on the stack */
  const rowEnd = (j: () => void) => {
    get(P.rowStart); j(); i32(2); op(O.i32Shl, O.i32Add); ld32();
  };
  /** the start of row `j` (0 for the first row) on the stack */
  const rowBegin = (j: number) => {
    get(j); op(O.i32Eqz, O.if, I32);
    i32(0);
    op(O.else);
    rowEnd(() => { get(j); i32(1); op(O.i32Sub); });
    op(O.end);
  };
  const recInt16 = (field: number) => (y.f64 + 0) * 8 + field * 2;

  // ---- touch every cache line of the block's records first: independent loads whose memory latency overlaps
  f64(0); set(L.touch);
  rowBegin(P.j0); set(L.q);
  rowEnd(() => { get(P.j1); i32(1); op(O.i32Sub); }); set(L.qEnd);
  whileLess(L.q, () => get(L.qEnd), () => {
    get(P.perm); get(L.q); i32(2); op(O.i32Shl, O.i32Add); ld32(); set(L.addr);
    get(L.touch);
    get(L.addr); ldf(0); op(O.f64Add);
    for (let w = 64; w < y.w64 * 8; w += 64) {
      get(L.addr); ldf(w); op(O.f64Add);
    }
    get(L.addr); ldf(y.w64 * 8 - 8); op(O.f64Add);
    set(L.touch);
  });

  // ---- rows
  get(P.j0); set(L.j);
  whileLess(L.j, () => get(P.j1), () => {
    get(L.j); get(P.j0); op(O.i32Sub); set(L.jj);
    rowBegin(L.j); set(L.q);
    rowEnd(() => get(L.j)); set(L.to);
    f64(Infinity); set(L.first);
    f64(-Infinity); set(L.last);
    i32(0); set(L.mask);
    f64(-Infinity); set(L.msTime);
    f64(NaN); set(L.ms);
    i32(0); set(L.msLen);
    i32(0); set(L.cells);
    i32(0); set(L.spill);
    i32(at.counts); get(L.jj); i32(2); op(O.i32Shl, O.i32Add); set(L.rowC);
    i32(at.scratch); get(L.jj); i32(3); op(O.i32Shl, O.i32Add); set(L.rowS);
    whileLess(L.q, () => get(L.to), () => {
      get(P.perm); get(L.q); i32(2); op(O.i32Shl, O.i32Add); ld32(); set(L.addr);
      // first / last event time and the silence-bin mask
      get(L.addr); ldf(y.rTime * 8); set(L.t);
      get(L.t); get(L.first); get(L.t); get(L.first); op(O.f64Lt, O.select); set(L.first);
      get(L.t); get(L.last); get(L.t); get(L.last); op(O.f64Gt, O.select); set(L.last);
      get(L.mask); i32(1); get(L.addr); ld16(recInt16(y.rBin)); op(O.i32Shl, O.i32Or); set(L.mask);
      // latest MSISDN; equal times keep the larger number
      get(L.addr); ldf(y.rMsisdn * 8); set(L.num);
      get(L.num); get(L.num); op(O.f64Eq);
      get(L.t); get(L.msTime); op(O.f64Gt);
      get(L.t); get(L.msTime); op(O.f64Eq); get(L.num); get(L.ms); op(O.f64Gt, O.i32And);
      op(O.i32Or, O.i32And);
      op(O.if, VOID);
      get(L.t); set(L.msTime);
      get(L.num); set(L.ms);
      get(L.addr); ld16(recInt16(y.rMsisdnLen)); set(L.msLen);
      op(O.end);
      // cells: a short inline list; a row with more distinct cells is flagged for the engine to recount
      get(L.addr); ldf(y.rEci * 8); set(L.e);
      get(L.e); get(L.e); op(O.f64Eq, O.if, VOID);
      i32(0); set(L.k);
      op(O.block, VOID, O.loop, VOID);
      get(L.k); get(L.cells); op(O.i32GeS, O.brIf, 1);
      get(L.k); i32(3); op(O.i32Shl); ldf(at.cellE); get(L.e); op(O.f64Eq, O.brIf, 1);
      get(L.k); i32(1); op(O.i32Add); set(L.k);
      op(O.br, 0, O.end, O.end);
      get(L.k); get(L.cells); op(O.i32LtS, O.if, VOID);
      get(L.k); i32(2); op(O.i32Shl); get(L.k); i32(2); op(O.i32Shl); ld32(at.cellN); i32(1); op(O.i32Add); st32(at.cellN);
      op(O.else);
      get(L.cells); i32(y.cellsInline); op(O.i32LtS, O.if, VOID);
      get(L.cells); i32(3); op(O.i32Shl); get(L.e); stf(at.cellE);
      get(L.cells); i32(2); op(O.i32Shl); i32(1); st32(at.cellN);
      get(L.cells); i32(1); op(O.i32Add); set(L.cells);
      op(O.else);
      i32(1); set(L.spill);
      op(O.end, O.end, O.end);
      // one-hot counts: counts[(onehotBase[k] + bucket) · B + jj]++ for buckets ≥ 0
      for (let k = 0; k < y.onehotBase.length; k++) {
        get(L.addr); ld16(recInt16(y.rOnehots + k)); set(L.bucket);
        get(L.bucket); i32(0); op(O.i32GeS, O.if, VOID);
        const off = y.onehotBase[k] * B * 4;
        get(L.rowC); get(L.bucket); i32(blockShift + 2); op(O.i32Shl, O.i32Add); set(L.n);
        get(L.n); get(L.n); ld32(off); i32(1); op(O.i32Add); st32(off);
        op(O.end);
      }
      // statistics: n, sum, sum of squares, min, max of the non-NaN inputs
      for (let k = 0; k < y.statistics; k++) {
        const s = (y.sStats + 5 * k) * B * 8;
        get(L.addr); ldf((y.rStats + k) * 8); set(L.v);
        get(L.v); get(L.v); op(O.f64Eq, O.if, VOID);
        get(L.rowS); get(L.rowS); ldf(s); f64(1); op(O.f64Add); stf(s);
        get(L.rowS); get(L.rowS); ldf(s + B * 8); get(L.v); op(O.f64Add); stf(s + B * 8);
        get(L.rowS); get(L.rowS); ldf(s + 2 * B * 8); get(L.v); get(L.v); op(O.f64Mul, O.f64Add); stf(s + 2 * B * 8);
        get(L.rowS); get(L.v); get(L.rowS); ldf(s + 3 * B * 8); get(L.v); get(L.rowS); ldf(s + 3 * B * 8); op(O.f64Lt, O.select); stf(s + 3 * B * 8);
        get(L.rowS); get(L.v); get(L.rowS); ldf(s + 4 * B * 8); get(L.v); get(L.rowS); ldf(s + 4 * B * 8); op(O.f64Gt, O.select); stf(s + 4 * B * 8);
        op(O.end);
      }
    });
    // dominant cell: most records; ties → smallest ECI
    f64(NaN); set(L.best);
    i32(0); set(L.bestN);
    i32(0); set(L.k);
    whileLess(L.k, () => get(L.cells), () => {
      get(L.k); i32(2); op(O.i32Shl); ld32(at.cellN); set(L.n);
      get(L.k); i32(3); op(O.i32Shl); ldf(at.cellE); set(L.e);
      get(L.n); get(L.bestN); op(O.i32GtS);
      get(L.n); get(L.bestN); op(O.i32Eq); get(L.e); get(L.best); op(O.f64Lt, O.i32And);
      op(O.i32Or, O.if, VOID);
      get(L.e); set(L.best);
      get(L.n); set(L.bestN);
      op(O.end);
    });
    get(L.rowS); get(L.first); stf(y.sFirst * B * 8);
    get(L.rowS); get(L.last); stf(y.sLast * B * 8);
    get(L.rowS); get(L.mask); op(O.f64ConvertI32S); stf(y.sMask * B * 8);
    get(L.rowS); get(L.ms); stf(y.sMsisdn * B * 8);
    get(L.rowS); get(L.msLen); op(O.f64ConvertI32S); stf(y.sMsisdnLen * B * 8);
    get(L.rowS); get(L.cells); op(O.f64ConvertI32S); stf(y.sCells * B * 8);
    get(L.jj); i32(3); op(O.i32Shl); get(L.best); stf(at.best);
    get(L.jj); i32(2); op(O.i32Shl); get(L.spill); st32(at.spill);
  });
  get(L.touch);
  op(O.end); // function
  return c;
}

/** The append function (see AggregateKernel.append); record layout from `y`. */
function appendBody(y: AggregateLayout): number[] {
  const A = { dest: 0, f64: 1, i16: 2, n: 3, i: 4, i1: 5, d: 6, p: 7, stride: 8 } as const;
  const { c, get, set, i32, op, ld32, ldf, stf, ld16, st16 } = emitter();
  const i16Fields = y.rOnehots + y.onehotBase.length;
  op(O.block, VOID, O.loop, VOID);
  get(A.i); get(A.i1); op(O.i32GeS, O.brIf, 1);
  get(A.dest); get(A.i); i32(2); op(O.i32Shl, O.i32Add); ld32(); set(A.d);
  get(A.d); op(O.if, VOID);
  // Float64 fields: p walks down record i's column-major stage, one column (8n bytes) per field
  get(A.n); i32(3); op(O.i32Shl); set(A.stride);
  get(A.f64); get(A.i); i32(3); op(O.i32Shl, O.i32Add); set(A.p);
  for (let f = 0; f < y.f64; f++) {
    get(A.d); get(A.p); ldf(); stf(8 * f);
    if (f + 1 < y.f64) {
      get(A.p); get(A.stride); op(O.i32Add); set(A.p);
    }
  }
  get(A.n); i32(1); op(O.i32Shl); set(A.stride);
  get(A.i16); get(A.i); i32(1); op(O.i32Shl, O.i32Add); set(A.p);
  for (let f = 0; f < i16Fields; f++) {
    get(A.d); get(A.p); ld16(); st16(8 * y.f64 + 2 * f);
    if (f + 1 < i16Fields) {
      get(A.p); get(A.stride); op(O.i32Add); set(A.p);
    }
  }
  op(O.end);
  get(A.i); i32(1); op(O.i32Add); set(A.i);
  op(O.br, 0, O.end, O.end);
  op(O.end); // function
  return c;
}

/** The digits function (see AggregateKernel.digits). */
function digitsBody(): number[] {
  const D = { bytes: 0, offsets: 1, base: 2, valid: 3, n: 4, out: 5, i: 6, p: 7, e: 8, d: 9, bad: 10, v: 11 } as const;
  const { c, get, set, i32, f64, op, ld32, ld8u, stf } = emitter();
  // out + 8i on the stack
  const outAt = () => {
    get(D.out); get(D.i); i32(3); op(O.i32Shl, O.i32Add);
  };
  i32(0); set(D.i);
  op(O.block, VOID, O.loop, VOID);
  get(D.i); get(D.n); op(O.i32GeS, O.brIf, 1);
  op(O.block, VOID); // "bad" exits here with −1 stored
  get(D.offsets); get(D.i); i32(2); op(O.i32Shl, O.i32Add); ld32(); get(D.base); op(O.i32Sub); set(D.p);
  get(D.offsets); get(D.i); i32(2); op(O.i32Shl, O.i32Add); ld32(4); get(D.base); op(O.i32Sub); set(D.e);
  // null, or length outside 1..15 → −1
  i32(1); set(D.bad);
  get(D.valid); op(O.if, VOID);
  get(D.valid); get(D.i); op(O.i32Add); ld8u(); op(O.i32Eqz, O.brIf, 1);
  op(O.end);
  get(D.e); get(D.p); op(O.i32Sub); i32(1); op(O.i32Sub); i32(14); op(O.i32GtU, O.brIf, 0);
  op(O.i64Const, 0); set(D.v);
  op(O.block, VOID, O.loop, VOID);
  get(D.p); get(D.e); op(O.i32GeS, O.brIf, 1);
  get(D.bytes); get(D.p); op(O.i32Add); ld8u(); i32(48); op(O.i32Sub); op(O.tee, D.d);
  i32(9); op(O.i32GtU, O.brIf, 2);
  get(D.v); op(O.i64Const, 10); op(O.i64Mul); get(D.d); op(O.i64ExtendI32U, O.i64Add); set(D.v);
  get(D.p); i32(1); op(O.i32Add); set(D.p);
  op(O.br, 0, O.end, O.end);
  i32(0); set(D.bad);
  op(O.end);
  // bad: −1, else the value
  outAt();
  f64(-1);
  get(D.v); op(O.f64ConvertI64S);
  get(D.bad); op(O.select);
  stf();
  get(D.i); i32(1); op(O.i32Add); set(D.i);
  op(O.br, 0, O.end, O.end);
  op(O.end); // function
  return c;
}

/** Assembles and instantiates the kernel for `layout` with `bytes` of memory to begin with (it grows on demand,
 *  up to `maxBytes` if given, else to WebAssembly's own limit). */
export function instantiateAggregateKernel(
  layout: AggregateLayout,
  bytes: number,
  maxBytes?: number,
  encoding?: (base: number) => EncodeProgram | null,
): AggregateKernel {
  const at = aggregateAddresses(layout);
  // The encoding's input table and lookup tables sit above the fixed part.
  const program = encoding ? encoding(at.end) : null;
  if (program) at.end = program.end;
  const pages = Math.ceil(Math.max(bytes, at.end) / 65536);
  const functions: WasmFunction[] = [
    { type: 0, locals: [[NUM_I32_LOCALS, I32], [NUM_F64_LOCALS, F64]], body: aggregateBody(layout, at), export: 'aggregate' },
    { type: 1, locals: [[3, I32]], body: appendBody(layout), export: 'append' },
    { type: 1, locals: [[5, I32], [1, I64]], body: digitsBody(), export: 'digits' },
  ];
  if (program) functions.push({ type: 2, locals: program.locals, body: program.body, export: 'encode' });
  const exports = instantiate(
    moduleBytes({
      types: [
        [[I32, I32, I32, I32], [F64]],
        [[I32, I32, I32, I32, I32, I32], []],
        ...(program ? [[[I32, I32, I32, I32, I32], []] as [number[], number[]]] : []),
      ],
      functions,
      pages,
      maxPages: maxBytes === undefined ? undefined : Math.max(pages, Math.floor(maxBytes / 65536)),
    }),
  );
  const memory = exports.mem as AggregateMemory;
  if (program) new Uint8Array(memory.buffer, program.tablesAt, program.tables.length).set(program.tables);
  return {
    memory,
    at,
    aggregate: exports.aggregate as AggregateKernel['aggregate'],
    append: exports.append as AggregateKernel['append'],
    digits: exports.digits as AggregateKernel['digits'],
    encoding: program,
    encode: program ? (exports.encode as NonNullable<AggregateKernel['encode']>) : null,
  };
}
