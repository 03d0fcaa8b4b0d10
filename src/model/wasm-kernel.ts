// The native scorer's lockstep kernel as a small WebAssembly function, assembled here from opcodes (no toolchain
// needed). Same algorithm as NativeScorer.scoreSimpleTree — rows walk each tree in lockstep (8 lanes), a fixed number of
// branch-free steps "child = nodes[q + 4 + 4·(v > t)]" — but WebAssembly drops the per-access bounds checks and
// boxed-number paths of JavaScript typed arrays, which is most of the instructions in the JavaScript version.
//
// Memory layout (byte offsets chosen by the caller): nodes (16 bytes each: value byte offset in a staged row,
// left, right, unused), thresholds (f64 per node), leaf values (f64 per node), tree table (12 bytes per tree:
// root, depth, class), the staged row block (f64) and the output block (f64, numClass per row).

// The project compiles without the DOM lib, where the WebAssembly namespace is declared: the little we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmGlobal {
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmGlobal = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;

export function wasmAvailable(): boolean {
  return wasmGlobal !== undefined;
}

const I32 = 0x7f;
const OP = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  get: 0x20, set: 0x21,
  i32Const: 0x41, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74, i32Eqz: 0x45, i32GeS: 0x4e, i32GtS: 0x4a,
  i32Load: 0x28, f64Load: 0x2b, f64Store: 0x39, f64Gt: 0x64, f64Add: 0xa0,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

// Parameters
const P = { rows: 0, n: 1, stride: 2, trees: 3, numTrees: 4, nodes: 5, thr: 6, val: 7, out: 8, rowOut: 9 } as const;
// Locals after the parameters; then one (b, n) pair per lane: row base address and current node.
const L = { t: 10, root: 11, depth: 12, cls: 13, r: 14, d: 15, q: 16, o: 17 } as const;
const FIRST_LANE_LOCAL = 18;
const NUM_PARAMS = 10;
const laneB = (k: number) => FIRST_LANE_LOCAL + 2 * k;
const laneN = (k: number) => FIRST_LANE_LOCAL + 2 * k + 1;

