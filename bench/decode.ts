// Record-file benchmark: decode records/s of CSV, JSONL, Parquet and Arrow IPC through readRecords (validation,
// duplicate detection and dead-lettering included), write records/s of each writer, and CSV decode against
// DuckDB's read_csv of the same file, measured in the same run (DuckDB on one thread, like our decoder).
//
// Records: realistic S1 batches built with S1BatchBuilder (half S1-MME, half S1-U; seeded), 65,536 per batch.
// usage: node dist/bench/decode.js [--records N] [--dir DIR] [--seed S] [--repeat R]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RecordBatch } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { S1BatchBuilder } from '../src/schema/s1-batch-builder.js';
import { APP_TYPES, PROCEDURE_TYPES } from '../src/schema/record.js';
import { openRecordWriter, readRecords, type RecordFormat } from '../src/sources/files/index.js';
import { DeadLetterMemory } from '../src/sources/dead-letters.js';
import { mulberry32 as rng } from '../test/support/mulberry32.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    dir: { type: 'string' },
    seed: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '3' },
  },
});
const N = Number(args.records);
const REPEAT = Number(args.repeat);
const BATCH = 65_536;

function makeBatches(n: number, seed: number): RecordBatch[] {
  const rand = rng(seed);
  const out: RecordBatch[] = [];
  const t0 = 1_700_000_000_000;
  for (let off = 0; off < n; off += BATCH) {
    const len = Math.min(BATCH, n - off);
    const b = new S1BatchBuilder(len);
    b.length = len;
    const v32 = (name: string) => [b.int32(name), b.valid(name)] as const;
    const v64 = (name: string) => [b.int64(name), b.valid(name)] as const;
    const xdr = b.utf8('xdr_id');
    const imsi = b.utf8('imsi');
    const msisdn = b.utf8('msisdn');
    const imei = b.utf8('imei');
    const apn = b.utf8('apn');
    const iface = b.enumCodes('interface');
    const proc = b.enumCodes('procedure_type');
    const group = b.enumCodes('s1ap_cause_group');
    const app = b.enumCodes('app_type');
    const start = b.int64('start_time');
    const [end, endV] = v64('end_time');
    const [tac, tacV] = v32('tac');
    const [eci, eciV] = v64('eci');
    const [qci, qciV] = v32('bearer_qci');
    const mmeCols = ['mme_code', 'procedure_status', 'request_cause', 'keyword', 'emm_cause', 'esm_cause', 's1ap_cause', 'bearer_status'].map(v32);
    const [oeci, oeciV] = v64('other_eci');
    const uCols32 = ['l4_protocol', 'ul_packets', 'dl_packets', 'ul_retrans_packets', 'dl_retrans_packets', 'tcp_syn_ack_delay_ms', 'tcp_ack_delay_ms', 'tcp_syn_attempts', 'tcp_conn_status', 'first_response_delay_ms', 'http_status', 'dns_rcode'].map(v32);
    const uCols64 = ['ul_bytes', 'dl_bytes'].map(v64);
    const maxU = [1, 5000, 8000, 50, 50, 300, 300, 3, 1, 2000, 504, 5];
    for (let r = 0; r < len; r++) {
      const i = off + r;
      const user = Math.floor(rand() * 100_000);
      xdr.set(r, (0x10000000 + i).toString(16) + (i % 16).toString(16).repeat(8));
      imsi.setDigits(r, 460_000_000_000_000 + user, 15);
      msisdn.setDigits(r, 13_800_000_000 + user, 11);
      imei.setDigits(r, 356_938_035_000_000 + (user % 5000) * 10, 15);
      start[r] = t0 + i * 3;
      end[r] = start[r] + Math.floor(rand() * 500);
      endV[r] = 1;
      tac[r] = 4096 + (user % 64);
      tacV[r] = 1;
      eci[r] = (100_000 + (user % 300)) * 256 + (user % 3);
      eciV[r] = 1;
      qci[r] = rand() < 0.2 ? 5 : 9;
      qciV[r] = 1;
      if (i % 2 === 0) {
        iface[r] = 0;
        apn.set(r, rand() < 0.2 ? 'ims' : 'cmnet');
        proc[r] = Math.floor(rand() * PROCEDURE_TYPES.length);
        const fail = rand() < 0.03;
        mmeCols.forEach(([v, ok], k) => {
          v[r] = k === 1 ? (fail ? 1 + Math.floor(rand() * 3) : 0) : k === 3 ? Math.floor(rand() * 4) : k === 7 ? (fail ? 1 : 0) : fail ? Math.floor(rand() * 40) : 0;
          ok[r] = 1;
        });
        group[r] = fail ? Math.floor(rand() * 5) : -1;
        if (proc[r] >= 10) {
          oeci[r] = eci[r] + 256;
          oeciV[r] = 1;
        }
      } else {
        iface[r] = 1;
        apn.set(r, 'cmnet');
        app[r] = Math.floor(rand() * APP_TYPES.length);
        uCols32.forEach(([v, ok], k) => {
          v[r] = k === 10 ? (rand() < 0.9 ? 200 : 404) : Math.floor(rand() * (maxU[k] + 1));
          ok[r] = 1;
        });
        uCols64.forEach(([v, ok]) => {
          v[r] = Math.floor(rand() * 5e7);
          ok[r] = 1;
        });
      }
    }
    out.push(b.finish());
  }
  return out;
}

