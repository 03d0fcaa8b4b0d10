// Test data for the feature engine: random but realistic S1 records from a seeded generator, kept as plain column
// arrays so tests can cut them into batches in any order and also hand the very same rows to DuckDB.
import type { RecordBatch } from 'apache-arrow';
import { S1BatchBuilder } from '../../src/schema/s1-batch-builder.js';
import { PROCEDURE_TYPES, S1AP_CAUSE_GROUPS, APP_TYPES } from '../../src/schema/record.js';
import { buildTopology, type Cell, type Topology } from '../../src/schema/side-files.js';
import { mulberry32 as rng } from '../support/mulberry32.js';

export { mulberry32 as rng } from '../support/mulberry32.js';

export const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

/** Records as columns; null is encoded as NaN for numbers and -1 for enum codes. */
export interface Records {
  n: number;
  imsi: number[];
  msisdn: string[];
  start: number[];
  end: number[];
  eci: number[];
  iface: number[]; // 0 s1mme, 1 s1u
  proc: number[];
  status: number[];
  requestCause: number[];
  emm: number[];
  esm: number[];
  s1apGroup: number[];
  s1apCause: number[];
  qci: number[];
  bearerStatus: number[];
  mme: number[];
  app: number[];
  l4: number[];
  ulBytes: number[];
  dlBytes: number[];
  ulPackets: number[];
  dlPackets: number[];
  ulRetrans: number[];
  dlRetrans: number[];
  synAck: number[];
  ack: number[];
  synAttempts: number[];
  tcpStatus: number[];
  firstResp: number[];
  http: number[];
  dns: number[];
}

