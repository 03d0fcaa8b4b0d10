// Simulator throughput: records/s for generation alone (simulateRecords → Arrow batches) and for generation +
// writing Arrow IPC and Parquet through src/sources/files. Busy hour (20:00) of the default city. Arrow IPC is
// also written to /dev/null: the same encoding and write calls without the file system, which splits the cost
// of the Arrow writer from the kernel's cost of putting the bytes into the page cache (system CPU time).
//   node dist/bench/simulator.js [--subscribers 100000] [--minutes 15] [--scenario all-faults] [--runs 3]
// Steady state: a warm-up pass over the same window with a tenth of the subscribers (another seed) first, so
// that every fault branch has run before V8 optimises the generator (a one-minute warm-up left rare fault
// branches to deoptimise it during the measurement). Each mode runs --runs times; the median is printed.
// Batches are handed back for reuse (SpentBatches) as `hotspot simulate` does.
import type { RecordBatch } from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { S1BatchBuilder } from '../src/schema/s1-batch-builder.js';
import { openRecordWriter, type RecordFormat } from '../src/sources/files/index.js';
import { createCity, simulateRecords, SpentBatches, type City } from '../src/sources/simulator/index.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '15' },
    scenario: { type: 'string', default: 'all-faults' },
    runs: { type: 'string', default: '3' },
  },
});
const subscribers = Number(values.subscribers);
const minutes = Number(values.minutes);
const runs = Math.max(1, Number(values.runs));
const start = Date.parse('2026-03-02T20:00:00Z');

interface Figure {
  mode: string;
  records: number;
  wallS: number;
  cpuS: number;
  /** System CPU time (kernel: file writes, page faults), part of cpuS. */
  sysS: number;
  bytes?: number;
}

function cityFor(seed: number, users: number): City {
  return createCity({ seed, subscribers: users, hours: minutes / 60, start, scenario: values.scenario });
}

async function measure(mode: string, format: RecordFormat | null, city: City, devNull = false): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-bench-sim-'));
  const path = devNull ? '/dev/null' : format ? join(dir, `records.${format}`) : '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  const writer = format ? await openRecordWriter(path, format) : null;
  // As `hotspot simulate` does: a batch goes back to the generator for its buffers once the writer is done
  // with it (once write() of the next batch has resolved; at once without a writer).
  const spent = new SpentBatches();
  let previous: RecordBatch | undefined;
  for (const batch of simulateRecords(city, { spent })) {
    records += batch.numRows;
    if (writer) {
      await writer.write(batch);
      if (previous) spent.release(previous);
      previous = batch;
    } else spent.release(batch);
  }
  if (writer) await writer.close();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const bytes = format && !devNull ? statSync(path).size : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { mode, records, wallS, cpuS: (cpu.user + cpu.system) / 1e6, sysS: cpu.system / 1e6, bytes };
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const t0 = performance.now();
const city = cityFor(1, subscribers);
const buildS = (performance.now() - t0) / 1000;
console.log(`simulator bench: ${subscribers.toLocaleString('en-US')} subscribers, ${city.net.enbCount} eNBs / ${city.net.cellCount} cells, ` +
  `${minutes} busy-hour minutes, scenario ${values.scenario}; city built in ${buildS.toFixed(2)} s; load average ${loadavg()}`);
const warmUsers = Math.max(1000, Math.round(subscribers / 10));
const warm = await measure(`JIT warm-up (${warmUsers.toLocaleString('en-US')} subs, cold)`, null, cityFor(2, warmUsers));

/**
 * Reference measured in the same run: the floor cost of filling S1BatchBuilder columns with constant values
 * (ids, times, cells, a dozen numeric fields) and finishing the batches — what any producer of S1 batches
 * pays, without the simulation. Its records/s also shows how fast (or how shared) this machine is right now.
 */
