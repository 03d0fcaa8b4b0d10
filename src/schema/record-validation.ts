// Row validation of the S1 record, shared by every decoder (CSV bytes, JSON objects, foreign Arrow/Parquet
// columns, the future Kafka and gRPC ingest). A decoder fills one RowStage per row from its own representation
// (byte ranges, strings, typed-array values), then `check()` applies the rules once, in one place, and
// `commit()` writes the row into an S1BatchBuilder. Staging first matters: the builder's UTF-8 columns are
// append-only, so a row must be known good before any of it is written.
import { z } from 'zod';
import {
  S1_COLUMNS,
  S1_COLUMN_INDEX,
  REQUIRED_COLUMNS,
  type ColumnKind,
} from './record.js';
import { S1BatchBuilder, type Utf8ColumnBuilder } from './s1-batch-builder.js';
import { PROCEDURE_STATUS_NAMES } from './codes.js';
import { DEFAULT_VENDOR_CODES, unmappedReason, type VendorCodeMap, type VendorMappedColumn } from './vendor-codes.js';

export const NUM_COLUMNS = S1_COLUMNS.length;
const idx = (name: string): number => S1_COLUMN_INDEX.get(name)!;

/** Column positions used by the rules (S1_COLUMNS order). */
export const COL = {
  xdr_id: idx('xdr_id'),
  interface: idx('interface'),
  imsi: idx('imsi'),
  msisdn: idx('msisdn'),
  imei: idx('imei'),
  start_time: idx('start_time'),
  end_time: idx('end_time'),
  procedure_type: idx('procedure_type'),
  procedure_status: idx('procedure_status'),
  s1ap_cause_group: idx('s1ap_cause_group'),
  app_type: idx('app_type'),
} as const;

/** Column kinds as small ints for switch-free dispatch in decoders. */
export const KIND_UTF8 = 0;
export const KIND_ENUM = 1;
export const KIND_INT32 = 2;
export const KIND_INT64 = 3;
const kindCode: Record<ColumnKind, number> = { utf8: KIND_UTF8, enum: KIND_ENUM, int32: KIND_INT32, int64: KIND_INT64 };
export const COLUMN_KIND: Uint8Array = Uint8Array.from(S1_COLUMNS.map((c) => kindCode[c.kind]));
export const IS_TIME_COLUMN: Uint8Array = Uint8Array.from(S1_COLUMNS.map((c) => (c.name.endsWith('_time') ? 1 : 0)));

const INT32_MAX = 2 ** 31 - 1;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const ECI_MAX = 2 ** 28 - 1;

/**
 * Inclusive value ranges of the integer columns. 3GPP cause values fit in a byte; status-like columns are
 * small enums; counters and delays are non-negative; int64 columns stay exact in a float64 (< 2^53).
 */
export const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  start_time: [0, SAFE_MAX],
  end_time: [0, SAFE_MAX],
  tac: [0, 0xffff],
  eci: [0, ECI_MAX],
  other_eci: [0, ECI_MAX],
  mme_code: [0, 255],
  procedure_status: [0, 3],
  request_cause: [0, 255],
  keyword: [0, INT32_MAX],
  emm_cause: [0, 255],
  esm_cause: [0, 255],
  s1ap_cause: [0, 255],
  bearer_qci: [0, 255],
  bearer_status: [0, 1],
  l4_protocol: [0, 1],
  ul_bytes: [0, SAFE_MAX],
  dl_bytes: [0, SAFE_MAX],
  ul_packets: [0, INT32_MAX],
  dl_packets: [0, INT32_MAX],
  ul_retrans_packets: [0, INT32_MAX],
  dl_retrans_packets: [0, INT32_MAX],
  tcp_syn_ack_delay_ms: [0, INT32_MAX],
  tcp_ack_delay_ms: [0, INT32_MAX],
  tcp_syn_attempts: [0, INT32_MAX],
  tcp_conn_status: [0, 1],
  first_response_delay_ms: [0, INT32_MAX],
  http_status: [0, 999],
  dns_rcode: [0, 4095],
};

const RANGE_MIN = new Float64Array(NUM_COLUMNS);
const RANGE_MAX = new Float64Array(NUM_COLUMNS);
S1_COLUMNS.forEach((c, i) => {
  const r = INT_RANGES[c.name];
  RANGE_MIN[i] = r ? r[0] : -Infinity;
  RANGE_MAX[i] = r ? r[1] : Infinity;
});
const REQUIRED_INDEX = Int32Array.from(REQUIRED_COLUMNS.map(idx));
const NUMERIC_COLUMNS = Int32Array.from(S1_COLUMNS.flatMap((c, i) => (c.kind === 'int32' || c.kind === 'int64' ? [i] : [])));

