// The push-side encoding (kernels.ts: categorical codes, `where` filters, one-hot buckets, statistic inputs, and
// the engine's time / cell / MSISDN / silence-bin fields) as one WebAssembly function specialised to a compiled
// spec, added to the aggregation kernel's module (aggregate-kernel.ts). It reads copies of the batch's Arrow
// buffers (values and validity bitmaps) in the kernel's memory and writes each buffered record straight to its
// window-buffer address (push's `dest`), so the staging arrays and the copy out of them are skipped, and records
// that are late or invalid are never encoded. Every field is computed as kernels.ts computes it, in the same
// floating-point operations, so the records are equal bit for bit (test/features/encode-kernel.test.ts).
//
// Memory: an input table (per input column: values address, bitmap address, bit offset of row 0; the engine
// fills it per batch) and the spec's lookup tables (axis buckets, `where` matches, ABNORMAL_RELEASE), both
// placed at `base` when the program is built.
import { ABNORMAL_RELEASE, S1AP_CAUSE_SPACE } from '../schema/codes.js';
import { emitter, F64, I32, I64, OP as O, VOID, type Emitter } from '../model/wasm-assembler.js';
import type { AxisPlan, FieldRef, OneHotPlan, StatPlan, WherePlan } from './spec.js';

/** An Arrow column the kernel reads: dictionary indices (1 byte), int32 (4) or int64 (8) values. */
export interface EncodeInput {
  column: string;
  width: 1 | 4 | 8;
}

/** The fields of a buffered record (the engine's R_* layout): the encoder writes them, the aggregation reads them. */
export interface BufferedRecordFields {
  /** Width of the Float64 part in words; the Int16 part follows it. */
  f64: number;
  /** Float64 fields: time, ECI, MSISDN digits, first statistic input. */
  rTime: number;
  rEci: number;
  rMsisdn: number;
  rStats: number;
  /** Int16 fields: MSISDN length, silence bin, first one-hot bucket. */
  rMsisdnLen: number;
  rBin: number;
  rOnehots: number;
}

/** Where the encoded fields go in a buffered record, and what the encoder needs to fill the silence bin. */
export interface EncodeRecordLayout extends BufferedRecordFields {
  windowMs: number;
  silenceBins: number;
}

export interface EncodeProgram {
  inputs: EncodeInput[];
  /** Address of the input table (12 bytes per input). */
  inputTable: number;
  /** Lookup tables, to be written at `tablesAt`. */
  tables: Uint8Array;
  tablesAt: number;
  /** First free byte (64-aligned) above both. */
  end: number;
  locals: [number, number][];
  /** encode(dest, i0, i1, msisdnDigits, msisdnOffsets): records i0..i1 with dest[i] ≠ 0 (i32 at dest + 4i) are
   *  encoded to address dest[i]; MSISDN digits (f64, −1 invalid, AggregateKernel.digits) and its i32 value
   *  offsets are in the kernel's memory already. */
  body: number[];
}

/** Categorical codes: as kernels.ts (−1 null; a value that cannot be a table code becomes this, → other). */
const UNTABLED = 0x7fffffff;
const MAX_INPUTS = 64;
const P = { dest: 0, i0: 1, i1: 2, msDigits: 3, msOffsets: 4 } as const;
const NUM_PARAMS = 5;
const MAX_I32 = 240;
const MAX_I64 = 32;
const MAX_F64 = 96;

/** A field or shape the kernel does not cover: the engine keeps kernels.ts for such a spec. */
class Unsupported extends Error {}

const align = (x: number) => (x + 63) & ~63;

/** The encode program for `onehots` and `stats` with its memory placed at `base`, or null when the spec uses
 *  something the kernel does not cover. */
