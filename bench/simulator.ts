// Simulator throughput: records/s for generation alone (simulateRecords → Arrow batches) and for generation +
// writing Arrow IPC and Parquet through src/sources/files. Busy hour (20:00) of the default city.
//   node dist/bench/simulator.js [--subscribers 100000] [--minutes 15] [--scenario all-faults]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openRecordWriter, type RecordFormat } from '../src/sources/files/index.js';
import { createCity, simulateRecords, type City } from '../src/sources/simulator/index.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '15' },
    scenario: { type: 'string', default: 'all-faults' },
  },
});
const subscribers = Number(values.subscribers);
const minutes = Number(values.minutes);
const start = Date.parse('2026-03-02T20:00:00Z');

interface Figure {
  mode: string;
  records: number;
  wallS: number;
  cpuS: number;
  bytes?: number;
}

function cityFor(): City {
  return createCity({ seed: 1, subscribers, hours: minutes / 60, start, scenario: values.scenario });
}

async function measure(mode: string, format: RecordFormat | null, city: City): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-bench-sim-'));
  const path = format ? join(dir, `records.${format}`) : '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  const writer = format ? await openRecordWriter(path, format) : null;
  for (const batch of simulateRecords(city)) {
    records += batch.numRows;
    if (writer) await writer.write(batch);
  }
  if (writer) await writer.close();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const bytes = format ? statSync(path).size : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { mode, records, wallS, cpuS: (cpu.user + cpu.system) / 1e6, bytes };
}

const t0 = performance.now();
const city = cityFor();
const buildS = (performance.now() - t0) / 1000;
console.log(`simulator bench: ${subscribers.toLocaleString('en-US')} subscribers, ${city.net.enbCount} eNBs / ${city.net.cellCount} cells, ` +
  `${minutes} busy-hour minutes, scenario ${values.scenario}; city built in ${buildS.toFixed(2)} s`);
// Warm-up: JIT the generator on a short window so the first measured mode is not penalised.
for (const _ of simulateRecords(city, { end: start + 60_000 })) void _;

const figures: Figure[] = [];
figures.push(await measure('generate (Arrow batches)', null, city));
figures.push(await measure('generate + write Arrow IPC', 'arrow', city));
figures.push(await measure('generate + write Parquet', 'parquet', city));
const ref = figures[0].records / figures[0].wallS;
for (const f of figures) {
  const wall = f.records / f.wallS;
  console.log(
    `${f.mode.padEnd(28)} ${f.records.toLocaleString('en-US').padStart(11)} records  ${f.wallS.toFixed(2).padStart(6)} s  ` +
      `${Math.round(wall).toLocaleString('en-US').padStart(10)} records/s wall  ${Math.round(f.records / f.cpuS).toLocaleString('en-US').padStart(10)} records/s cpu  ` +
      `ratio ${(wall / ref).toFixed(2)}${f.bytes ? `  ${(f.bytes / f.records).toFixed(1)} B/record` : ''}`,
  );
}