/** Enum column position → its vendor-mapped column name (app_type has no vendor codes). */
const VENDOR_ENUM: ReadonlyMap<number, VendorMappedColumn> = new Map([
  [COL.interface, 'interface'],
  [COL.procedure_type, 'procedure_type'],
  [COL.s1ap_cause_group, 's1ap_cause_group'],
]);

/** name → code per enum column, for string input. */
const ENUM_CODES: ReadonlyMap<number, ReadonlyMap<string, number>> = new Map(
  S1_COLUMNS.flatMap((c, i) => (c.vocabulary ? [[i, new Map(c.vocabulary.map((v, k) => [v, k]))] as const] : [])),
);

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date-time to epoch ms (fractions below 1 ms are truncated). A time without an offset is
 * taken as UTC, so files decode the same on every machine. Returns NaN when the text is not ISO-8601.
 */
export function parseIsoTime(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return NaN;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const h = m[4] ? +m[4] : 0;
  const mi = m[5] ? +m[5] : 0;
  const s = m[6] ? +m[6] : 0;
  const ms = m[7] ? +(m[7] + '00').slice(0, 3) : 0;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(t).getUTCDate() !== d) return NaN; // 31 April and the like
  let offsetMin = 0;
  const tz = m[8];
  if (tz && tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMin = sign * (+digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0));
  }
  return t - offsetMin * 60_000;
}

/** Parses a time given as text: epoch milliseconds (digits) or ISO-8601. NaN when neither. */
export function parseTimeText(text: string): number {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  return parseIsoTime(text);
}

const quote = (s: string): string => `'${s.length > 64 ? s.slice(0, 64) + '…' : s}'`;

/**
 * One row being decoded. Values live in flat arrays indexed by column position: numbers and enum codes in
 * `num`, UTF-8 text either as a byte range of a source buffer or as a JS string.
 */
export class RowStage {
  readonly num = new Float64Array(NUM_COLUMNS);
  readonly present = new Uint8Array(NUM_COLUMNS);
  readonly bytes: (Uint8Array | null)[] = new Array(NUM_COLUMNS).fill(null);
  readonly byteStart = new Int32Array(NUM_COLUMNS);
  readonly byteEnd = new Int32Array(NUM_COLUMNS);
  readonly text: (string | null)[] = new Array(NUM_COLUMNS).fill(null);
  /** The first problem found while filling, kept as the row's dead-letter reason. */
  error: string | null = null;
  readonly vendor: VendorCodeMap;
  private readonly statusIdentity: boolean;

  constructor(vendor: VendorCodeMap = DEFAULT_VENDOR_CODES) {
    this.vendor = vendor;
    this.statusIdentity = vendor.statusIsIdentity;
  }

  reset(): void {
    this.present.fill(0);
    this.error = null;
  }

  fail(reason: string): void {
    this.error ??= reason;
  }

  /** An integer column value (range checked in `check`). */
  setNumber(col: number, v: number): void {
    if (col === COL.procedure_status && !this.statusIdentity) {
      const mapped = this.vendor.lookup('procedure_status', v);
      if (mapped < 0) {
        this.fail(unmappedReason('procedure_status', v, this.vendor));
        return;
      }
      v = mapped;
    }
    this.num[col] = v;
    this.present[col] = 1;
  }

  /** An enum column given by hotspot's vocabulary code. */
  setEnumCode(col: number, code: number): void {
    this.num[col] = code;
    this.present[col] = 1;
  }

  /** An enum column given as a vendor numeric code (mapped through the vendor code map). */
  setEnumVendorCode(col: number, vendorCode: number): void {
    const mapped = VENDOR_ENUM.get(col);
    if (mapped === undefined) {
      this.fail(`invalid ${S1_COLUMNS[col].name}: ${vendorCode} is not one of ${S1_COLUMNS[col].vocabulary!.join(', ')}`);
      return;
    }
    const code = this.vendor.lookup(mapped, vendorCode);
    if (code < 0) this.fail(unmappedReason(mapped, vendorCode, this.vendor));
    else this.setEnumCode(col, code);
  }

  /** An enum column given by name; a digit string is a vendor code. */
  setEnumName(col: number, name: string): void {
    const code = ENUM_CODES.get(col)!.get(name);
    if (code !== undefined) this.setEnumCode(col, code);
    else if (/^-?\d+$/.test(name)) this.setEnumVendorCode(col, Number(name));
    else this.fail(`invalid ${S1_COLUMNS[col].name}: ${quote(name)} is not one of ${S1_COLUMNS[col].vocabulary!.join(', ')}`);
  }