const FORMATS: { format: RecordFormat; ext: string }[] = [
  { format: 'csv', ext: 'csv' },
  { format: 'jsonl', ext: 'jsonl' },
  { format: 'parquet', ext: 'parquet' },
  { format: 'arrow', ext: 'arrows' },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** Records per wall-second and per CPU-second of this process (all its threads: DuckDB's, libuv's, ours). */
interface Rate {
  wall: number;
  cpu: number;
}
async function timed(records: number, f: () => Promise<void>): Promise<Rate> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: records / wall, cpu: records / ((c.user + c.system) / 1e6) };
}
const medianRate = (rs: Rate[]): Rate => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) });
const show = (r: Rate) => `${fmt(r.wall).padStart(10)}/s wall ${fmt(r.cpu).padStart(10)}/CPU-s`;

async function main(): Promise<void> {
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'hotspot-bench-decode-'));
  console.log(`record files benchmark: ${fmt(N)} records, median of ${REPEAT} runs, node ${process.version}`);
  const batches = makeBatches(N, Number(args.seed));
  const decode: Record<string, Rate> = {};
  for (const { format, ext } of FORMATS) {
    const path = join(dir, `records.${ext}`);
    const writes: Rate[] = [];
    const reads: Rate[] = [];
    for (let k = 0; k < REPEAT; k++) {
      writes.push(
        await timed(N, async () => {
          const w = await openRecordWriter(path, format);
          for (const b of batches) await w.write(b);
          await w.close();
        }),
      );
      const deadLetters = new DeadLetterMemory();
      let read = 0;
      reads.push(
        await timed(N, async () => {
          for await (const b of readRecords(path, { deadLetters })) read += b.numRows;
        }),
      );
      if (read !== N || deadLetters.count !== 0) throw new Error(`${format}: read ${read} of ${N}, ${deadLetters.count} dead letters`);
    }
    decode[format] = medianRate(reads);
    const size = statSync(path).size / 2 ** 20;
    console.log(`${format.padEnd(8)} decode ${show(decode[format])}   write ${show(medianRate(writes))}   ${size.toFixed(1)} MiB`);
  }
  // Reference: DuckDB parsing the same CSV into a table (types sniffed), in the same process and run.
  const csvPath = join(dir, 'records.csv');
  for (const threads of ['1', '2']) {
    const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', threads });
    const conn = await db.connect();
    const runs: Rate[] = [];
    for (let k = 0; k < REPEAT; k++) {
      await conn.run('DROP TABLE IF EXISTS t');
      runs.push(await timed(N, () => conn.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csvPath}', header = true)`).then(() => undefined)));
    }
    const duck = medianRate(runs);
    console.log(
      `duckdb read_csv threads=${threads} ${show(duck)}   hotspot CSV decode / duckdb: wall ${(decode.csv.wall / duck.wall).toFixed(2)}, per CPU-s ${(decode.csv.cpu / duck.cpu).toFixed(2)}`,
    );
    conn.closeSync();
    db.closeSync();
  }
  if (!args.dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
