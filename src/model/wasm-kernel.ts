// The native scorer's lockstep kernel as a small WebAssembly function, assembled here from opcodes (no toolchain
// needed). Same algorithm as NativeScorer.scoreSimpleTree — rows walk each tree in lockstep (8 lanes), a fixed number of
// branch-free steps — but WebAssembly drops the per-access bounds checks and boxed-number paths of JavaScript typed
// arrays, which is most of the instructions in the JavaScript version.
//
// Node layout (16 bytes, addressed by byte address so a step needs no index arithmetic): value byte offset in a
// staged row (i32), address of the "false" child (i32), threshold (f64). The two children of a node are adjacent,
// so the next node is `false child + 16·(v > t)`: three loads and a compare per step. A leaf is an absorbing node:
// its value offset points at a NaN slot at the end of every staged row (NaN > x is false), its false child is
// itself, and its threshold slot holds the leaf value, which the kernel adds to the row's output at the end.
//
// Memory layout (byte offsets chosen by the caller): nodes, tree table (12 bytes per tree: root address, depth,
// class), the staged row block (f64: values, negated values, NaN) and the output block (f64, numClass per row).

import { emitter, F64, I32, instantiate, moduleBytes, OP, VOID, wasmGlobal, type WasmMemory } from './wasm-assembler.js';


// Parameters
const P = { rows: 0, n: 1, stride: 2, trees: 3, numTrees: 4, out: 5 } as const;
// Locals after the parameters; then one (b, n) pair per lane: row base address and current node address.
const L = { t: 6, root: 7, depth: 8, cls: 9, r: 10, d: 11, q: 12, o: 13 } as const;
const FIRST_LANE_LOCAL = 14;
const NUM_PARAMS = 6;
const laneB = (k: number) => FIRST_LANE_LOCAL + 2 * k;
const laneN = (k: number) => FIRST_LANE_LOCAL + 2 * k + 1;

/** `rowOut`: bytes between two rows' outputs (8 × numClass), baked in as load/store offsets. */
function body(lanes: number, rowOut: number): number[] {
  const { c, get, set, i32, op, ld32: load32, ldf: loadF64, stf: storeF64 } = emitter();

  // one branch-free step of a lane (n = node address, b = row address):
  //   n = load32(n + 4) + ((rows[b + load32(n)] > loadF64(n + 8)) << 4)
  const step = (n: number, b: number) => {
    get(b); get(n); load32(0); op(OP.i32Add); loadF64(0);
    get(n); loadF64(8);
    op(OP.f64Gt); i32(4); op(OP.i32Shl);
    get(n); load32(4); op(OP.i32Add);
    set(n);
  };
  // d = depth; while (d != 0) { steps; d-- }
  const walk = (pairs: [number, number][]) => {
    get(L.depth); set(L.d);
    op(OP.block, VOID, OP.loop, VOID);
    get(L.d); op(OP.i32Eqz, OP.brIf, 1);
    for (const [n, b] of pairs) step(n, b);
    get(L.d); i32(1); op(OP.i32Sub); set(L.d);
    op(OP.br, 0, OP.end, OP.end);
  };
  // lane k's output: out[o + k·rowOut] += leaf value (the leaf node's threshold slot)
  const accumulate = (n: number, k: number) => {
    get(L.o); get(L.o); loadF64(k * rowOut);
    get(n); loadF64(8);
    op(OP.f64Add); storeF64(k * rowOut);
  };

  i32(0); set(L.t);
  op(OP.block, VOID, OP.loop, VOID); // trees
  get(L.t); get(P.numTrees); op(OP.i32GeS, OP.brIf, 1);
  get(P.trees); get(L.t); i32(12); op(OP.i32Mul, OP.i32Add); set(L.q);
  get(L.q); load32(0); set(L.root);
  get(L.q); load32(4); set(L.depth);
  get(L.q); load32(8); i32(3); op(OP.i32Shl); set(L.cls);
  i32(0); set(L.r);
  // `lanes` rows at a time
  op(OP.block, VOID, OP.loop, VOID);
  get(L.r); i32(lanes); op(OP.i32Add); get(P.n); op(OP.i32GtS, OP.brIf, 1);
  get(P.rows); get(L.r); get(P.stride); op(OP.i32Mul, OP.i32Add); set(laneB(0));
  for (let k = 1; k < lanes; k++) {
    get(laneB(k - 1)); get(P.stride); op(OP.i32Add); set(laneB(k));
  }
  for (let k = 0; k < lanes; k++) {
    get(L.root); set(laneN(k));
  }
  walk(Array.from({ length: lanes }, (_, k) => [laneN(k), laneB(k)] as [number, number]));
  get(P.out); get(L.r); i32(rowOut); op(OP.i32Mul, OP.i32Add); get(L.cls); op(OP.i32Add); set(L.o);
  for (let k = 0; k < lanes; k++) accumulate(laneN(k), k);
  get(L.r); i32(lanes); op(OP.i32Add); set(L.r);
  op(OP.br, 0, OP.end, OP.end);
  // the remaining rows one by one
  op(OP.block, VOID, OP.loop, VOID);
  get(L.r); get(P.n); op(OP.i32GeS, OP.brIf, 1);
  get(P.rows); get(L.r); get(P.stride); op(OP.i32Mul, OP.i32Add); set(laneB(0));
  get(L.root); set(laneN(0));
  walk([[laneN(0), laneB(0)]]);
  get(P.out); get(L.r); i32(rowOut); op(OP.i32Mul, OP.i32Add); get(L.cls); op(OP.i32Add); set(L.o);
  accumulate(laneN(0), 0);
  get(L.r); i32(1); op(OP.i32Add); set(L.r);
  op(OP.br, 0, OP.end, OP.end);
  get(L.t); i32(1); op(OP.i32Add); set(L.t);
  op(OP.br, 0, OP.end, OP.end);
  op(OP.end); // function
  return c;
}

