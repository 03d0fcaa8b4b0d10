// Decodes record objects (a parsed JSON message, a CSV line split into fields, a protobuf S1Record) into an S1
// batch. Type dispatch happens once per column; each column is then parsed over all rows into the builder's typed
// arrays. Rows that fail validation are compacted out afterwards and returned as dead letters with their reason.
import type { RecordBatch } from 'apache-arrow';
import { S1_COLUMNS, type ColumnSpec } from '../../schema/record.js';
import { S1BatchBuilder } from '../../schema/s1-batch-builder.js';
import type { DeadLetter } from '../dead-letters.js';

/** Values as they arrive: JSON scalars, CSV text, or protobuf values (int64 as decimal strings). */
export type RecordObject = Readonly<Record<string, unknown>>;

export interface DecodedObjects {
  /** Good rows in input order; null when no row was good. */
  batch: RecordBatch | null;
  /** Input row index (0-based) of each good row, in batch order. */
  rowIndex: Int32Array;
  deadLetters: DeadLetter[];
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Columns holding fixed-width digit strings (DESIGN.md §3). */
const FIFTEEN_DIGITS = new Set(['imsi', 'imei']);
const TIME_COLUMNS = new Set(['start_time', 'end_time']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

/**
 * `describe(row)` gives the raw text of an input row for a dead letter (the Kafka message value, the CSV line);
 * `rowNumber(row)` the number reported in the letter (1-based by default, per dead-letters.ts).
 */
export function decodeRecordObjects(
  objects: readonly RecordObject[],
  source: string,
  describe: (row: number) => string = (row) => safeJson(objects[row]),
  rowNumber: (row: number) => number = (row) => row + 1,
): DecodedObjects {
  const n = objects.length;
  const b = new S1BatchBuilder(Math.max(1, n));
  const reasons: (string | null)[] = new Array(n).fill(null);
  const strings: Array<Array<string | null>> = [];

  for (const spec of S1_COLUMNS) {
    switch (spec.kind) {
      case 'int32':
        parseInt32Column(spec, objects, b.int32(spec.name), b.valid(spec.name), reasons);
        break;
      case 'int64':
        parseInt64Column(spec, objects, b.int64(spec.name), b.valid(spec.name), reasons);
        break;
      case 'enum':
        parseEnumColumn(spec, objects, b.enumCodes(spec.name), reasons);
        break;
      case 'utf8':
        strings.push(parseUtf8Column(spec, objects, reasons));
        break;
    }
  }

  const keep = new Int32Array(n);
  let good = 0;
  for (let r = 0; r < n; r++) if (reasons[r] === null) keep[good++] = r;
  if (good < n) {
    // Compact numeric columns in place (good <= r, so forward copying is safe).
    for (const spec of S1_COLUMNS) {
      if (spec.kind === 'utf8') continue;
      const arrays: Array<Int32Array | Float64Array | Uint8Array | Int8Array> =
        spec.kind === 'enum'
          ? [b.enumCodes(spec.name)]
          : [spec.kind === 'int32' ? b.int32(spec.name) : b.int64(spec.name), b.valid(spec.name)];
      for (const a of arrays) for (let i = 0; i < good; i++) a[i] = a[keep[i]];
    }
  }
  let u = 0;
  for (const spec of S1_COLUMNS) {
    if (spec.kind !== 'utf8') continue;
    const col = b.utf8(spec.name);
    const values = strings[u++];
    for (let i = 0; i < good; i++) col.set(i, values[keep[i]]);
  }
  b.length = good;

  const deadLetters: DeadLetter[] = [];
  for (let r = 0; r < n; r++) {
    const reason = reasons[r];
    if (reason !== null) deadLetters.push({ source, row: rowNumber(r), reason, raw: describe(r) });
  }
  return { batch: good > 0 ? b.finish() : null, rowIndex: keep.subarray(0, good), deadLetters };
}

function fail(reasons: (string | null)[], row: number, reason: string): void {
  if (reasons[row] === null) reasons[row] = reason;
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function missing(spec: ColumnSpec, reasons: (string | null)[], row: number): void {
  if (!spec.nullable) fail(reasons, row, `missing ${spec.name}: required column is absent or empty`);
}

function parseInt32Column(
  spec: ColumnSpec,
  objects: readonly RecordObject[],
  values: Int32Array,
  valid: Uint8Array,
  reasons: (string | null)[],
): void {
  const name = spec.name;
  for (let r = 0; r < objects.length; r++) {
    const v = objects[r][name];
    if (isAbsent(v)) {
      valid[r] = 0;
      missing(spec, reasons, r);
      continue;
    }
    const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) {
      valid[r] = 0;
      fail(reasons, r, `invalid ${name}: ${short(v)} is not a 32-bit integer`);
      continue;
    }
    values[r] = x;
    valid[r] = 1;
  }
}

function parseInt64Column(
  spec: ColumnSpec,
  objects: readonly RecordObject[],
  values: Float64Array,
  valid: Uint8Array,
  reasons: (string | null)[],
): void {
  const name = spec.name;
  const isTime = TIME_COLUMNS.has(name);
  for (let r = 0; r < objects.length; r++) {
    const v = objects[r][name];
    if (isAbsent(v)) {
      valid[r] = 0;
      missing(spec, reasons, r);
      continue;
    }
    let x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (Number.isNaN(x) && isTime && typeof v === 'string' && ISO_DATE.test(v)) x = Date.parse(v);
    if (!Number.isSafeInteger(x)) {
      valid[r] = 0;
      fail(reasons, r, `invalid ${name}: ${short(v)} is not an integer${isTime ? ' (epoch ms) or ISO-8601 time' : ''}`);
      continue;
    }
    values[r] = x;
    valid[r] = 1;
  }
}

function parseEnumColumn(
  spec: ColumnSpec,
  objects: readonly RecordObject[],
  codes: Int8Array,
  reasons: (string | null)[],
): void {
  const name = spec.name;
  const vocab = spec.vocabulary ?? [];
  const lookup = new Map<string, number>(vocab.map((w, i) => [w, i]));
  if (name === 'interface') {
    // DESIGN.md §3: numeric 1 and 2 are accepted for s1mme / s1u.
    lookup.set('1', 0);
    lookup.set('2', 1);
  }
  for (let r = 0; r < objects.length; r++) {
    const v = objects[r][name];
    if (isAbsent(v)) {
      codes[r] = -1;
      missing(spec, reasons, r);
      continue;
    }
    const code = lookup.get(typeof v === 'string' ? v : String(v));
    if (code === undefined) {
      codes[r] = -1;
      fail(reasons, r, `invalid ${name}: ${short(v)} is not one of ${vocab.join(', ')}`);
      continue;
    }
    codes[r] = code;
  }
}

function parseUtf8Column(spec: ColumnSpec, objects: readonly RecordObject[], reasons: (string | null)[]): Array<string | null> {
  const name = spec.name;
  const digits = FIFTEEN_DIGITS.has(name);
  const out: Array<string | null> = new Array(objects.length);
  for (let r = 0; r < objects.length; r++) {
    const v = objects[r][name];
    if (isAbsent(v)) {
      out[r] = null;
      missing(spec, reasons, r);
      continue;
    }
    const s = typeof v === 'string' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : null;
    if (s === null) {
      out[r] = null;
      fail(reasons, r, `invalid ${name}: ${short(v)} is not text`);
      continue;
    }
    if (digits && !isFifteenDigits(s)) {
      out[r] = null;
      fail(reasons, r, `invalid ${name}: ${short(v)} is not 15 digits`);
      continue;
    }
    out[r] = s;
  }
  return out;
}

function isFifteenDigits(s: string): boolean {
  if (s.length !== 15) return false;
  for (let i = 0; i < 15; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : safeJson(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
