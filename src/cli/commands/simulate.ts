// `hotspot simulate`: writes a synthetic city — S1 records, topology, subscribers, complaints, truth — to a
// directory. The same city is what `hotspot run` streams live.
import type { RecordBatch } from 'apache-arrow';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseFlags, UsageError, type Command } from '../command.js';
import { parseKafkaTopicUrl, publishRecords, type PublishOptions } from '../../sources/kafka/index.js';
import { openRecordWriter, writeComplaints, writeSubscribers, writeTopology, type RecordFormat } from '../../sources/files/index.js';
import {
  BUILTIN_SCENARIOS,
  buildTruth,
  createCity,
  faultImpacts,
  simulateComplaintDetails,
  simulateRecords,
  SpentBatches,
  subscriberRows,
  type Truth,
} from '../../sources/simulator/index.js';

const HELP = `usage: hotspot simulate --out DIR [--scenario NAME|FILE] [--seed N] [--hours H] [--start ISO]
                        [--subscribers N] [--format parquet|csv|jsonl|arrow] [--complaint-rate P]

Generates a synthetic LTE city (≥300 eNBs / ≥1,000 cells in 30 regions, subscribers with daily mobility) and
writes to DIR:
  records.<ext>    S1-MME and S1-U records in event-time order (DESIGN.md §3 schema)
  topology.csv     eci,enb_id,tac,cell_name,region,lat,lon
  subscribers.csv  imsi,msisdn,vip_level,opt_out
  complaints.csv   complaint_id,time,msisdn,category,region (ISO-8601 UTC)
  truth.json       every injected fault: type, domain, cells, regions, start, end, affected users, complaints

options:
  --out DIR               output directory (created if missing)
  --scenario NAME|FILE    built-in (${Object.keys(BUILTIN_SCENARIOS).join(', ')}) or a scenario JSON file
                          (see fixtures/scenarios/); default: default
  --seed N                PRNG seed: the same seed gives the same city, records and complaints (default 1)
  --hours H               simulated hours (default 4)
  --start ISO             simulation start, UTC = the city's local clock (default 2026-03-02T16:00:00Z)
  --subscribers N         number of subscribers (default 100000)
  --format F              records format: parquet (default), csv, jsonl, arrow
  --complaint-rate P      base share of affected users who complain (default 0.015)
  --publish kafka://BROKERS/TOPIC[?format=arrow|json&partitions=N]
                          put the records on a Kafka topic instead of records.<ext> (each user's records in
                          one partition chosen from the IMSI; arrow = IPC chunks, json = one record per
                          message keyed by IMSI; default arrow, 4 partitions); side files still go to --out

examples:
  hotspot simulate --out out/city
  hotspot simulate --out out/faults --scenario all-faults --hours 6 --seed 42 --format arrow
  hotspot simulate --out out/night --scenario fixtures/scenarios/night-cutover.json --start 2026-03-03T00:00:00Z --hours 12
  hotspot simulate --out out/live --hours 3 --subscribers 3000 --publish kafka://localhost:9092/s1-records
  hotspot simulate --out fixtures/sample --scenario sample --hours 1 --subscribers 3000 --seed 7 --format csv`;

const FORMAT_EXT: Record<RecordFormat, string> = { parquet: 'parquet', csv: 'csv', jsonl: 'jsonl', arrow: 'arrow' };

const OptionsSchema = z.object({
  out: z.string({ error: '--out is required' }).min(1, '--out is required'),
  scenario: z.string().default('default'),
  seed: z.coerce.number().int('--seed must be an integer').default(1),
  hours: z.coerce.number().positive('--hours must be positive').max(24 * 14).default(4),
  start: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const t = Date.parse(s);
      if (Number.isNaN(t)) {
        ctx.addIssue({ code: 'custom', message: `--start '${s}' is not an ISO-8601 time` });
        return z.NEVER;
      }
      return t;
    }),
  subscribers: z.coerce.number().int().min(50, '--subscribers must be at least 50').default(100_000),
  format: z.enum(['parquet', 'csv', 'jsonl', 'arrow'], { error: '--format must be parquet, csv, jsonl or arrow' }).default('parquet'),
  complaintRate: z.coerce.number().min(0).max(1).default(0.015),
  publish: z.string().startsWith('kafka://', '--publish takes kafka://BROKERS/TOPIC').optional(),
});
export type SimulateOptions = z.input<typeof OptionsSchema>;

export interface SimulateSummary {
  records: number;
  users: number;
  cells: number;
  faults: number;
  complaints: number;
  seconds: number;
  recordsPerSecond: number;
  files: string[];
  truth: Truth;
}

