// Feature-engine benchmark: N synthetic S1 records (default 10 million) for U distinct users (default 1 million)
// through the default spec (features/s1-v1.json), on one core. Prints records/s of FeatureEngine.push/flush, the
// bytes of engine state per user, and — same run, same data — DuckDB's time for the equivalent statistical
// GROUP BY (the spec's one-hot counts, statistics and ratios per user and window, generated from the spec by
// test/features/spec-sql.ts; differential features are not in the SQL) over the records in a DuckDB table,
// at threads=1 and at DuckDB's default thread count, plus the ratios.
//
// Data (seeded, in event-time order over H hours): 55% S1-MME procedures (13 types, 8% failures, cause codes),
// 45% S1-U sessions (apps, bytes, packets, retransmissions, TCP delays, HTTP status, DNS rcode). Users are drawn
// uniformly, so each 15-minute window holds about N/(4H) records of ~U·(1 − e^(−N/(4HU))) users.
// Only push()/flush() are timed for hotspot: batch generation is outside the clock. For DuckDB only the GROUP BY
// query is timed (the table is loaded from a Parquet file of the same batches before the clock starts).
//
// Every window is handed back to the engine once counted (FeatureEngine.recycle), as a consumer that is done with
// a window should (the streaming engine does, one window later): later windows then reuse its column buffers
// instead of fresh memory. --no-recycle drops windows instead (every window's columns are fresh memory).
//
// --kernel js runs the close-time aggregation as the JavaScript loop instead of the WebAssembly kernel (the default).
// usage: node dist/bench/features.js [--records N] [--users U] [--hours H] [--batch B] [--no-recycle] [--no-duckdb] [--kernel wasm|js]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { FeatureEngine, compileSpec, loadFeatureSpec } from '../src/features/index.js';
import { S1BatchBuilder } from '../src/schema/s1-batch-builder.js';
import { buildTopology, type Cell } from '../src/schema/side-files.js';
import { openRecordWriter } from '../src/sources/files/index.js';
import { featureAggregatesSql } from '../test/features/spec-sql.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    users: { type: 'string', default: '1000000' },
    hours: { type: 'string', default: '0.5' },
    batch: { type: 'string', default: '65536' },
    'no-duckdb': { type: 'boolean', default: false },
    'no-recycle': { type: 'boolean', default: false },
    kernel: { type: 'string', default: 'wasm' },
  },
});
const N = Number(args.records);
const U = Number(args.users);
const HOURS = Number(args.hours);
const BATCH = Number(args.batch);
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const CELLS = 3000;

