// Store write throughput: scored user-windows through Store.writeScoredWindow (appender + data chunks filled
// from typed arrays) vs a row-by-row prepared INSERT of the same columns, measured in the same run on the same
// rows, each into its own fresh DuckDB file. The INSERT reference writes fewer rows (it is slow); rates compare.
//
// usage: node dist/bench/store.js [--users N] [--windows N] [--insert-rows N] [--dir DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { SCHEMA_SQL } from '../src/store/schema.js';
import { Store, timestampOf, topReasons } from '../src/store/store.js';
import { createMasker } from '../src/outreach/masking.js';
import { benchTopology, benchWindow, rng } from './hotspot-bench-data.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    windows: { type: 'string', default: '10' },
    'insert-rows': { type: 'string', default: '20000' },
    dir: { type: 'string' },
  },
});
const users = Number(values.users);
const nWindows = Number(values.windows);
const insertRows = Number(values['insert-rows']);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'hotspot-bench-store-'));
const topology = benchTopology(1000);
const random = rng(1);
const template = benchWindow(topology, users, 20, 0, random);
const windowAt = (i: number) => ({ ...template, windowStart: template.windowStart + i * 900_000, windowEnd: template.windowEnd + i * 900_000 });
const ctx = { regions: topology.regions, threshold: 0.5 };

interface Timing {
  rows: number;
  seconds: number;
  /** CPU time of this process (user + system) over the same span: the machine is shared. */
  cpuSeconds: number;
}

function timer(): () => { seconds: number; cpuSeconds: number } {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
}

async function appenderRun(): Promise<Timing> {
  const store = await Store.open(join(dir, 'appender.duckdb'), { maskKey: 'bench' });
  await store.beginRun({ runId: 'bench', source: 'bench', modelVersion: 'bench', startedAt: 0 });
  await store.writeScoredWindow(windowAt(-1), ctx); // warm-up: JIT, masking cache (as in a live run after window 1)
  const stop = timer();
  let rows = 0;
  for (let i = 0; i < nWindows; i++) rows += await store.writeScoredWindow(windowAt(i), ctx);
  await store.flush();
  const t = stop();
  await store.close();
  return { rows, ...t };
}

async function insertRun(): Promise<Timing> {
  const instance = await DuckDBInstance.create(join(dir, 'insert.duckdb'), { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const con = await instance.connect();
  await con.run(SCHEMA_SQL);
  const mask = createMasker('bench');
  const w = windowAt(0);
  const reasons = topReasons(w, 3);
  const regions = topology.regions;
  const stmt = await con.prepare('INSERT INTO scored_windows VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)');
  const start = timestampOf(w.windowStart);
  const end = timestampOf(w.windowEnd);
  for (let r = 0; r < Math.min(insertRows, users); r++) mask(w.imsi[r]); // same warm masking cache as the appender
  const stop = timer();
  let rows = 0;
  await con.run('BEGIN TRANSACTION'); // one transaction: the fairest row-by-row reference
  for (let r = 0; r < Math.min(insertRows, users); r++) {
    stmt.bind([
      'bench', start, end, mask(w.imsi[r]), BigInt(w.cell[r]), regions[w.regionIndex[r]], w.probability[r],
      w.probability[r] >= 0.5, reasons.get(r) ?? null,
    ]);
    await stmt.run();
    rows++;
  }
  await con.run('COMMIT');
  const t = stop();
  con.closeSync();
  instance.closeSync();
  return { rows, ...t };
}

const appender = await appenderRun();
const insert = await insertRun();
const appenderRate = appender.rows / appender.seconds;
const insertRate = insert.rows / insert.seconds;
console.log(
  JSON.stringify({
    bench: 'store',
    appender_rows: appender.rows,
    appender_seconds: +appender.seconds.toFixed(3),
    appender_rows_per_s: Math.round(appenderRate),
    insert_rows: insert.rows,
    insert_seconds: +insert.seconds.toFixed(3),
    insert_rows_per_s: Math.round(insertRate),
    speedup: +(appenderRate / insertRate).toFixed(1),
    appender_rows_per_cpu_s: Math.round(appender.rows / appender.cpuSeconds),
    insert_rows_per_cpu_s: Math.round(insert.rows / insert.cpuSeconds),
    speedup_cpu: +(appender.rows / appender.cpuSeconds / (insert.rows / insert.cpuSeconds)).toFixed(1),
  }),
);
if (!values.dir) rmSync(dir, { recursive: true, force: true });