/** `kafka://BROKERS/TOPIC?format=arrow|json&partitions=N` → where and how to publish. */
function parsePublishUrl(url: string): PublishOptions {
  let target: ReturnType<typeof parseKafkaTopicUrl>;
  try {
    target = parseKafkaTopicUrl(url, ['format', 'partitions']);
  } catch (err) {
    throw new UsageError(`simulate: --publish: ${(err as Error).message}`);
  }
  if (!target) throw new UsageError(`simulate: --publish '${url}' is not kafka://BROKERS/TOPIC[?format=arrow|json&partitions=N]`);
  const format = target.params.get('format') ?? 'arrow';
  if (format !== 'arrow' && format !== 'json') throw new UsageError(`simulate: --publish: format '${format}' is not arrow or json`);
  const partitions = Number(target.params.get('partitions') ?? 4);
  if (!Number.isInteger(partitions) || partitions < 1) throw new UsageError(`simulate: --publish: partitions must be a positive integer`);
  return { brokers: target.brokers, topic: target.topic, format, partitions };
}

/** Builds the city and writes every output file; returns what was written. */
export async function runSimulation(input: SimulateOptions): Promise<SimulateSummary> {
  const parsed = OptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`simulate: ${issue.message.startsWith('--') ? issue.message : `${flag}: ${issue.message}`}`);
  }
  const o = parsed.data;
  const t0 = performance.now();
  let city;
  try {
    city = createCity({ seed: o.seed, hours: o.hours, subscribers: o.subscribers, scenario: o.scenario, complaintRate: o.complaintRate, ...(o.start !== undefined ? { start: o.start } : {}) });
  } catch (err) {
    throw new UsageError(`simulate: ${(err as Error).message}`);
  }
  await mkdir(o.out, { recursive: true });
  let recordsPath: string;
  let records = 0;
  if (o.publish) {
    const target = parsePublishUrl(o.publish);
    recordsPath = o.publish;
    records = (await publishRecords(simulateRecords(city), target)).records;
  } else {
    recordsPath = join(o.out, `records.${FORMAT_EXT[o.format]}`);
    const writer = await openRecordWriter(recordsPath, o.format);
    try {
      // Once write() resolves the writer holds no earlier batch: hand the one before back for its buffers.
      const spent = new SpentBatches();
      let previous: RecordBatch | undefined;
      for (const batch of simulateRecords(city, { spent })) {
        await writer.write(batch);
        records += batch.numRows;
        if (previous) spent.release(previous);
        previous = batch;
      }
    } finally {
      await writer.close();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const impacts = faultImpacts(city);
  const complaints = simulateComplaintDetails(city, impacts);
  const truth = buildTruth(city, impacts, complaints);
  const files = [recordsPath, join(o.out, 'topology.csv'), join(o.out, 'subscribers.csv'), join(o.out, 'complaints.csv'), join(o.out, 'truth.json')];
  await writeTopology(files[1], city.net.cells);
  await writeSubscribers(files[2], subscriberRows(city.subs));
  await writeComplaints(files[3], complaints.map(({ complaintId, time, msisdn, category, region }) => ({ complaintId, time, msisdn, category, region })));
  await writeFile(files[4], JSON.stringify(truth, null, 1) + '\n');
  return {
    records,
    users: city.subs.count,
    cells: city.net.cellCount,
    faults: city.faults.length,
    complaints: complaints.length,
    seconds,
    recordsPerSecond: records / seconds,
    files,
    truth,
  };
}

const command: Command = {
  name: 'simulate',
  summary: 'generate a synthetic city: S1 records, topology, subscribers, complaints, truth',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('simulate', argv, {
      out: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      hours: { type: 'string' },
      start: { type: 'string' },
      subscribers: { type: 'string' },
      format: { type: 'string' },
      'complaint-rate': { type: 'string' },
      publish: { type: 'string' },
    });
    const s = await runSimulation({
      out: values.out as string,
      scenario: values.scenario,
      seed: values.seed,
      hours: values.hours,
      start: values.start,
      subscribers: values.subscribers,
      format: values.format as SimulateOptions['format'],
      complaintRate: values['complaint-rate'],
      publish: values.publish,
    });
    console.log(
      `hotspot simulate: ${s.records.toLocaleString('en-US')} records, ${s.users.toLocaleString('en-US')} users, ${s.cells} cells, ` +
        `${s.faults} faults, ${s.complaints} complaints (${s.truth.complaints.fault_related} fault-related) in ${s.seconds.toFixed(1)} s ` +
        `(${Math.round(s.recordsPerSecond).toLocaleString('en-US')} records/s)`,
    );
    for (const f of s.truth.faults) {
      console.log(`  fault ${f.id} ${f.type} (${f.domain}) ${f.start} → ${f.end} ${f.onset}, regions ${f.regions.slice(0, 3).join(',')}${f.regions.length > 3 ? ',…' : ''}: ${f.affected_users} users affected, ${f.complaints} complaints`);
    }
    console.log(`  wrote ${s.files.join(', ')}`);
    return 0;
  },
};
export default command;