/** xorshift32: fast and seedable; the generator must not dominate the run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const cells: Cell[] = Array.from({ length: CELLS }, (_, k) => {
  const enb = 10_000 + Math.floor(k / 3);
  return { eci: enb * 256 + (k % 3), enbId: enb, tac: 1 + (k % 50), cellName: `c${k}`, region: `r${k % 40}`, lat: 0, lon: 0 };
});
const topology = buildTopology(cells);

/** Batch `b` of the stream (records `b*BATCH` … in time order). */
function makeBatch(b: number, r: () => number): RecordBatch {
  const n = Math.min(BATCH, N - b * BATCH);
  const bb = new S1BatchBuilder(n);
  const imsi = bb.utf8('imsi');
  const msisdn = bb.utf8('msisdn');
  const xdr = bb.utf8('xdr_id');
  const start = bb.int64('start_time');
  const end = bb.int64('end_time');
  const eci = bb.int64('eci');
  const iface = bb.enumCodes('interface');
  const proc = bb.enumCodes('procedure_type');
  const group = bb.enumCodes('s1ap_cause_group');
  const app = bb.enumCodes('app_type');
  const i32 = (name: string) => ({ v: bb.int32(name), ok: bb.valid(name) });
  const status = i32('procedure_status');
  const rrc = i32('request_cause');
  const emm = i32('emm_cause');
  const esm = i32('esm_cause');
  const cause = i32('s1ap_cause');
  const qci = i32('bearer_qci');
  const bearer = i32('bearer_status');
  const mme = i32('mme_code');
  const l4 = i32('l4_protocol');
  const ulp = i32('ul_packets');
  const dlp = i32('dl_packets');
  const ulr = i32('ul_retrans_packets');
  const dlr = i32('dl_retrans_packets');
  const synAck = i32('tcp_syn_ack_delay_ms');
  const ack = i32('tcp_ack_delay_ms');
  const syns = i32('tcp_syn_attempts');
  const tcp = i32('tcp_conn_status');
  const first = i32('first_response_delay_ms');
  const http = i32('http_status');
  const dns = i32('dns_rcode');
  const ulb = bb.int64('ul_bytes');
  const dlb = bb.int64('dl_bytes');
  const endOk = bb.valid('end_time');
  const eciOk = bb.valid('eci');
  const ulbOk = bb.valid('ul_bytes');
  const dlbOk = bb.valid('dl_bytes');
  const span = HOURS * 3_600_000;
  const set = (c: { v: Int32Array; ok: Uint8Array }, i: number, v: number) => {
    c.v[i] = v;
    c.ok[i] = 1;
  };
  for (let i = 0; i < n; i++) {
    const g = b * BATCH + i;
    const u = Math.floor(r() * U);
    const t = T0 + Math.floor((g / N) * span);
    xdr.setDigits(i, g, 12);
    imsi.setDigits(i, 460_000_000_000_000 + u, 15);
    msisdn.setDigits(i, 13_800_000_000 + u, 11);
    start[i] = t;
    eci[i] = cells[(u * 7 + (r() < 0.2 ? Math.floor(r() * 6) : 0)) % CELLS].eci;
    eciOk[i] = 1;
    if (r() < 0.55) {
      iface[i] = 0;
      const p = Math.floor(r() * 13);
      proc[i] = p;
      end[i] = t + Math.floor(r() * 500);
      endOk[i] = 1;
      const fail = r() < 0.08;
      set(status, i, fail ? 1 + Math.floor(r() * 3) : 0);
      set(rrc, i, Math.floor(r() * 7));
      set(emm, i, fail && r() < 0.5 ? [3, 7, 15, 17, 19, 22][Math.floor(r() * 6)] : 0);
      set(esm, i, fail && r() < 0.3 ? [26, 27, 31, 38][Math.floor(r() * 4)] : 0);
      if (p === 9 || p === 8) {
        group[i] = r() < 0.9 ? 0 : Math.floor(r() * 5);
        set(cause, i, r() < 0.97 ? 20 : 21);
      }
      set(mme, i, 1 + (u % 8));
      if (p === 7 || p === 6) {
        set(qci, i, r() < 0.2 ? 1 : 9);
        set(bearer, i, fail ? 1 : 0);
      }
    } else {
      iface[i] = 1;
      const a = Math.floor(r() * 7);
      app[i] = a;
      end[i] = t + Math.floor(r() * 30_000);
      endOk[i] = 1;
      set(qci, i, 9);
      const isDns = a === 2;
      set(l4, i, isDns ? 1 : 0);
      ulb[i] = Math.floor(r() * 100_000);
      dlb[i] = Math.floor(r() * 2_000_000);
      ulbOk[i] = 1;
      dlbOk[i] = 1;
      const up = Math.floor(r() * 300);
      const dp = Math.floor(r() * 2000);
      set(ulp, i, up);
      set(dlp, i, dp);
      set(ulr, i, Math.floor(up * r() * 0.03));
      set(dlr, i, Math.floor(dp * r() * 0.03));
      if (!isDns) {
        set(synAck, i, Math.floor(r() * 120));
        set(ack, i, Math.floor(r() * 80));
        set(syns, i, 1);
        set(tcp, i, r() < 0.02 ? 1 : 0);
        set(first, i, Math.floor(r() * 600));
      } else if (r() < 0.97) set(dns, i, r() < 0.95 ? 0 : 2);
      if (a < 2) set(http, i, r() < 0.95 ? 200 : 503);
    }
  }
  bb.length = n;
  return bb.finish();
}