  /** An integer column given as text: digits, an ISO time for time columns, a status name. */
  setNumberText(col: number, t: string): void {
    if (/^[-+]?\d+$/.test(t)) {
      this.setNumber(col, Number(t));
    } else if (IS_TIME_COLUMN[col]) {
      const ms = parseIsoTime(t);
      if (Number.isNaN(ms)) this.fail(`invalid ${S1_COLUMNS[col].name}: ${quote(t)} is neither epoch ms nor ISO-8601`);
      else this.setNumber(col, ms);
    } else if (col === COL.procedure_status && PROCEDURE_STATUS_NAMES.includes(t)) {
      this.num[col] = PROCEDURE_STATUS_NAMES.indexOf(t);
      this.present[col] = 1;
    } else {
      this.fail(`invalid ${S1_COLUMNS[col].name}: ${quote(t)} is not an integer`);
    }
  }

  setBytes(col: number, src: Uint8Array, start: number, end: number): void {
    this.bytes[col] = src;
    this.byteStart[col] = start;
    this.byteEnd[col] = end;
    this.text[col] = null;
    this.present[col] = 1;
  }

  setText(col: number, s: string): void {
    this.text[col] = s;
    this.bytes[col] = null;
    this.present[col] = 1;
  }

  /** The UTF-8 value of a text column as a JS string (for messages and slow paths). */
  textOf(col: number): string {
    const t = this.text[col];
    if (t !== null) return t;
    return utf8Decoder.decode(this.bytes[col]!.subarray(this.byteStart[col], this.byteEnd[col]));
  }

  private isDigits(col: number, n: number): boolean {
    const t = this.text[col];
    if (t !== null) {
      if (t.length !== n) return false;
      for (let i = 0; i < n; i++) {
        const c = t.charCodeAt(i);
        if (c < 48 || c > 57) return false;
      }
      return true;
    }
    const b = this.bytes[col]!;
    const s = this.byteStart[col];
    if (this.byteEnd[col] - s !== n) return false;
    for (let i = s; i < s + n; i++) if (b[i] < 48 || b[i] > 57) return false;
    return true;
  }

  private isEmptyText(col: number): boolean {
    const t = this.text[col];
    return t !== null ? t.length === 0 : this.byteEnd[col] === this.byteStart[col];
  }

  /** Applies the record rules; returns the dead-letter reason, or null when the row is good. */
  check(): string | null {
    if (this.error !== null) return this.error;
    const p = this.present;
    for (let k = 0; k < REQUIRED_INDEX.length; k++) {
      const c = REQUIRED_INDEX[k];
      if (!p[c]) return `missing ${S1_COLUMNS[c].name}: required value is null or empty`;
    }
    if (this.isEmptyText(COL.xdr_id)) return 'missing xdr_id: required value is null or empty';
    if (!this.isDigits(COL.imsi, 15)) return `invalid imsi: ${quote(this.textOf(COL.imsi))} is not 15 digits`;
    if (p[COL.imei] && !this.isDigits(COL.imei, 15)) return `invalid imei: ${quote(this.textOf(COL.imei))} is not 15 digits`;
    const num = this.num;
    for (let k = 0; k < NUMERIC_COLUMNS.length; k++) {
      const c = NUMERIC_COLUMNS[k];
      if (!p[c]) continue;
      const v = num[c];
      if (!(v >= RANGE_MIN[c] && v <= RANGE_MAX[c])) {
        return `invalid ${S1_COLUMNS[c].name}: ${v} is out of range [${RANGE_MIN[c]}, ${RANGE_MAX[c]}]`;
      }
      if (v !== Math.floor(v)) return `invalid ${S1_COLUMNS[c].name}: ${v} is not an integer`;
    }
    if (p[COL.end_time] && num[COL.end_time] < num[COL.start_time]) {
      return `invalid time order: end_time ${num[COL.end_time]} is before start_time ${num[COL.start_time]}`;
    }
    return null;
  }

  /** Writes the (checked) row as row `row` of the builder target. */
  commit(t: BuilderTarget, row: number): void {
    const p = this.present;
    const num = this.num;
    // One loop per column kind keeps each loop's array stores monomorphic.
    for (let k = 0; k < INT32_COLUMNS.length; k++) {
      const c = INT32_COLUMNS[k];
      t.int32[k][row] = num[c];
      t.int32Valid[k][row] = p[c];
    }
    for (let k = 0; k < INT64_COLUMNS.length; k++) {
      const c = INT64_COLUMNS[k];
      t.int64[k][row] = num[c];
      t.int64Valid[k][row] = p[c];
    }
    for (let k = 0; k < ENUM_COLUMNS.length; k++) {
      const c = ENUM_COLUMNS[k];
      t.enumCodes[k][row] = p[c] ? num[c] : -1;
    }
    for (let k = 0; k < UTF8_COLUMNS.length; k++) {
      const c = UTF8_COLUMNS[k];
      const u = t.text[k];
      if (!p[c]) u.set(row, null);
      else if (this.text[c] !== null) u.set(row, this.text[c]);
      else u.setBytes(row, this.bytes[c]!, this.byteStart[c], this.byteEnd[c]);
    }
  }
}

