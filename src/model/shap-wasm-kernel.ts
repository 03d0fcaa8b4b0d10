// TreeSHAP's table walk (explainBlockWithTables in tree-shap.ts) as a WebAssembly function, assembled from opcodes
// like the scorer's kernel (wasm-kernel.ts). Same arithmetic in the same order, so it gives the JavaScript
// version's values bit for bit; it drops the bounds checks and boxed paths of typed-array code, which were most
// of the time there.
//
// Memory (byte addresses passed in): entry records (ENTRY_BYTES each, see below), the staged row block (each row
// its values then their negations, as the scorer stages them), the block's contributions (row r, the tree's class
// at phi + r·phiRowStride), scratch cold / left (i32) and sum (f64) per entry and row, the leaf tables vz and g
// (f64), and per table leaf feature its contribution offset (i32, feature · 8) and 1 − z (f64).
//
// Entry record: 0 parent (local index), 4 right (1 when the parent's right child), 8 the parent's feature bit,
// 12 leaf flag; internal: 16 value offset in a staged row, 20 flip, 24 contribution offset of its feature,
// 32 threshold (f64) — the row goes left iff (value > threshold) XOR flip; leaf: 16 full mask, 20 first table
// index, 24 first leaf feature.
import { emitter, F64, I32, instantiate, moduleBytes, OP as O, VOID, type WasmMemory } from './wasm-assembler.js';

export const ENTRY_BYTES = 48;

// parameters
const P = { entries: 0, numEntries: 1, n: 2, values: 3, rowStride: 4, phi: 5, phiRowStride: 6, cold: 7, left: 8, sum: 9, vz: 10, g: 11, leafFeat: 12, leafOmz: 13 } as const;
const NUM_PARAMS = 14;
// locals
const L = { j: 14, rec: 15, jb: 16, pb: 17, right: 18, pbit: 19, r: 20, off: 21, flip: 22, hot: 23, rest: 24, bit: 25, tidx: 26, fstart: 27, idx: 28, pidx: 29, addr: 30, pf: 31, thr: 32, vzh: 33, s: 34 } as const;
const NUM_I32_LOCALS = 18;
const NUM_F64_LOCALS = 3;

