// S1 batches → CSV / JSON Lines bytes, written straight from typed column views into a reusable byte buffer.
// Times and int64 values are written as integers (epoch ms), so the text formats round-trip losslessly.
import type { RecordBatch } from 'apache-arrow';
import { S1_COLUMNS } from '../../schema/record.js';
import { enumColumn, int32Column, int64Column, utf8Column, type NumericColumn, type Utf8Column } from '../../schema/columns.js';
import { COLUMN_KIND, KIND_ENUM, KIND_INT32, KIND_UTF8 } from '../../schema/record-validation.js';

const enc = new TextEncoder();
const ENUM_NAMES: (Uint8Array[] | null)[] = S1_COLUMNS.map((c) => (c.vocabulary ? c.vocabulary.map((v) => enc.encode(v)) : null));
const JSON_KEYS: Uint8Array[] = S1_COLUMNS.map((c) => enc.encode(`"${c.name}":`));
export const CSV_HEADER: Uint8Array = enc.encode(S1_COLUMNS.map((c) => c.name).join(',') + '\n');
const HEX = enc.encode('0123456789abcdef');

type ColumnView =
  | { kind: 0; col: Utf8Column }
  | { kind: 1; codes: Int8Array }
  | { kind: 2 | 3; col: NumericColumn };

function viewsOf(batch: RecordBatch): ColumnView[] {
  return S1_COLUMNS.map((c, i) => {
    switch (COLUMN_KIND[i]) {
      case KIND_UTF8:
        return { kind: 0, col: utf8Column(batch, c.name) };
      case KIND_ENUM:
        return { kind: 1, codes: enumColumn(batch, c.name) };
      case KIND_INT32:
        return { kind: 2, col: int32Column(batch, c.name) };
      default:
        return { kind: 3, col: int64Column(batch, c.name) };
    }
  });
}

/** A growable output buffer; `bytes()` is valid until the next `reset()`. */
export class ByteBuffer {
  buf = new Uint8Array(1 << 20);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

const POW10 = Float64Array.from({ length: 17 }, (_, i) => 10 ** i);

/** Writes an integer-valued number (|v| < 2^53) in decimal; returns the new position. */
function putInt(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0) {
    buf[pos++] = 45;
    v = -v;
  }
  if (v < 10) {
    buf[pos++] = 48 + v;
    return pos;
  }
  let len = 1;
  while (len < 16 && v >= POW10[len]) len++;
  if (v < 2147483648) {
    for (let i = pos + len - 1; i >= pos; i--) {
      const q = (v / 10) | 0;
      buf[i] = 48 + v - q * 10;
      v = q;
    }
  } else {
    for (let i = pos + len - 1; i >= pos; i--) {
      const q = Math.floor(v / 10);
      buf[i] = 48 + (v - q * 10);
      v = q;
    }
  }
  return pos + len;
}

/** Upper bound of the encoded size of a batch: numbers and enum names ≤ 32 bytes, text at most doubled + 2. */
function maxBatchBytes(views: ColumnView[], n: number, perKey = 0): number {
  let bytes = n * (32 + perKey) * views.length + 16;
  for (const v of views) if (v.kind === 0) bytes += 6 * (v.col.offsets[n] - v.col.offsets[0]) + 2 * n;
  return bytes;
}

/** Appends the rows of an S1 batch as CSV lines (no header). */
export function encodeCsvRows(batch: RecordBatch, out: ByteBuffer): void {
  const views = viewsOf(batch);
  const n = batch.numRows;
  const nc = views.length;
  out.ensure(maxBatchBytes(views, n));
  const buf = out.buf;
  let p = out.pos;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < nc; c++) {
      if (c > 0) buf[p++] = 44;
      const v = views[c];
      if (v.kind === 0) {
        const col = v.col;
        if (col.valid && !col.valid[r]) continue;
        const s = col.offsets[r];
        const e = col.offsets[r + 1];
        const bytes = col.bytes;
        let needsQuotes = s === e; // "" keeps an empty string distinct from null
        for (let i = s; i < e && !needsQuotes; i++) {
          const b = bytes[i];
          if (b === 44 || b === 34 || b === 10 || b === 13) needsQuotes = true;
        }
        if (!needsQuotes) {
          for (let i = s; i < e; i++) buf[p++] = bytes[i];
        } else {
          buf[p++] = 34;
          for (let i = s; i < e; i++) {
            if (bytes[i] === 34) buf[p++] = 34;
            buf[p++] = bytes[i];
          }
          buf[p++] = 34;
        }
      } else if (v.kind === 1) {
        const code = v.codes[r];
        if (code < 0) continue;
        const name = ENUM_NAMES[c]![code];
        for (let i = 0; i < name.length; i++) buf[p++] = name[i];
      } else {
        const col = v.col;
        if (col.valid && !col.valid[r]) continue;
        p = putInt(buf, p, col.values[r]);
      }
    }
    buf[p++] = 10;
  }
  out.pos = p;
}

/** Appends the rows of an S1 batch as JSON Lines; null values are left out of the object. */
export function encodeJsonlRows(batch: RecordBatch, out: ByteBuffer): void {
  const views = viewsOf(batch);
  const n = batch.numRows;
  const nc = views.length;
  out.ensure(maxBatchBytes(views, n, 32));
  const buf = out.buf;
  let p = out.pos;
  for (let r = 0; r < n; r++) {
    buf[p++] = 123; // {
    let first = true;
    for (let c = 0; c < nc; c++) {
      const v = views[c];
      if (v.kind === 0 ? v.col.valid && !v.col.valid[r] : v.kind === 1 ? v.codes[r] < 0 : v.col.valid && !v.col.valid[r]) continue;
      if (!first) buf[p++] = 44;
      first = false;
      const key = JSON_KEYS[c];
      for (let i = 0; i < key.length; i++) buf[p++] = key[i];
      if (v.kind === 0) {
        const { offsets, bytes } = v.col;
        buf[p++] = 34;
        for (let i = offsets[r]; i < offsets[r + 1]; i++) {
          const b = bytes[i];
          if (b === 34 || b === 92) {
            buf[p++] = 92;
            buf[p++] = b;
          } else if (b < 0x20) {
            buf[p++] = 92;
            buf[p++] = 117; // \u00XX
            buf[p++] = 48;
            buf[p++] = 48;
            buf[p++] = HEX[b >> 4];
            buf[p++] = HEX[b & 15];
          } else buf[p++] = b; // UTF-8 passes through: valid JSON text
        }
        buf[p++] = 34;
      } else if (v.kind === 1) {
        const name = ENUM_NAMES[c]![v.codes[r]];
        buf[p++] = 34;
        for (let i = 0; i < name.length; i++) buf[p++] = name[i];
        buf[p++] = 34;
      } else {
        p = putInt(buf, p, v.col.values[r]);
      }
    }
    buf[p++] = 125; // }
    buf[p++] = 10;
  }
  out.pos = p;
}