function builderFloor(rows: number): Figure {
  const id = new TextEncoder().encode('0123456789abcdef460001234567890138001380001353911100000017');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  while (done < rows) {
    const n = Math.min(65_536, rows - done);
    const b = new S1BatchBuilder(n);
    const xdr = b.utf8('xdr_id');
    const imsi = b.utf8('imsi');
    const msisdn = b.utf8('msisdn');
    const imei = b.utf8('imei');
    const st = b.int64('start_time');
    const en = b.int64('end_time');
    const enV = b.valid('end_time');
    const eci = b.int64('eci');
    const eciV = b.valid('eci');
    const tac = b.int32('tac');
    const tacV = b.valid('tac');
    const iface = b.enumCodes('interface');
    const ints = ['procedure_status', 'emm_cause', 'esm_cause', 'mme_code', 'bearer_qci', 'ul_packets', 'dl_packets', 'tcp_syn_ack_delay_ms'].map((c) => [b.int32(c), b.valid(c)] as const);
    for (let i = 0; i < n; i++) {
      xdr.setBytes(i, id, 0, 16);
      imsi.setBytes(i, id, 16, 31);
      msisdn.setBytes(i, id, 31, 42);
      imei.setBytes(i, id, 42, 57);
      st[i] = 1772481600000 + i;
      en[i] = 1772481600050 + i;
      enV[i] = 1;
      eci[i] = 123456 * 256 + 1;
      eciV[i] = 1;
      tac[i] = 4096;
      tacV[i] = 1;
      iface[i] = i & 1;
      for (const [v, ok] of ints) {
        v[i] = i & 255;
        ok[i] = 1;
      }
    }
    b.length = n;
    b.finish();
    done += n;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  return { mode: 'reference: builder floor', records: rows, wallS, cpuS: (cpu.user + cpu.system) / 1e6, sysS: cpu.system / 1e6 };
}

/** The run with the median records per CPU-second; the range of wall rates beside it. */
async function median(run: () => Promise<Figure> | Figure): Promise<Figure & { range: string }> {
  const all: Figure[] = [];
  for (let i = 0; i < runs; i++) all.push(await run());
  all.sort((a, b) => a.records / a.cpuS - b.records / b.cpuS);
  const wall = all.map((f) => f.records / f.wallS).sort((a, b) => a - b);
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  return { ...all[Math.floor(all.length / 2)], range: runs > 1 ? `  wall range ${k(wall[0])}–${k(wall[wall.length - 1])}` : '' };
}

const figures: (Figure & { range?: string })[] = [warm];
figures.push(await median(() => measure('generate (Arrow batches)', null, city)));
figures.push(await median(() => measure('generate + Arrow IPC to /dev/null', 'arrow', city, true)));
figures.push(await median(() => measure('generate + write Arrow IPC', 'arrow', city)));
figures.push(await median(() => measure('generate + write Parquet', 'parquet', city)));
figures.push(await median(() => builderFloor(figures[1].records)));
const ref = figures[1].records / figures[1].wallS;
console.log(`median of ${runs} run(s) per mode (by records per CPU-second); load average now ${loadavg()}`);
console.log('ratio = records/s relative to generation alone; the reference row is the builder floor for the same rows');
for (const f of figures) {
  const wall = f.records / f.wallS;
  console.log(
    `${f.mode.padEnd(36)} ${f.records.toLocaleString('en-US').padStart(11)} records  ${f.wallS.toFixed(2).padStart(6)} s  ` +
      `${Math.round(wall).toLocaleString('en-US').padStart(10)} records/s wall  ${Math.round(f.records / f.cpuS).toLocaleString('en-US').padStart(10)} records/s cpu  ` +
      `ratio ${(wall / ref).toFixed(2)}  sys ${Math.round((f.sysS * 1e9) / f.records)} ns/record${f.bytes ? `  ${(f.bytes / f.records).toFixed(1)} B/record` : ''}${f.range ?? ''}`,
  );
}
