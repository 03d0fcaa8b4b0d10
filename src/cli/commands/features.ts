// `hotspot features`: records → per-user-window features → Parquet, through the same engine that serves, so data
// scientists train in their own tools on exactly what hotspot scores.
import { z } from 'zod';
import { parseFlags, UsageError, type Command } from '../command.js';
import { FeatureEngine, FeatureParquetWriter, DEFAULT_ALLOWED_LATENESS_MS, loadFeatureSpec } from '../../features/index.js';
import { readRecords, readTopology } from '../../sources/files/index.js';
import { DeadLetterFile, DeadLetterMemory, type DeadLetterSink } from '../../sources/dead-letters.js';

const HELP = `usage: hotspot features --records FILE --topology FILE --out FILE.parquet [--spec FILE]
                        [--allowed-lateness-ms N] [--dead-letters FILE.jsonl]

Computes one row per user and window (default spec: features/s1-v1.json, 15-minute event-time windows) and
writes them to Parquet: window_start, window_end (epoch ms), imsi, msisdn, cell (dominant ECI), region, then
every feature of the spec as a float64 column (NaN = missing).

options:
  --records FILE             S1 records: CSV, JSONL, Parquet or Arrow IPC
  --topology FILE            topology.csv (maps cells to regions)
  --spec FILE                feature spec JSON (default features/s1-v1.json)
  --out FILE                 output Parquet file
  --allowed-lateness-ms N    records this far behind the newest are still counted (default ${DEFAULT_ALLOWED_LATENESS_MS})
  --dead-letters FILE        write rejected, duplicate and late records here as JSONL (default: counted only)

example:
  hotspot features --records out/records.parquet --topology out/topology.csv --out features.parquet`;

const OptionsSchema = z.object({
  records: z.string({ error: '--records is required' }).min(1, '--records is required'),
  topology: z.string({ error: '--topology is required' }).min(1, '--topology is required'),
  out: z.string({ error: '--out is required' }).min(1, '--out is required'),
  spec: z.string().optional(),
  allowedLatenessMs: z.coerce.number().int().nonnegative().default(DEFAULT_ALLOWED_LATENESS_MS),
  deadLetters: z.string().optional(),
});

export interface FeaturesSummary {
  records: number;
  windows: number;
  rows: number;
  features: number;
  lateRecords: number;
  invalidRecords: number;
  deadLetters: number;
}

/** Runs the whole file through the engine and writes the Parquet file. */
export async function computeFeaturesFile(o: z.infer<typeof OptionsSchema>): Promise<FeaturesSummary> {
  const spec = await loadFeatureSpec(o.spec);
  const topology = await readTopology(o.topology);
  const deadLetters: DeadLetterSink = o.deadLetters ? new DeadLetterFile(o.deadLetters) : new DeadLetterMemory();
  const engine = new FeatureEngine(spec, topology, { allowedLatenessMs: o.allowedLatenessMs, deadLetters, source: o.records });
  // Windows stream into the Parquet file as the watermark closes them: memory stays bounded by open windows.
  const writer = new FeatureParquetWriter(o.out, topology, engine.featureNames);
  let windows = 0;
  try {
    const reader = readRecords(o.records, { deadLetters, onWarning: (m) => console.error(`hotspot features: ${m}`) });
    for await (const batch of reader) {
      for (const w of engine.push(batch)) {
        await writer.write(w);
        windows++;
      }
    }
    for (const w of engine.flush()) {
      await writer.write(w);
      windows++;
    }
  } finally {
    await deadLetters.close();
  }
  const rows = await writer.close();
  const s = engine.stats();
  return {
    records: s.records,
    windows,
    rows,
    features: engine.featureNames.length,
    lateRecords: s.lateRecords,
    invalidRecords: s.invalidRecords,
    deadLetters: deadLetters.count,
  };
}

const command: Command = {
  name: 'features',
  summary: 'compute per-user-window features from records into Parquet',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('features', argv, {
      records: { type: 'string' },
      topology: { type: 'string' },
      spec: { type: 'string' },
      out: { type: 'string' },
      'allowed-lateness-ms': { type: 'string' },
      'dead-letters': { type: 'string' },
    });
    const parsed = OptionsSchema.safeParse({
      records: values.records,
      topology: values.topology,
      out: values.out,
      spec: values.spec,
      allowedLatenessMs: values['allowed-lateness-ms'],
      deadLetters: values['dead-letters'],
    });
    if (!parsed.success) throw new UsageError(`features: ${parsed.error.issues.map((i) => i.message).join('; ')} (see 'hotspot features --help')`);
    let summary: FeaturesSummary;
    try {
      summary = await computeFeaturesFile(parsed.data);
    } catch (err) {
      console.error(`hotspot features: ${(err as Error).message}`);
      return 1;
    }
    console.error(
      `hotspot features: ${summary.records} records → ${summary.rows} user-window rows in ${summary.windows} windows × ` +
        `${summary.features} features → ${parsed.data.out}` +
        (summary.deadLetters > 0 ? `; ${summary.deadLetters} dead letters (${summary.lateRecords} late, ${summary.invalidRecords} invalid)` : ''),
    );
    return 0;
  },
};
export default command;