export function makeTopology(cells = 24): Topology {
  const list: Cell[] = [];
  for (let k = 0; k < cells; k++) {
    const enb = 1000 + Math.floor(k / 3);
    list.push({ eci: enb * 256 + (k % 3), enbId: enb, tac: 100, cellName: `c${k}`, region: `region-${k % 4}`, lat: 0, lon: 0 });
  }
  return buildTopology(list);
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** `n` records for `users` users over `hours` hours starting at T0, sorted by start_time. */
export function makeRecords(n: number, users: number, hours: number, seed = 1, topology = makeTopology()): Records {
  const r = rng(seed);
  const cols: Records = {
    n,
    imsi: [], msisdn: [], start: [], end: [], eci: [], iface: [], proc: [], status: [], requestCause: [], emm: [], esm: [],
    s1apGroup: [], s1apCause: [], qci: [], bearerStatus: [], mme: [], app: [], l4: [], ulBytes: [], dlBytes: [],
    ulPackets: [], dlPackets: [], ulRetrans: [], dlRetrans: [], synAck: [], ack: [], synAttempts: [], tcpStatus: [],
    firstResp: [], http: [], dns: [],
  };
  const eciPool = [...topology.cells.map((c) => c.eci), 999_999]; // one cell missing from the topology
  const starts: number[] = [];
  for (let i = 0; i < n; i++) starts.push(T0 + Math.floor(r() * hours * 3_600_000));
  starts.sort((a, b) => a - b);
  for (let i = 0; i < n; i++) {
    const u = Math.floor(r() * users);
    const mme = r() < 0.5;
    const t = starts[i];
    cols.imsi.push(460_000_000_000_000 + u * 7919);
    // A few users change msisdn mid-stream (records carry the latest).
    cols.msisdn.push(String(13_800_000_000 + u + (r() < 0.02 ? 500_000 : 0)));
    cols.start.push(t);
    cols.end.push(r() < 0.05 ? NaN : t + Math.floor(r() * (mme ? 800 : 60_000)));
    cols.eci.push(r() < 0.03 ? NaN : eciPool[(u + (r() < 0.3 ? Math.floor(r() * 12) : 0)) % eciPool.length]);
    cols.iface.push(mme ? 0 : 1);
    const N = NaN;
    if (mme) {
      const p = Math.floor(r() * PROCEDURE_TYPES.length);
      cols.proc.push(p);
      cols.status.push(r() < 0.8 ? 0 : r() < 0.97 ? Math.floor(r() * 4) : 7);
      cols.requestCause.push(Math.floor(r() * 7));
      cols.emm.push(r() < 0.8 ? 0 : pick(r, [3, 7, 15, 19, 22, 111, 200]));
      cols.esm.push(r() < 0.85 ? 0 : pick(r, [26, 27, 31, 36, 99]));
      const hasCause = r() < 0.4;
      cols.s1apGroup.push(hasCause ? Math.floor(r() * S1AP_CAUSE_GROUPS.length) : -1);
      cols.s1apCause.push(hasCause ? (r() < 0.02 ? 300 : Math.floor(r() * 30)) : N);
      cols.qci.push(r() < 0.5 ? pick(r, [1, 5, 8, 9]) : N);
      cols.bearerStatus.push(r() < 0.3 ? (r() < 0.9 ? 0 : 1) : N);
      cols.mme.push(1 + Math.floor(r() * 4));
      for (const k of ['app', 'l4', 'ulBytes', 'dlBytes', 'ulPackets', 'dlPackets', 'ulRetrans', 'dlRetrans', 'synAck', 'ack', 'synAttempts', 'tcpStatus', 'firstResp', 'http', 'dns'] as const)
        (cols[k] as number[]).push(k === 'app' ? -1 : N);
    } else {
      for (const k of ['proc', 's1apGroup'] as const) cols[k].push(-1);
      for (const k of ['status', 'requestCause', 'emm', 'esm', 's1apCause', 'bearerStatus', 'mme'] as const) cols[k].push(N);
      cols.qci.push(r() < 0.7 ? 9 : N);
      const app = Math.floor(r() * APP_TYPES.length);
      const isDns = APP_TYPES[app] === 'dns';
      const tcp = !isDns && r() < 0.9;
      cols.app.push(app);
      cols.l4.push(tcp ? 0 : 1);
      cols.ulBytes.push(Math.floor(r() * 200_000));
      cols.dlBytes.push(Math.floor(r() * 5_000_000));
      const ulp = Math.floor(r() * 500);
      const dlp = Math.floor(r() * 4000);
      cols.ulPackets.push(ulp);
      cols.dlPackets.push(dlp);
      cols.ulRetrans.push(Math.floor(r() * ulp * 0.05));
      cols.dlRetrans.push(Math.floor(r() * dlp * 0.05));
      cols.synAck.push(tcp ? Math.floor(r() * 300) : N);
      cols.ack.push(tcp ? Math.floor(r() * 200) : N);
      cols.synAttempts.push(tcp ? 1 + Math.floor(r() * 3) : N);
      cols.tcpStatus.push(tcp ? (r() < 0.93 ? 0 : 1) : N);
      cols.firstResp.push(r() < 0.8 ? Math.floor(r() * 2000) : N);
      const http = APP_TYPES[app] === 'http' || APP_TYPES[app] === 'https';
      cols.http.push(http ? pick(r, [200, 200, 200, 204, 301, 404, 500, 503, 0, 101]) : N);
      cols.dns.push(isDns && r() < 0.9 ? pick(r, [0, 0, 0, 0, 2, 3, 5, 1]) : N);
    }
  }
  return cols;
}

const INT32_FIELDS: [keyof Records, string][] = [
  ['status', 'procedure_status'], ['requestCause', 'request_cause'], ['emm', 'emm_cause'], ['esm', 'esm_cause'],
  ['s1apCause', 's1ap_cause'], ['qci', 'bearer_qci'], ['bearerStatus', 'bearer_status'], ['mme', 'mme_code'],
  ['l4', 'l4_protocol'], ['ulPackets', 'ul_packets'], ['dlPackets', 'dl_packets'], ['ulRetrans', 'ul_retrans_packets'],
  ['dlRetrans', 'dl_retrans_packets'], ['synAck', 'tcp_syn_ack_delay_ms'], ['ack', 'tcp_ack_delay_ms'],
  ['synAttempts', 'tcp_syn_attempts'], ['tcpStatus', 'tcp_conn_status'], ['firstResp', 'first_response_delay_ms'],
  ['http', 'http_status'], ['dns', 'dns_rcode'],
];
const INT64_FIELDS: [keyof Records, string][] = [
  ['start', 'start_time'], ['end', 'end_time'], ['eci', 'eci'], ['ulBytes', 'ul_bytes'], ['dlBytes', 'dl_bytes'],
];
const ENUM_FIELDS: [keyof Records, string][] = [
  ['iface', 'interface'], ['proc', 'procedure_type'], ['s1apGroup', 's1ap_cause_group'], ['app', 'app_type'],
];

/** A batch of the records at `rows` (in that order). */
export function toBatch(rec: Records, rows: readonly number[], imsiOverride?: (row: number) => string | null): RecordBatch {
  const b = new S1BatchBuilder(Math.max(1, rows.length));
  rows.forEach((i, k) => {
    b.utf8('xdr_id').set(k, `x${i}`);
    b.utf8('imsi').set(k, imsiOverride ? imsiOverride(i) : String(rec.imsi[i]));
    b.utf8('msisdn').set(k, rec.msisdn[i]);
    for (const [f, name] of [...INT32_FIELDS, ...INT64_FIELDS]) {
      const v = (rec[f] as number[])[i];
      if (Number.isNaN(v)) continue;
      if (INT32_FIELDS.some(([g]) => g === f)) b.int32(name)[k] = v;
      else b.int64(name)[k] = v;
      b.valid(name)[k] = 1;
    }
    for (const [f, name] of ENUM_FIELDS) b.enumCodes(name)[k] = (rec[f] as number[])[i];
  });
  b.length = rows.length;
  return b.finish();
}

/** The records as CSV with DESIGN.md §3 column names (enum values as text), for DuckDB's read_csv. */
export function toCsv(rec: Records): string {
  const enumVocab: Record<string, readonly string[]> = {
    interface: ['s1mme', 's1u'],
    procedure_type: PROCEDURE_TYPES,
    s1ap_cause_group: S1AP_CAUSE_GROUPS,
    app_type: APP_TYPES,
  };
  const fields = [...INT32_FIELDS, ...INT64_FIELDS, ...ENUM_FIELDS];
  const header = ['imsi', 'msisdn', ...fields.map(([, n]) => n)];
  const lines = [header.join(',')];
  for (let i = 0; i < rec.n; i++) {
    const vals = [String(rec.imsi[i]), rec.msisdn[i]];
    for (const [f, name] of fields) {
      const v = (rec[f] as number[])[i];
      if (name in enumVocab) vals.push(v < 0 ? '' : enumVocab[name][v]);
      else vals.push(Number.isNaN(v) ? '' : String(v));
    }
    lines.push(vals.join(','));
  }
  return lines.join('\n') + '\n';
}
