// The little WebAssembly assembler the hand-written kernels share (the scorer's and TreeSHAP's kernels here, the
// feature engine's in src/features): opcodes, LEB128, an emitter for function bodies and the module layout. No
// toolchain: each kernel is emitted from TypeScript at run time, specialised to its model or spec.

// The project compiles without the DOM lib, where the WebAssembly namespace is declared: the little we use.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmGlobal {
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
export const wasmGlobal = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;

export function wasmAvailable(): boolean {
  return wasmGlobal !== undefined;
}

/** Value types, and the empty block type. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const VOID = 0x40;

export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, ret: 0x0f,
  select: 0x1b, get: 0x20, set: 0x21, tee: 0x22,
  i32Load: 0x28, i64Load: 0x29, f64Load: 0x2b, i32Load8S: 0x2c, i32Load8U: 0x2d, i32Load16S: 0x2e,
  i32Store: 0x36, i64Store: 0x37, f64Store: 0x39, i32Store8: 0x3a, i32Store16: 0x3b,
  i32Const: 0x41, i64Const: 0x42, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32LeS: 0x4c,
  i32GeS: 0x4e, i32GeU: 0x4f,
  i64LtS: 0x53, i64GeS: 0x59,
  f64Eq: 0x61, f64Ne: 0x62, f64Lt: 0x63, f64Gt: 0x64, f64Le: 0x65, f64Ge: 0x66,
  i32Ctz: 0x68, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivS: 0x6d, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73,
  i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76,
  i64Add: 0x7c, i64Mul: 0x7e,
  f64Abs: 0x99, f64Neg: 0x9a, f64Floor: 0x9c, f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2, f64Div: 0xa3,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
  f64ConvertI32S: 0xb7, f64ConvertI32U: 0xb8, f64ConvertI64S: 0xb9,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
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

export const f64Bytes = (v: number): number[] => Array.from(new Uint8Array(Float64Array.of(v).buffer));

export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

export function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

/** A function body under construction: `c` is its code; the methods append instructions. Loads and stores take
 *  a constant byte offset (the kernels bake layouts in as offsets). */
export function emitter() {
  const c: number[] = [];
  const op = (...ops: number[]) => {
    c.push(...ops);
  };
  const e = {
    c,
    op,
    get: (i: number) => op(OP.get, ...uleb(i)),
    set: (i: number) => op(OP.set, ...uleb(i)),
    tee: (i: number) => op(OP.tee, ...uleb(i)),
    i32: (v: number) => op(OP.i32Const, ...sleb(v)),
    f64: (v: number) => op(OP.f64Const, ...f64Bytes(v)),
    ld8u: (offset = 0) => op(OP.i32Load8U, 0, ...uleb(offset)),
    ld8s: (offset = 0) => op(OP.i32Load8S, 0, ...uleb(offset)),
    ld16: (offset = 0) => op(OP.i32Load16S, 1, ...uleb(offset)),
    ld32: (offset = 0) => op(OP.i32Load, 2, ...uleb(offset)),
    ld64: (offset = 0) => op(OP.i64Load, 3, ...uleb(offset)),
    ldf: (offset = 0) => op(OP.f64Load, 3, ...uleb(offset)),
    st16: (offset = 0) => op(OP.i32Store16, 1, ...uleb(offset)),
    st32: (offset = 0) => op(OP.i32Store, 2, ...uleb(offset)),
    stf: (offset = 0) => op(OP.f64Store, 3, ...uleb(offset)),
    /** while (v < end) { body; v++ } (signed) — v set by the caller */
    whileLess: (v: number, end: () => void, body: () => void) => {
      op(OP.block, VOID, OP.loop, VOID);
      e.get(v); end(); op(OP.i32GeS, OP.brIf, 1);
      body();
      e.get(v); e.i32(1); op(OP.i32Add); e.set(v);
      op(OP.br, 0, OP.end, OP.end);
    },
    /** for (v = 0; v < end; v++) body */
    forUp: (v: number, end: () => void, body: () => void) => {
      e.i32(0); e.set(v);
      e.whileLess(v, end, body);
    },
  };
  return e;
}
export type Emitter = ReturnType<typeof emitter>;

export interface WasmFunction {
  /** Index into the module's types. */
  type: number;
  /** Local declarations after the parameters: [count, value type] groups. */
  locals: [number, number][];
  /** The body's code, ending with `end`. */
  body: number[];
  /** Exported under this name. */
  export: string;
}

/** A module of `functions` (types: [parameters, results]) and one exported memory `mem` of `pages` 64 KiB pages,
 *  growing up to `maxPages` if given. */
export function moduleBytes(m: {
  types: [number[], number[]][];
  functions: WasmFunction[];
  pages: number;
  maxPages?: number;
}): Uint8Array<ArrayBuffer> {
  const types = m.types.flatMap(([params, results]) => [0x60, params.length, ...params, results.length, ...results]);
  const exports = m.functions.flatMap((f, i) => [...name(f.export), 0x00, ...uleb(i)]);
  const code = m.functions.flatMap((f) => {
    const fn = [...uleb(f.locals.length), ...f.locals.flatMap(([count, type]) => [...uleb(count), type]), ...f.body];
    return [...uleb(fn.length), ...fn];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(m.types.length), ...types]),
    ...section(3, [...uleb(m.functions.length), ...m.functions.map((f) => f.type)]),
    ...section(5, m.maxPages === undefined ? [1, 0x00, ...uleb(m.pages)] : [1, 0x01, ...uleb(m.pages), ...uleb(m.maxPages)]),
    ...section(7, [...uleb(m.functions.length + 1), ...name('mem'), 0x02, 0, ...exports]),
    ...section(10, [...uleb(m.functions.length), ...code]),
  ]);
}

/** Compiles and instantiates a module (no imports). */
export function instantiate(bytes: Uint8Array<ArrayBuffer>): Record<string, unknown> {
  if (!wasmGlobal) throw new Error('WebAssembly is not available');
  return new wasmGlobal.Instance(new wasmGlobal.Module(bytes), {}).exports;
}