export function encodeProgram(onehots: OneHotPlan[], stats: StatPlan[], rec: EncodeRecordLayout, base: number): EncodeProgram | null {
  try {
    return build(onehots, stats, rec, base);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

function build(onehots: OneHotPlan[], stats: StatPlan[], rec: EncodeRecordLayout, base: number): EncodeProgram {
  const inputTable = base;
  const tablesAt = align(base + MAX_INPUTS * 12);
  const tableBytes: number[] = [];
  /** A lookup table's address (copied into the table region, 8-aligned). */
  const table = (bytes: Uint8Array): number => {
    while (tableBytes.length & 7) tableBytes.push(0);
    const at = tablesAt + tableBytes.length;
    // At least 8 bytes, so a clamped read of an empty table stays inside it.
    for (let k = 0; k < Math.max(8, bytes.length); k++) tableBytes.push(k < bytes.length ? bytes[k] : 0);
    return at;
  };
  const tableAt = new Map<object, number>();
  const tableOf = (key: Uint8Array | Int16Array): number => {
    let at = tableAt.get(key);
    if (at === undefined) {
      at = table(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
      tableAt.set(key, at);
    }
    return at;
  };

  let ni = 0;
  let nj = 0;
  let nf = 0;
  const i32Local = () => {
    if (ni >= MAX_I32) throw new Unsupported('too many i32 locals');
    return NUM_PARAMS + ni++;
  };
  const i64Local = () => {
    if (nj >= MAX_I64) throw new Unsupported('too many i64 locals');
    return NUM_PARAMS + MAX_I32 + nj++;
  };
  const f64Local = () => {
    if (nf >= MAX_F64) throw new Unsupported('too many f64 locals');
    return NUM_PARAMS + MAX_I32 + MAX_I64 + nf++;
  };
  const i = i32Local();
  const d = i32Local();
  const tmp = i32Local();

  // The per-record body; every value is computed straight-line (no value is first computed inside a branch), so
  // a memoised local is valid wherever it is used later in the record.
  const e: Emitter = emitter();
  const { get, set, tee, i32, f64, op } = e;

  const inputs: EncodeInput[] = [];
  const inputLocals: { vals: number; bits: number; boff: number }[] = [];
  const inputIndex = new Map<string, number>();
  const input = (column: string, width: 1 | 4 | 8): number => {
    let q = inputIndex.get(column);
    if (q === undefined) {
      if (inputs.length >= MAX_INPUTS) throw new Unsupported('too many input columns');
      q = inputs.length;
      inputs.push({ column, width });
      inputLocals.push({ vals: i32Local(), bits: i32Local(), boff: i32Local() });
      inputIndex.set(column, q);
    } else if (inputs[q].width !== width) throw new Unsupported(`column ${column} read at two widths`);
    return q;
  };
  const memo = new Map<string, number>();
  const once = (key: string, make: () => number): number => {
    let l = memo.get(key);
    if (l === undefined) {
      l = make();
      memo.set(key, l);
    }
    return l;
  };
  /** 1 when row i of input q is valid (bit boff + i of its bitmap). */
  const valid = (q: number): number =>
    once(`valid:${q}`, () => {
      const { bits, boff } = inputLocals[q];
      const l = i32Local();
      get(boff); get(i); op(O.i32Add); tee(tmp);
      i32(3); op(O.i32ShrU); get(bits); op(O.i32Add); e.ld8u();
      get(tmp); i32(7); op(O.i32And, O.i32ShrU); i32(1); op(O.i32And);
      set(l);
      return l;
    });
  /** Row i's raw value of input q (i32 local for widths 1 and 4, i64 for 8). */
  const value = (q: number): number =>
    once(`value:${q}`, () => {
      const { vals } = inputLocals[q];
      const w = inputs[q].width;
      const l = w === 8 ? i64Local() : i32Local();
      get(vals); get(i);
      if (w > 1) {
        i32(w === 8 ? 3 : 2);
        op(O.i32Shl);
      }
      op(O.i32Add);
      if (w === 1) e.ld8s();
      else if (w === 4) e.ld32();
      else e.ld64();
      set(l);
      return l;
    });
  const int32Column = (column: string) => {
    const q = input(column, 4);
    return { v: value(q), ok: valid(q) };
  };
  const int64Column = (column: string) => {
    const q = input(column, 8);
    return { v: value(q), ok: valid(q) };
  };
  /** select(a, b, cond) with each operand emitted by a callback: cond ? a : b */
  const pick = (a: () => void, b: () => void, cond: () => void) => {
    a(); b(); cond(); op(O.select);
  };

  /** kernels.ts BatchColumns.categorical: the field's code of row i (−1 null) in an i32 local. */
  const code = (f: FieldRef): number => {
    const key = f.kind === 'derived' ? `derived:${f.name}` : f.column;
    return once(`code:${key}`, () => {
      const l = i32Local();
      if (f.kind === 'enum') {
        const q = input(f.column, 1);
        pick(() => get(value(q)), () => i32(-1), () => get(valid(q)));
      } else if (f.kind === 'int32') {
        const { v, ok } = int32Column(f.column);
        pick(() => pick(() => i32(UNTABLED), () => get(v), () => { get(v); i32(0); op(O.i32LtS); }), () => i32(-1), () => get(ok));
      } else if (f.kind === 'int64') {
        const { v, ok } = int64Column(f.column);
        // 0 ≤ v < UNTABLED as one unsigned compare
        const inRange = () => { get(v); op(O.i64Const, ...sleb64(UNTABLED)); op(I64_LT_U); };
        pick(() => pick(() => { get(v); op(O.i32WrapI64); }, () => i32(UNTABLED), inRange), () => i32(-1), () => get(ok));
      } else if (f.name === 'http_class') {
        const { v: s, ok } = int32Column('http_status');
        // s = 0 → 0; 100..599 → s / 100; else untabled; null → −1
        const classOf = () =>
          pick(
            () => i32(0),
            () => pick(() => { get(s); i32(100); op(O.i32DivS); }, () => i32(UNTABLED), () => { get(s); i32(100); op(O.i32Sub); i32(500); op(O.i32LtU); }),
            () => { get(s); op(O.i32Eqz); },
          );
        pick(classOf, () => i32(-1), () => get(ok));
      } else if (f.name === 'release_kind' || f.name === 's1ap') {
        const g = code({ kind: 'enum', column: 's1ap_cause_group', vocabulary: [] });
        const { v: c, ok } = int32Column('s1ap_cause');
        const inSpace = () => { get(c); i32(S1AP_CAUSE_SPACE); op(O.i32LtU); };
        const slot = () => { get(g); i32(S1AP_CAUSE_SPACE); op(O.i32Mul); get(c); op(O.i32Add); };
        let known: () => void;
        if (f.name === 'release_kind') {
          // ABNORMAL_RELEASE[g·space + c]; an index beyond the table reads as 0 (undefined → 0 in JavaScript)
          const at = table(ABNORMAL_RELEASE);
          const n = ABNORMAL_RELEASE.length;
          known = () =>
            pick(
              () => pick(
                () => { pick(slot, () => i32(0), () => { slot(); i32(n); op(O.i32LtU); }); i32(at); op(O.i32Add); e.ld8u(); },
                () => i32(0),
                () => { slot(); i32(n); op(O.i32LtU); },
              ),
              () => i32(1),
              inSpace,
            );
        } else known = () => pick(slot, () => i32(UNTABLED), inSpace);
        // null group or cause → −1
        pick(() => i32(-1), known, () => { get(g); i32(0); op(O.i32LtS); get(ok); op(O.i32Eqz, O.i32Or); });
      } else throw new Unsupported(`derived categorical field ${f.name}`);
      set(l);
      return l;
    });
  };

  /** kernels.ts BatchColumns.where: 1 when row i passes (nulls never do). */
  const where = (w: WherePlan): number =>
    once(`where:${tableOf(w.match)}:${w.not}:${fieldKey(w.field)}`, () => {
      const c = code(w.field);
      const l = i32Local();
      const at = tableOf(w.match);
      const n = w.match.length;
      const inTable = () => {
        get(c); i32(n); op(O.i32LtU);
        pick(() => get(c), () => i32(0), () => { get(c); i32(n); op(O.i32LtU); });
        i32(at); op(O.i32Add); e.ld8u(); i32(1); op(O.i32Eq);
        op(O.i32And);
      };
      pick(() => i32(0), () => { inTable(); i32(w.not ? 1 : 0); op(O.i32Xor); }, () => { get(c); i32(0); op(O.i32LtS); });
      set(l);
      return l;
    });

  /** kernels.ts bucketOf: the axis bucket of code local c (−1: skip), left on the stack. */
  const bucket = (axis: AxisPlan, c: number) => {
    const at = tableOf(axis.table);
    const n = axis.table.length;
    const t = i32Local();
    pick(
      () => { pick(() => get(c), () => i32(0), () => { get(c); i32(n); op(O.i32LtU); }); i32(1); op(O.i32Shl); i32(at); op(O.i32Add); e.ld16(); },
      () => i32(-1),
      () => { get(c); i32(n); op(O.i32LtU); },
    );
    set(t);
    pick(() => i32(axis.nullBucket), () => pick(() => get(t), () => i32(axis.otherBucket), () => { get(t); i32(0); op(O.i32GeS); }), () => { get(c); i32(0); op(O.i32LtS); });
  };

  /** kernels.ts numericField: row i's value (f64 local) and validity (i32 local). */
  const numeric = (f: FieldRef): { v: number; ok: number } => {
    if (f.kind === 'enum') throw new Unsupported(`field ${f.column} is categorical`);
    const key = fieldKey(f);
    const v = once(`num:${key}`, () => f64Local());
    const ok = once(`numok:${key}`, () => {
      const okLocal = i32Local();
      const conv64 = (column: string) => { const x = int64Column(column); return { f: () => { get(x.v); op(O.f64ConvertI64S); }, ok: x.ok }; };
      const conv32 = (column: string) => { const x = int32Column(column); return { f: () => { get(x.v); op(O.f64ConvertI32S); }, ok: x.ok }; };
      const pair = (a: { f: () => void; ok: number }, b: { f: () => void; ok: number }, sub: boolean) => {
        a.f(); b.f(); op(sub ? O.f64Sub : O.f64Add); set(v);
        get(a.ok); get(b.ok); op(O.i32And); set(okLocal);
      };
      if (f.kind === 'int32') {
        const x = conv32(f.column);
        x.f(); set(v); get(x.ok); set(okLocal);
      } else if (f.kind === 'int64') {
        const x = conv64(f.column);
        x.f(); set(v); get(x.ok); set(okLocal);
      } else if (f.name === 'duration_ms') {
        pair(conv64('end_time'), conv64('start_time'), true);
        // a record that ends before it starts has no duration
        get(okLocal); get(v); f64(0); op(O.f64Ge, O.i32And); set(okLocal);
      } else if (f.name === 'bytes') pair(conv64('ul_bytes'), conv64('dl_bytes'), false);
      else if (f.name === 'packets') pair(conv32('ul_packets'), conv32('dl_packets'), false);
      else if (f.name === 'retrans_packets') pair(conv32('ul_retrans_packets'), conv32('dl_retrans_packets'), false);
      else throw new Unsupported(`derived numeric field ${f.name}`);
      return okLocal;
    });
    return { v, ok };
  };

  const i16At = (field: number) => 8 * rec.f64 + 2 * field;
  // time, silence bin (engine.ts encode)
  {
    const q = input('start_time', 8);
    const t = f64Local();
    get(value(q)); op(O.f64ConvertI64S); set(t);
    get(d); get(t); e.stf(8 * rec.rTime);
    const L = rec.windowMs;
    // floor(((t − floor(t / L)·L)·bins) / L); t from an int64 is always finite
    get(d);
    get(t); get(t); f64(L); op(O.f64Div, O.f64Floor); f64(L); op(O.f64Mul, O.f64Sub);
    f64(rec.silenceBins); op(O.f64Mul); f64(L); op(O.f64Div, O.f64Floor);
    op(...I32_TRUNC_SAT_F64_S);
    e.st16(i16At(rec.rBin));
  }
  {
    const q = input('eci', 8);
    get(d);
    pick(() => { get(value(q)); op(O.f64ConvertI64S); }, () => f64(NaN), () => get(valid(q)));
    e.stf(8 * rec.rEci);
  }
  {
    // MSISDN digits (−1 invalid → NaN) and its UTF-8 length
    const num = f64Local();
    get(P.msDigits); get(i); i32(3); op(O.i32Shl, O.i32Add); e.ldf(); set(num);
    get(d); pick(() => get(num), () => f64(NaN), () => { get(num); f64(0); op(O.f64Ge); }); e.stf(8 * rec.rMsisdn);
    get(P.msOffsets); get(i); i32(2); op(O.i32Shl, O.i32Add); set(tmp);
    get(d); get(tmp); e.ld32(4); get(tmp); e.ld32(); op(O.i32Sub); e.st16(i16At(rec.rMsisdnLen));
  }
  onehots.forEach((plan, k) => {
    // kernels.ts encodeOneHot: the bucket (crossed: a × nb + b), −1 when not counted
    const a = code(plan.a.field);
    const w = plan.where ? where(plan.where) : -1;
    const ka = i32Local();
    bucket(plan.a, a); set(ka);
    const out = i32Local();
    if (!plan.b) {
      get(ka); set(out);
    } else {
      const b = code(plan.b.field);
      const kb = i32Local();
      bucket(plan.b, b); set(kb);
      pick(
        () => { get(ka); i32(plan.b!.names.length); op(O.i32Mul); get(kb); op(O.i32Add); },
        () => i32(-1),
        () => { get(ka); i32(0); op(O.i32GeS); get(kb); i32(0); op(O.i32GeS, O.i32And); },
      );
      set(out);
    }
    get(d);
    if (w >= 0) pick(() => get(out), () => i32(-1), () => get(w));
    else get(out);
    e.st16(i16At(rec.rOnehots + k));
  });
  stats.forEach((plan, k) => {
    // kernels.ts encodeStat: the value, NaN when missing or filtered out
    const { v, ok } = numeric(plan.field);
    const w = plan.where ? where(plan.where) : -1;
    get(d);
    pick(() => get(v), () => f64(NaN), () => {
      get(ok);
      if (w >= 0) {
        get(w);
        op(O.i32And);
      }
    });
    e.stf(8 * (rec.rStats + k));
  });
  const record = e.c;

  // prologue (input addresses into locals), then the loop over records
  const f = emitter();
  inputLocals.forEach((l, q) => {
    f.i32(inputTable + 12 * q); f.ld32(0); f.set(l.vals);
    f.i32(inputTable + 12 * q); f.ld32(4); f.set(l.bits);
    f.i32(inputTable + 12 * q); f.ld32(8); f.set(l.boff);
  });
  f.get(P.i0); f.set(i);
  f.whileLess(i, () => f.get(P.i1), () => {
    f.get(P.dest); f.get(i); f.i32(2); f.op(O.i32Shl, O.i32Add); f.ld32(); f.tee(d);
    f.op(O.if, VOID);
    f.op(...record);
    f.op(O.end);
  });
  f.op(O.end); // function
  const tables = Uint8Array.from(tableBytes);
  return {
    inputs,
    inputTable,
    tables,
    tablesAt,
    end: align(tablesAt + tables.length),
    locals: [[MAX_I32, I32], [MAX_I64, I64], [MAX_F64, F64]],
    body: f.c,
  };
}

const fieldKey = (f: FieldRef) => (f.kind === 'derived' ? `derived:${f.name}` : `${f.kind}:${f.column}`);

const I64_LT_U = 0x54;
/** i32.trunc_sat_f64_s: never traps (the value is a small integer here anyway). */
const I32_TRUNC_SAT_F64_S = [0xfc, 0x02];

/** Signed LEB128 of a non-negative integer below 2^53 (i64 constants). */
function sleb64(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