const columnsOfKind = (kind: number) => Int32Array.from(S1_COLUMNS.flatMap((_c, i) => (COLUMN_KIND[i] === kind ? [i] : [])));
const INT32_COLUMNS = columnsOfKind(KIND_INT32);
const INT64_COLUMNS = columnsOfKind(KIND_INT64);
const ENUM_COLUMNS = columnsOfKind(KIND_ENUM);
const UTF8_COLUMNS = columnsOfKind(KIND_UTF8);

const utf8Decoder = new TextDecoder();

/** The builder's arrays looked up once per batch, grouped by column kind (in S1_COLUMNS order per kind). */
export class BuilderTarget {
  readonly builder: S1BatchBuilder;
  readonly int32: Int32Array[];
  readonly int32Valid: Uint8Array[];
  readonly int64: Float64Array[];
  readonly int64Valid: Uint8Array[];
  readonly enumCodes: Int8Array[];
  readonly text: Utf8ColumnBuilder[];

  constructor(capacity: number) {
    const b = (this.builder = new S1BatchBuilder(capacity));
    const name = (c: number) => S1_COLUMNS[c].name;
    this.int32 = [...INT32_COLUMNS].map((c) => b.int32(name(c)));
    this.int32Valid = [...INT32_COLUMNS].map((c) => b.valid(name(c)));
    this.int64 = [...INT64_COLUMNS].map((c) => b.int64(name(c)));
    this.int64Valid = [...INT64_COLUMNS].map((c) => b.valid(name(c)));
    this.enumCodes = [...ENUM_COLUMNS].map((c) => b.enumCodes(name(c)));
    this.text = [...UTF8_COLUMNS].map((c) => b.utf8(name(c)));
  }
}

// ---------------------------------------------------------------------------------------------------------
// zod at the object boundary (JSON lines, gRPC/Kafka JSON payloads): the JSON value types per column. The
// semantic rules (digits, ranges, time order, vocabularies) are RowStage.check's, shared with every decoder.

const textValue = z.union([z.string(), z.number()]).nullish();
const intValue = z.union([z.number(), z.string()]).nullish();
const enumValue = z.union([z.string(), z.number().int()]).nullish();

/** Shape of one S1 record as a JSON object; unknown keys pass through (reported, then ignored). */
export const S1JsonRecordSchema = z.looseObject(
  Object.fromEntries(
    S1_COLUMNS.map((c) => [c.name, c.kind === 'utf8' ? textValue : c.kind === 'enum' ? enumValue : intValue]),
  ),
);

/** Fills a stage from a JSON object already checked by S1JsonRecordSchema. */
export function stageJsonRecord(stage: RowStage, obj: Record<string, unknown>): void {
  stage.reset();
  for (let c = 0; c < NUM_COLUMNS; c++) {
    const v = obj[S1_COLUMNS[c].name];
    if (v === null || v === undefined) continue;
    switch (COLUMN_KIND[c]) {
      case KIND_UTF8:
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v) || v < 0) stage.fail(`invalid ${S1_COLUMNS[c].name}: ${v} is not a digit string`);
          else stage.setText(c, String(v));
        } else stage.setText(c, v as string); // "" stays an empty string, distinct from null
        break;
      case KIND_ENUM:
        if (typeof v === 'number') stage.setEnumVendorCode(c, v);
        else stage.setEnumName(c, v as string);
        break;
      default:
        if (typeof v === 'number') stage.setNumber(c, v);
        else if ((v as string).length > 0) stage.setNumberText(c, v as string);
    }
  }
}

const EXPECTED_JSON: Record<ColumnKind, string> = {
  utf8: 'a string',
  enum: 'a name or a numeric vendor code',
  int32: 'an integer (or a numeric string)',
  int64: 'an integer (or a numeric or ISO-8601 string)',
};

/** The dead-letter reason for an object S1JsonRecordSchema rejected: the column, what it needs, what it got. */
export function zodReason(error: z.ZodError, obj?: Record<string, unknown>): string {
  const issue = error.issues[0];
  const col = issue.path[0];
  if (col === undefined) return `invalid record: ${issue.message}`;
  const i = S1_COLUMN_INDEX.get(String(col));
  if (i === undefined || obj === undefined) return `invalid ${String(col)}: ${issue.message}`;
  const v = obj[String(col)];
  const got = Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
  return `invalid ${String(col)}: expected ${EXPECTED_JSON[S1_COLUMNS[i].kind]}, got ${got}`;
}