function explainBody(blockRows: number): number[] {
  const { c, get, set, i32, f64, op, ld32, ldf, st32, stf, forUp } = emitter();
  /** address base + index · scale on the stack */
  const at = (base: number, index: number, scale: number) => {
    get(base); get(index); i32(scale); op(O.i32Mul, O.i32Add);
  };
  // idx = jb + r, pidx = pb + r
  const rowIndex = () => {
    get(L.jb); get(L.r); op(O.i32Add); set(L.idx);
  };
  const parentIndex = () => {
    get(L.pb); get(L.r); op(O.i32Add); set(L.pidx);
  };
  // record fields of entry j
  const loadParentFields = () => {
    get(L.rec); ld32(0); i32(blockRows); op(O.i32Mul); set(L.pb);
    get(L.rec); ld32(4); set(L.right);
    get(L.rec); ld32(8); set(L.pbit);
  };

  // ---- forward: cold sets, decisions, leaf terms
  forUp(L.j, () => get(P.numEntries), () => {
    get(P.entries); get(L.j); i32(ENTRY_BYTES); op(O.i32Mul, O.i32Add); set(L.rec);
    get(L.j); i32(blockRows); op(O.i32Mul); set(L.jb);
    get(L.j); op(O.i32Eqz, O.if, VOID);
    forUp(L.r, () => get(P.n), () => {
      at(P.cold, L.r, 4); i32(0); st32();
    });
    op(O.else);
    loadParentFields();
    forUp(L.r, () => get(P.n), () => {
      rowIndex(); parentIndex();
      at(P.cold, L.idx, 4);
      at(P.cold, L.pidx, 4); ld32();
      get(L.pbit);
      at(P.left, L.pidx, 4); ld32(); get(L.right); op(O.i32Xor); i32(1); op(O.i32Sub);
      op(O.i32And, O.i32Or);
      st32();
    });
    op(O.end);
    get(L.rec); ld32(12); op(O.i32Eqz, O.if, VOID);
    // internal: left = (value > thr) ^ flip, sum = 0
    get(L.rec); ld32(16); set(L.off);
    get(L.rec); ld32(20); set(L.flip);
    get(L.rec); ldf(32); set(L.thr);
    forUp(L.r, () => get(P.n), () => {
      rowIndex();
      at(P.left, L.idx, 4);
      get(P.values); get(L.r); get(P.rowStride); op(O.i32Mul, O.i32Add); get(L.off); op(O.i32Add); ldf();
      get(L.thr); op(O.f64Gt); get(L.flip); op(O.i32Xor);
      st32();
      at(P.sum, L.idx, 8); f64(0); stf();
    });
    op(O.else);
    // leaf: hot set, cold term into sum, hot terms into phi
    get(L.rec); ld32(20); set(L.tidx);
    get(L.rec); ld32(24); set(L.fstart);
    forUp(L.r, () => get(P.n), () => {
      rowIndex();
      get(L.rec); ld32(16); at(P.cold, L.idx, 4); ld32(); i32(-1); op(O.i32Xor, O.i32And); set(L.hot);
      // vzh = vz[tidx + hot]
      get(P.vz); get(L.tidx); get(L.hot); op(O.i32Add); i32(8); op(O.i32Mul, O.i32Add); ldf(); set(L.vzh);
      // sum[idx] = -vzh * g[tidx + hot]
      at(P.sum, L.idx, 8);
      get(L.vzh); op(O.f64Neg);
      get(P.g); get(L.tidx); get(L.hot); op(O.i32Add); i32(8); op(O.i32Mul, O.i32Add); ldf();
      op(O.f64Mul); stf();
      // hot features
      get(L.hot); set(L.rest);
      op(O.block, VOID, O.loop, VOID);
      get(L.rest); op(O.i32Eqz, O.brIf, 1);
      get(L.rest); i32(0); get(L.rest); op(O.i32Sub, O.i32And); set(L.bit);
      // k = fstart + ctz(rest), kept in pidx
      get(L.fstart); get(L.rest); op(O.i32Ctz, O.i32Add); set(L.pidx);
      // addr = phi + r·phiRowStride + leafFeat[k]
      get(P.phi); get(L.r); get(P.phiRowStride); op(O.i32Mul, O.i32Add);
      at(P.leafFeat, L.pidx, 4); ld32(); op(O.i32Add); set(L.addr);
      get(L.addr);
      get(L.addr); ldf();
      at(P.leafOmz, L.pidx, 8); ldf(); get(L.vzh); op(O.f64Mul);
      get(P.g); get(L.tidx); get(L.hot); get(L.bit); op(O.i32Xor, O.i32Add); i32(8); op(O.i32Mul, O.i32Add); ldf();
      op(O.f64Mul, O.f64Add); stf();
      get(L.rest); get(L.rest); i32(1); op(O.i32Sub, O.i32And); set(L.rest);
      op(O.br, 0, O.end, O.end);
    });
    op(O.end);
  });

  // ---- backward: subtree sums of cold terms, credited where a feature newly turned cold
  get(P.numEntries); i32(1); op(O.i32Sub); set(L.j);
  op(O.block, VOID, O.loop, VOID);
  get(L.j); i32(1); op(O.i32LtS, O.brIf, 1);
  get(P.entries); get(L.j); i32(ENTRY_BYTES); op(O.i32Mul, O.i32Add); set(L.rec);
  get(L.j); i32(blockRows); op(O.i32Mul); set(L.jb);
  loadParentFields();
  get(P.entries); get(L.rec); ld32(0); i32(ENTRY_BYTES); op(O.i32Mul, O.i32Add); ld32(24); set(L.pf);
  forUp(L.r, () => get(P.n), () => {
    rowIndex(); parentIndex();
    at(P.sum, L.idx, 8); ldf(); set(L.s);
    // sum[pidx] += s
    at(P.sum, L.pidx, 8); at(P.sum, L.pidx, 8); ldf(); get(L.s); op(O.f64Add); stf();
    // credited = ((left[pidx] ^ right) - 1) & ~cold[pidx] & pbit; phi[addr] += f64(credited != 0) · s
    get(P.phi); get(L.r); get(P.phiRowStride); op(O.i32Mul, O.i32Add); get(L.pf); op(O.i32Add); set(L.addr);
    get(L.addr);
    get(L.addr); ldf();
    at(P.left, L.pidx, 4); ld32(); get(L.right); op(O.i32Xor); i32(1); op(O.i32Sub);
    at(P.cold, L.pidx, 4); ld32(); i32(-1); op(O.i32Xor, O.i32And);
    get(L.pbit); op(O.i32And);
    i32(0); op(O.i32Ne, O.f64ConvertI32U);
    get(L.s); op(O.f64Mul, O.f64Add); stf();
  });
  get(L.j); i32(1); op(O.i32Sub); set(L.j);
  op(O.br, 0, O.end, O.end);
  op(O.end); // function
  return c;
}

export interface ShapWasmKernel {
  memory: WasmMemory;
  explain: (
    entries: number, numEntries: number, n: number, values: number, rowStride: number, phi: number, phiRowStride: number,
    cold: number, left: number, sum: number, vz: number, g: number, leafFeat: number, leafOmz: number,
  ) => void;
}

/** A module with `pages` 64 KiB pages of memory and the explain function for blocks of `blockRows` rows. */
export function instantiateShapKernel(bytes: number, blockRows: number): ShapWasmKernel {
  const exports = instantiate(
    moduleBytes({
      types: [[new Array(NUM_PARAMS).fill(I32), []]],
      functions: [{ type: 0, locals: [[NUM_I32_LOCALS, I32], [NUM_F64_LOCALS, F64]], body: explainBody(blockRows), export: 'explain' }],
      pages: Math.ceil(bytes / 65536) + 1,
    }),
  );
  return { memory: exports.mem as WasmMemory, explain: exports.explain as ShapWasmKernel['explain'] };
}