/** DuckDB may spill to its temp directory beyond this; the machine is shared. */
const MEMORY_LIMIT = '4GB';
const DUCK_COLUMNS = [
  'imsi', 'msisdn', 'start_time', 'end_time', 'eci', 'interface', 'procedure_type', 'procedure_status', 'request_cause',
  'emm_cause', 'esm_cause', 's1ap_cause_group', 's1ap_cause', 'bearer_qci', 'bearer_status', 'mme_code', 'app_type',
  'l4_protocol', 'ul_bytes', 'dl_bytes', 'ul_packets', 'dl_packets', 'ul_retrans_packets', 'dl_retrans_packets',
  'tcp_syn_ack_delay_ms', 'tcp_ack_delay_ms', 'tcp_syn_attempts', 'tcp_conn_status', 'first_response_delay_ms',
  'http_status', 'dns_rcode',
];

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const spec = await loadFeatureSpec();
  const batches = Math.ceil(N / BATCH);
  console.log(`feature engine: ${fmt(N)} records, ${fmt(U)} users, ${HOURS} h, ${batches} batches of ${fmt(BATCH)}${args['no-recycle'] ? ', windows not recycled' : ', windows recycled once counted'}, ${args.kernel} kernels; spec ${spec.name} (${compileSpec(spec).featureNames.length} features, ${spec.windowMs / 60000}-min windows)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-features-'));
  try {
    await measure(spec, batches, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true }); // every way out, --no-duckdb's early return included
  }
}

async function measure(spec: Awaited<ReturnType<typeof loadFeatureSpec>>, batches: number, dir: string): Promise<void> {
  const parquetPath = join(dir, 'records.parquet');
  const writer = args['no-duckdb'] ? null : await openRecordWriter(parquetPath, 'parquet');

  if (args.kernel !== 'wasm' && args.kernel !== 'js') throw new Error(`--kernel: wasm or js, not '${args.kernel}'`);
  let engine: FeatureEngine | null = new FeatureEngine(spec, topology, { kernel: args.kernel });
  const r = rng(12345);
  let engineMs = 0;
  let engineCpuUs = 0;
  let rows = 0;
  let windows = 0;
  let peakStateBytes = 0;
  let peakUsers = 0;
  for (let b = 0; b < batches; b++) {
    const batch = makeBatch(b, r);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = engine.push(batch);
    const c1 = process.cpuUsage(c0);
    engineCpuUs += c1.user + c1.system;
    engineMs += performance.now() - t0;
    for (const w of out) rows += w.imsi.length;
    windows += out.length;
    if (out.length > 0) {
      const s = engine.stats();
      if (s.stateBytes > peakStateBytes) peakStateBytes = s.stateBytes;
      if (s.users > peakUsers) peakUsers = s.users;
    }
    if (!args['no-recycle']) for (const w of out) engine.recycle(w);
    if (writer) await writer.write(batch);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const last = engine.flush();
  const c1 = process.cpuUsage(c0);
  engineCpuUs += c1.user + c1.system;
  engineMs += performance.now() - t0;
  for (const w of last) rows += w.imsi.length;
  windows += last.length;
  const s = engine.stats();
  const encodedByKernel = engine.batchesEncodedByKernel;
  engine = null;
  const rate = N / (engineMs / 1000);
  // On a shared machine wall time includes waiting for a core; CPU time is what the engine actually used.
  const cpuRate = N / (engineCpuUs / 1e6);
  console.log(
    `hotspot FeatureEngine: wall ${(engineMs / 1000).toFixed(2)} s → ${fmt(rate)} records/s; ` +
      `CPU ${(engineCpuUs / 1e6).toFixed(2)} s → ${fmt(cpuRate)} records/CPU-s (one thread); ${fmt(rows)} user-window rows in ${windows} windows; ${encodedByKernel} of ${batches} batches encoded by the WebAssembly encode kernel`,
  );
  console.log(
    `state: ${fmt(s.users)} users (${fmt(s.hotUsers)} hot, ${fmt(s.coldUsers)} evicted with baseline); ` +
      `${fmt(s.userStateBytesPerUser)} bytes/user of lasting state (hash tables, previous window, baselines); ` +
      `${fmt(s.stateBytesPerUser)} bytes/user including the open-window record buffers (${fmt(s.windowStateBytes / 1e6)} MB); ` +
      `peak ${fmt(peakStateBytes / Math.max(1, peakUsers))} bytes/user at a window close`,
  );
  if (!writer) return;
  await writer.close();
  // Free the engine's memory before DuckDB loads the table (run with --expose-gc for this to take effect).
  (globalThis as { gc?: () => void }).gc?.();

  const feats = featureAggregatesSql(spec);
  const L = spec.windowMs;
  const bins = spec.window.silenceBins;
  const query = `SELECT imsi, start_time // ${L} AS w, count(*) AS cnt_records, count(DISTINCT eci) AS distinct_cells,
      bit_count(bit_or(1::INTEGER << (((start_time % ${L}) * ${bins}) // ${L})::INTEGER)) AS active_bins,
      min(start_time), max(start_time), arg_max(msisdn, start_time) AS msisdn,
      ${[...feats.entries()].map(([n, sql]) => `${sql} AS "${n}"`).join(',\n')}
    FROM r GROUP BY imsi, w`;
  for (const threads of ['1', 'default']) {
    const db = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: join(dir, 'duckdb-tmp'),
      ...(threads === '1' ? { threads: '1' } : {}),
    });
    const con = await db.connect();
    await con.run(`SET memory_limit = '${MEMORY_LIMIT}'`);
    // Only the columns the features read (the others are ids and text the engine ignores too).
    await con.run(`CREATE TABLE r AS SELECT ${DUCK_COLUMNS.join(', ')} FROM read_parquet('${parquetPath}')`);
    const used = (await con.runAndReadAll(`SELECT current_setting('threads') AS t`)).getRowObjectsJS()[0].t;
    const q0 = performance.now();
    const qc = process.cpuUsage();
    // Every aggregate feeds the outer sums, so the optimiser cannot drop any of them.
    const res = await con.runAndReadAll(`SELECT count(*) AS n, ${[...feats.keys()].map((n) => `sum("${n}")`).join(' + ')} AS checksum FROM (${query})`);
    const qcpu = process.cpuUsage(qc);
    const duckMs = performance.now() - q0;
    const duckCpuRate = N / ((qcpu.user + qcpu.system) / 1e6);
    const duckRows = Number(res.getRowObjectsJS()[0].n);
    const duckRate = N / (duckMs / 1000);
    console.log(
      `duckdb GROUP BY (threads=${used}): wall ${(duckMs / 1000).toFixed(2)} s → ${fmt(duckRate)} records/s; ` +
        `CPU ${((qcpu.user + qcpu.system) / 1e6).toFixed(2)} s → ${fmt(duckCpuRate)} records/CPU-s; ${fmt(duckRows)} groups; ` +
        `hotspot / duckdb: wall ${(rate / duckRate).toFixed(2)}, per CPU-s ${(cpuRate / duckCpuRate).toFixed(2)}`,
    );
    if (duckRows !== rows) console.log(`WARNING: DuckDB found ${duckRows} user-windows, the engine ${rows}`);
    con.closeSync();
  }
}

await main();
