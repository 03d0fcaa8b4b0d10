// Binary snapshot container for the feature engine: a magic tag, a JSON header (scalars and the array
// directory), then the raw typed-array bytes, each aligned to 8 bytes. Little-endian, like every platform Node
// runs on; the magic tag carries a format version so an old checkpoint is refused, not misread.
import { z } from 'zod';

// 02: open windows hold their encoded records (not accumulator rows); a 01 checkpoint is refused.
const MAGIC = 'HSFEAT02';

export interface SnapshotParts {
  header: Record<string, unknown>;
  arrays: Record<string, Float64Array | Int32Array | Int16Array>;
}

const Directory = z.array(z.strictObject({ name: z.string(), type: z.enum(['f64', 'i32', 'i16']), length: z.number().int().nonnegative() }));
const Envelope = z.strictObject({ header: z.record(z.string(), z.unknown()), directory: Directory });

const align8 = (n: number) => (n + 7) & ~7;

export function encodeSnapshot(parts: SnapshotParts): Uint8Array {
  const directory = Object.entries(parts.arrays).map(([name, a]) => ({
    name,
    type: a instanceof Float64Array ? ('f64' as const) : a instanceof Int32Array ? ('i32' as const) : ('i16' as const),
    length: a.length,
  }));
  // Infinity and NaN are not JSON: encode numbers that are not finite as strings.
  const json = JSON.stringify({ header: parts.header, directory }, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? `#num:${v}` : v,
  );
  const headerBytes = new TextEncoder().encode(json);
  let size = align8(MAGIC.length + 4 + headerBytes.length);
  for (const a of Object.values(parts.arrays)) size += align8(a.byteLength);
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  let pos = align8(MAGIC.length + 4 + headerBytes.length);
  for (const a of Object.values(parts.arrays)) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), pos);
    pos += align8(a.byteLength);
  }
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): SnapshotParts {
  const fail = (why: string): never => {
    throw new Error(`invalid feature-engine snapshot: ${why}`);
  };
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    fail(`missing '${MAGIC}' tag`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > bytes.length) fail('header runs past the end');
  let envelope: z.infer<typeof Envelope>;
  try {
    const raw = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)), (_k, v) =>
      typeof v === 'string' && v.startsWith('#num:') ? Number(v.slice(5)) : v,
    );
    envelope = Envelope.parse(raw);
  } catch (err) {
    return fail(`bad header: ${(err as Error).message}`);
  }
  const arrays: SnapshotParts['arrays'] = {};
  let pos = align8(MAGIC.length + 4 + headerLength);
  for (const d of envelope.directory) {
    const width = d.type === 'f64' ? 8 : d.type === 'i32' ? 4 : 2;
    const byteLength = d.length * width;
    if (pos + byteLength > bytes.length) fail(`array '${d.name}' runs past the end`);
    // Copy into a fresh buffer: the input may not be 8-byte aligned. Uint8Array's slice, not Buffer's (a view).
    const copy = Uint8Array.prototype.slice.call(bytes, pos, pos + byteLength);
    arrays[d.name] =
      d.type === 'f64'
        ? new Float64Array(copy.buffer, 0, d.length)
        : d.type === 'i32'
          ? new Int32Array(copy.buffer, 0, d.length)
          : new Int16Array(copy.buffer, 0, d.length);
    pos += align8(byteLength);
  }
  return { header: envelope.header, arrays };
}