function body(lanes: number): number[] {
  const c: number[] = [];
  const get = (i: number) => c.push(OP.get, i);
  const set = (i: number) => c.push(OP.set, i);
  const i32 = (v: number) => c.push(OP.i32Const, ...sleb(v));
  const op = (...ops: number[]) => c.push(...ops);
  const load32 = (offset: number) => c.push(OP.i32Load, 2, ...uleb(offset));
  const loadF64 = (offset: number) => c.push(OP.f64Load, 3, ...uleb(offset));
  const storeF64 = (offset: number) => c.push(OP.f64Store, 3, ...uleb(offset));

  // one branch-free step of row k: q = nodes + (n << 4); n = load32(q + 4 + ((rows[b + load32(q)] > thr[n]) << 2))
  const step = (n: number, b: number) => {
    get(P.nodes); get(n); i32(4); op(OP.i32Shl, OP.i32Add); set(L.q);
    get(L.q);
    get(b); get(L.q); load32(0); op(OP.i32Add); loadF64(0);
    get(P.thr); get(n); i32(3); op(OP.i32Shl, OP.i32Add); loadF64(0);
    op(OP.f64Gt); i32(2); op(OP.i32Shl, OP.i32Add);
    load32(4);
    set(n);
  };
  // d = depth; while (d != 0) { steps; d-- }
  const walk = (pairs: [number, number][]) => {
    get(L.depth); set(L.d);
    op(OP.block, 0x40, OP.loop, 0x40);
    get(L.d); op(OP.i32Eqz, OP.brIf, 1);
    for (const [n, b] of pairs) step(n, b);
    get(L.d); i32(1); op(OP.i32Sub); set(L.d);
    op(OP.br, 0, OP.end, OP.end);
  };
  // out[o] += val[n]; o += rowOut
  const accumulate = (n: number) => {
    get(L.o); get(L.o); loadF64(0);
    get(P.val); get(n); i32(3); op(OP.i32Shl, OP.i32Add); loadF64(0);
    op(OP.f64Add); storeF64(0);
    get(L.o); get(P.rowOut); op(OP.i32Add); set(L.o);
  };

  i32(0); set(L.t);
  op(OP.block, 0x40, OP.loop, 0x40); // trees
  get(L.t); get(P.numTrees); op(OP.i32GeS, OP.brIf, 1);
  get(P.trees); get(L.t); i32(12); op(OP.i32Mul, OP.i32Add); set(L.q);
  get(L.q); load32(0); set(L.root);
  get(L.q); load32(4); set(L.depth);
  get(L.q); load32(8); i32(3); op(OP.i32Shl); set(L.cls);
  i32(0); set(L.r);
  // `lanes` rows at a time
  op(OP.block, 0x40, OP.loop, 0x40);
  get(L.r); i32(lanes); op(OP.i32Add); get(P.n); op(OP.i32GtS, OP.brIf, 1);
  get(P.rows); get(L.r); get(P.stride); op(OP.i32Mul, OP.i32Add); set(laneB(0));
  for (let k = 1; k < lanes; k++) {
    get(laneB(k - 1)); get(P.stride); op(OP.i32Add); set(laneB(k));
  }
  for (let k = 0; k < lanes; k++) {
    get(L.root); set(laneN(k));
  }
  walk(Array.from({ length: lanes }, (_, k) => [laneN(k), laneB(k)] as [number, number]));
  get(P.out); get(L.r); get(P.rowOut); op(OP.i32Mul, OP.i32Add); get(L.cls); op(OP.i32Add); set(L.o);
  for (let k = 0; k < lanes; k++) accumulate(laneN(k));
  get(L.r); i32(lanes); op(OP.i32Add); set(L.r);
  op(OP.br, 0, OP.end, OP.end);
  // the remaining rows one by one
  op(OP.block, 0x40, OP.loop, 0x40);
  get(L.r); get(P.n); op(OP.i32GeS, OP.brIf, 1);
  get(P.rows); get(L.r); get(P.stride); op(OP.i32Mul, OP.i32Add); set(laneB(0));
  get(L.root); set(laneN(0));
  walk([[laneN(0), laneB(0)]]);
  get(P.out); get(L.r); get(P.rowOut); op(OP.i32Mul, OP.i32Add); get(L.cls); op(OP.i32Add); set(L.o);
  accumulate(laneN(0));
  get(L.r); i32(1); op(OP.i32Add); set(L.r);
  op(OP.br, 0, OP.end, OP.end);
  get(L.t); i32(1); op(OP.i32Add); set(L.t);
  op(OP.br, 0, OP.end, OP.end);
  op(OP.end); // function
  return c;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

/** The module's bytes: exports `mem` (initially `pages` 64 KiB pages) and `score`. */
export function kernelModuleBytes(pages: number, lanes = DEFAULT_LANES): Uint8Array<ArrayBuffer> {
  const type = [1, 0x60, NUM_PARAMS, ...new Array(NUM_PARAMS).fill(I32), 0];
  const func = [1, 0];
  const memory = [1, 0x00, ...uleb(pages)];
  const exports = [2, ...name('mem'), 0x02, 0, ...name('score'), 0x00, 0];
  const code = body(lanes);
  const numLocals = FIRST_LANE_LOCAL - NUM_PARAMS + 2 * lanes;
  const fn = [1, ...uleb(numLocals), I32, ...code]; // one local group of i32
  const codeSection = [1, ...uleb(fn.length), ...fn];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type),
    ...section(3, func),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, codeSection),
  ]);
}

export interface WasmKernel {
  memory: WasmMemory;
  score: (rows: number, n: number, stride: number, trees: number, numTrees: number, nodes: number, thr: number, val: number, out: number, rowOut: number) => void;
}

/**
 * Rows walked together through a tree. Each lane is an independent chain of dependent loads; eight keep enough of
 * them in flight (measured: 8 lanes ~1.5× the rows/s of 4; 12 and 16 no better).
 */
export const DEFAULT_LANES = 8;

export function instantiateKernel(bytes: number, lanes = DEFAULT_LANES): WasmKernel {
  const pages = Math.ceil(bytes / 65536) + 1;
  if (!wasmGlobal) throw new Error('WebAssembly is not available');
  const module = new wasmGlobal.Module(kernelModuleBytes(pages, lanes));
  const instance = new wasmGlobal.Instance(module, {});
  return { memory: instance.exports.mem as WasmMemory, score: instance.exports.score as WasmKernel['score'] };
}