/**
 * The staging function: copies n rows × nf values from `src` (value (r, f) at src + r·rowStride + f·colStride, so
 * row-major rows and column blocks both fit) into the kernel's row block at `dst` — each row's values with
 * LightGBM's input rule (|v| ≤ 1e-35 reads as +0), then their negations, then NaN (the leaves' slot). In JavaScript this loop cost ~0.7 µs a row,
 * as much as 50 trees.
 */
function stageBody(zeroThreshold: number): number[] {
  const S = { src: 0, rowStride: 1, colStride: 2, dst: 3, n: 4, nf: 5, r: 6, f: 7, s: 8, d: 9, neg: 10, v: 11 } as const;
  const { c, get, set, i32, f64, op } = emitter();
  // neg = nf · 8 (offset of the negated half of a staged row)
  get(S.nf); i32(3); op(OP.i32Shl); set(S.neg);
  i32(0); set(S.r);
  op(OP.block, VOID, OP.loop, VOID);
  get(S.r); get(S.n); op(OP.i32GeS, OP.brIf, 1);
  get(S.src); get(S.r); get(S.rowStride); op(OP.i32Mul, OP.i32Add); set(S.s);
  get(S.dst); get(S.r); get(S.neg); i32(1); op(OP.i32Shl); i32(8); op(OP.i32Add, OP.i32Mul, OP.i32Add); set(S.d);
  // the leaves' slot after the negations: NaN, so that "NaN > t" keeps a lane on its leaf
  get(S.d); get(S.neg); i32(1); op(OP.i32Shl, OP.i32Add); f64(NaN); op(OP.f64Store, 3, 0);
  i32(0); set(S.f);
  op(OP.block, VOID, OP.loop, VOID);
  get(S.f); get(S.nf); op(OP.i32GeS, OP.brIf, 1);
  // v = |v| <= zeroThreshold ? 0 : v
  f64(0);
  get(S.s); op(OP.f64Load, 3, 0); op(OP.tee, S.v);
  get(S.v); op(OP.f64Abs); f64(zeroThreshold); op(OP.f64Le);
  op(OP.select); set(S.v);
  get(S.d); get(S.v); op(OP.f64Store, 3, 0);
  get(S.d); get(S.neg); op(OP.i32Add); get(S.v); op(OP.f64Neg); op(OP.f64Store, 3, 0);
  get(S.s); get(S.colStride); op(OP.i32Add); set(S.s);
  get(S.d); i32(8); op(OP.i32Add); set(S.d);
  get(S.f); i32(1); op(OP.i32Add); set(S.f);
  op(OP.br, 0, OP.end, OP.end);
  get(S.r); i32(1); op(OP.i32Add); set(S.r);
  op(OP.br, 0, OP.end, OP.end);
  op(OP.end);
  return c;
}

const STAGE_PARAMS = 6;

/** The module's bytes: exports `mem` (initially `pages` 64 KiB pages), `score` and `stage`. */
export function kernelModuleBytes(pages: number, numClass: number, zeroThreshold: number, lanes = DEFAULT_LANES): Uint8Array<ArrayBuffer> {
  const numLocals = FIRST_LANE_LOCAL - NUM_PARAMS + 2 * lanes;
  return moduleBytes({
    types: [[new Array(NUM_PARAMS).fill(I32), []], [new Array(STAGE_PARAMS).fill(I32), []]],
    functions: [
      { type: 0, locals: [[numLocals, I32]], body: body(lanes, 8 * numClass), export: 'score' },
      { type: 1, locals: [[5, I32], [1, F64]], body: stageBody(zeroThreshold), export: 'stage' },
    ],
    pages,
  });
}

export interface WasmKernel {
  memory: WasmMemory;
  score: (rows: number, n: number, stride: number, trees: number, numTrees: number, out: number) => void;
  stage: (src: number, rowStride: number, colStride: number, dst: number, n: number, nf: number) => void;
}

/**
 * Rows walked together through a tree. Each lane is an independent chain of dependent loads; eight keep enough of
 * them in flight (measured: 8 lanes ~1.5× the rows/s of 4; 12 and 16 no better).
 */
export const DEFAULT_LANES = 8;

/** `zeroThreshold`: LightGBM's kZeroThreshold as a double (values with |v| at or below it stage as 0). */
export function instantiateKernel(bytes: number, numClass: number, zeroThreshold: number, lanes = DEFAULT_LANES): WasmKernel {
  const pages = Math.ceil(bytes / 65536) + 1;
  if (!wasmGlobal) throw new Error('WebAssembly is not available');
  const exports = instantiate(kernelModuleBytes(pages, numClass, zeroThreshold, lanes));
  return { memory: exports.mem as WasmMemory, score: exports.score as WasmKernel['score'], stage: exports.stage as WasmKernel['stage'] };
}
