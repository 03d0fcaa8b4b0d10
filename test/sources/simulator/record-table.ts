// Test helper: all records of a simulated window as flat typed arrays (one pass, no per-record objects).
import type { RecordBatch } from 'apache-arrow';
import { enumColumn, int32Column, int64Column, utf8Column, digitsAt, type NumericColumn } from '../../../src/schema/columns.js';
import { APP_TYPES, PROCEDURE_TYPES, S1AP_CAUSE_GROUPS } from '../../../src/schema/record.js';

export interface RecordTable {
  n: number;
  batches: number;
  time: Float64Array;
  dur: Float64Array;
  eci: Float64Array;
  otherEci: Float64Array;
  imsi: Float64Array;
  msisdn: Float64Array;
  imei: Float64Array;
  s1u: Uint8Array;
  proc: Int8Array;
  status: Int32Array;
  emm: Int32Array;
  esm: Int32Array;
  group: Int8Array;
  s1ap: Int32Array;
  mme: Int32Array;
  ims: Uint8Array;
  qci: Int32Array;
  app: Int8Array;
  dns: Int32Array; // −1 = null
  dlPk: Int32Array;
  dlRe: Int32Array;
  synAck: Int32Array; // −1 = null
  ack: Int32Array;
  dlBytes: Float64Array;
  keyword: Int32Array;
  xdr: string[];
}

export const PROC = Object.fromEntries(PROCEDURE_TYPES.map((p, i) => [p, i])) as Record<(typeof PROCEDURE_TYPES)[number], number>;
export const GRP = Object.fromEntries(S1AP_CAUSE_GROUPS.map((p, i) => [p, i])) as Record<(typeof S1AP_CAUSE_GROUPS)[number], number>;
export const APPC = Object.fromEntries(APP_TYPES.map((p, i) => [p, i])) as Record<(typeof APP_TYPES)[number], number>;

const orNull = (c: NumericColumn, i: number) => (c.valid && !c.valid[i] ? -1 : c.values[i]);

export function collect(batches: Iterable<RecordBatch>, keepXdr = false): RecordTable {
  const list = [...batches];
  const n = list.reduce((s, b) => s + b.numRows, 0);
  const t: RecordTable = {
    n,
    batches: list.length,
    time: new Float64Array(n),
    dur: new Float64Array(n),
    eci: new Float64Array(n),
    otherEci: new Float64Array(n),
    imsi: new Float64Array(n),
    msisdn: new Float64Array(n),
    imei: new Float64Array(n),
    s1u: new Uint8Array(n),
    proc: new Int8Array(n),
    status: new Int32Array(n),
    emm: new Int32Array(n),
    esm: new Int32Array(n),
    group: new Int8Array(n),
    s1ap: new Int32Array(n),
    mme: new Int32Array(n),
    ims: new Uint8Array(n),
    qci: new Int32Array(n),
    app: new Int8Array(n),
    dns: new Int32Array(n),
    dlPk: new Int32Array(n),
    dlRe: new Int32Array(n),
    synAck: new Int32Array(n),
    ack: new Int32Array(n),
    dlBytes: new Float64Array(n),
    keyword: new Int32Array(n),
    xdr: [],
  };
  let off = 0;
  for (const b of list) {
    const st = int64Column(b, 'start_time').values;
    const en = int64Column(b, 'end_time').values;
    const eci = int64Column(b, 'eci').values;
    const other = int64Column(b, 'other_eci');
    const imsi = utf8Column(b, 'imsi');
    const msisdn = utf8Column(b, 'msisdn');
    const imei = utf8Column(b, 'imei');
    const iface = enumColumn(b, 'interface');
    const proc = enumColumn(b, 'procedure_type');
    const status = int32Column(b, 'procedure_status');
    const emm = int32Column(b, 'emm_cause');
    const esm = int32Column(b, 'esm_cause');
    const group = enumColumn(b, 's1ap_cause_group');
    const s1ap = int32Column(b, 's1ap_cause');
    const mme = int32Column(b, 'mme_code');
    const apn = utf8Column(b, 'apn');
    const qci = int32Column(b, 'bearer_qci');
    const app = enumColumn(b, 'app_type');
    const dns = int32Column(b, 'dns_rcode');
    const dlPk = int32Column(b, 'dl_packets');
    const dlRe = int32Column(b, 'dl_retrans_packets');
    const synAck = int32Column(b, 'tcp_syn_ack_delay_ms');
    const ack = int32Column(b, 'tcp_ack_delay_ms');
    const dlBytes = int64Column(b, 'dl_bytes');
    const keyword = int32Column(b, 'keyword');
    const xdr = keepXdr ? b.getChild('xdr_id')!.toArray() : null;
    for (let i = 0; i < b.numRows; i++) {
      const k = off + i;
      t.time[k] = st[i];
      t.dur[k] = en[i] - st[i];
      t.eci[k] = eci[i];
      t.otherEci[k] = orNull(other, i);
      t.imsi[k] = digitsAt(imsi, i);
      t.msisdn[k] = digitsAt(msisdn, i);
      t.imei[k] = digitsAt(imei, i);
      t.s1u[k] = iface[i];
      t.proc[k] = proc[i];
      t.status[k] = orNull(status, i);
      t.emm[k] = orNull(emm, i);
      t.esm[k] = orNull(esm, i);
      t.group[k] = group[i];
      t.s1ap[k] = orNull(s1ap, i);
      t.mme[k] = orNull(mme, i);
      t.ims[k] = apn.bytes[apn.offsets[i]] === 105 ? 1 : 0; // 'i' of ims
      t.qci[k] = orNull(qci, i);
      t.app[k] = app[i];
      t.dns[k] = orNull(dns, i);
      t.dlPk[k] = orNull(dlPk, i);
      t.dlRe[k] = orNull(dlRe, i);
      t.synAck[k] = orNull(synAck, i);
      t.ack[k] = orNull(ack, i);
      t.dlBytes[k] = orNull(dlBytes, i);
      t.keyword[k] = orNull(keyword, i);
      if (xdr) t.xdr.push(xdr[i] as string);
    }
    off += b.numRows;
  }
  return t;
}

/** Count of rows matching `pred`. */
export function count(t: RecordTable, pred: (i: number) => boolean): number {
  let c = 0;
  for (let i = 0; i < t.n; i++) if (pred(i)) c++;
  return c;
}

/** Ratio of rows matching `num` among rows matching `den` (NaN when none match). */
export function ratio(t: RecordTable, den: (i: number) => boolean, num: (i: number) => boolean): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < t.n; i++) {
    if (!den(i)) continue;
    d++;
    if (num(i)) m++;
  }
  return d === 0 ? NaN : m / d;
}

/** Mean of `value` over rows matching `pred`. */
export function mean(t: RecordTable, pred: (i: number) => boolean, value: (i: number) => number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < t.n; i++) {
    if (!pred(i)) continue;
    s += value(i);
    c++;
  }
  return c === 0 ? NaN : s / c;
}
