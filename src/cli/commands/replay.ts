// `hotspot replay`: history through the serving code; writes alerts.jsonl, metrics.json and report.html.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { StoreSink } from '../../engine/store-sink.js';
import { loadFeatureSpec } from '../../features/index.js';
import { FAULT_DOMAINS, type FaultDomain } from '../../hotspots/cause-domains.js';
import type { InjectedFault } from '../../hotspots/evaluation.js';
import type { Subscriber } from '../../schema/side-files.js';
import { loadModelDir } from '../../model/model-dir.js';
import { renderReplayReport } from '../../replay/report-html.js';
import { replay, DEFAULT_LABEL_HORIZON_MS } from '../../replay/replay.js';
import type { ReplayRun } from '../../replay/replay-result.js';
import { DeadLetterFile, DeadLetterMemory } from '../../sources/dead-letters.js';
import { readComplaints, readRecords, readSubscribers, readTopology } from '../../sources/files/index.js';
import { Store } from '../../store/store.js';
import { parseFlags, UsageError, type Command } from '../command.js';
import { formatSummary } from './run.js';

const HELP = `usage: hotspot replay --records FILE --complaints FILE --topology FILE --model DIR --out DIR
                      [--compare DIR] [--subscribers FILE] [--truth FILE] [--db FILE] [--horizon HOURS]
                      [--hotspot-complaints N] [--hotspot-hours T]

Replays records through the same engine as 'hotspot run' and measures it against the complaints.
A complaint hotspot is declared when N complaints of one category fall in one region within T hours
(defaults 5 and 2); an alert catches it when it opens for that region before the declaration.

writes:
  OUT/alerts.jsonl     every alert event (open, updated, resolved), in sequence order
  OUT/metrics.json     user-level auc, pr_auc, precision, recall; hotspot-level hotspots, caught, recall,
                       median_lead_minutes, false_alerts, false_alerts_per_1000_cell_hours, ...
  OUT/report.html      self-contained report: alert timeline vs complaints, lead times, PR curve
  OUT/dead-letters.jsonl  rejected rows with file, row and reason (only when there are any)
With --compare DIR the second model runs over the same records; its alerts go to alerts-<name>.jsonl,
its metrics under "compare" in metrics.json, and the report shows both side by side.

options:
  --truth FILE        simulator truth.json: adds suspected-cause accuracy against the injected faults (with
                      --subscribers: against the fault the declaring complaints came from)
  --subscribers FILE  VIP levels for severity and outreach
  --db FILE           also store scored windows, alerts and outreach of the first model in DuckDB
  --horizon HOURS     label horizon for user-level metrics (default 24)

example:
  hotspot replay --records fixtures/sample/records.parquet --complaints fixtures/sample/complaints.csv \\
    --topology fixtures/sample/topology.csv --truth fixtures/sample/truth.json --model models/default --out out/replay`;

const OptionsSchema = z.object({
  records: z.string({ error: '--records FILE is required' }),
  complaints: z.string({ error: '--complaints FILE is required' }),
  topology: z.string({ error: '--topology FILE is required' }),
  model: z.string({ error: '--model DIR is required' }),
  out: z.string({ error: '--out DIR is required' }),
  compare: z.string().optional(),
  subscribers: z.string().optional(),
  truth: z.string().optional(),
  db: z.string().optional(),
  horizon: z.coerce.number().positive().optional(),
  hotspotComplaints: z.coerce.number().int().min(1).optional(),
  hotspotHours: z.coerce.number().positive().optional(),
});

const TruthSchema = z.object({
  faults: z.array(
    z.object({
      domain: z.enum(FAULT_DOMAINS),
      start: z.string(),
      end: z.string(),
      regions: z.array(z.string()),
      affected_imsis: z.array(z.string()).optional(),
    }).loose(),
  ),
}).loose();

/**
 * Injected faults from the simulator's truth. With --subscribers, each fault carries its affected users' MSISDNs,
 * so a hotspot is judged against the fault its complaints came from (exact when two faults overlap in a region);
 * without, against the fault running when the catching alert opened.
 */
async function readTruth(path: string, subscribers: readonly Subscriber[]): Promise<InjectedFault[]> {
  const parsed = TruthSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new UsageError(`replay: ${path}: not a simulator truth file: ${parsed.error.issues[0].message}`);
  const msisdnOf = new Map(subscribers.map((s) => [s.imsi, s.msisdn]));
  return parsed.data.faults.map((f) => ({
    domain: f.domain as FaultDomain,
    regions: f.regions,
    startAt: Date.parse(f.start),
    endAt: Date.parse(f.end),
    ...(msisdnOf.size > 0 && f.affected_imsis ? { msisdns: f.affected_imsis.flatMap((i) => msisdnOf.get(i) ?? []) } : {}),
  }));
}

function metricsOf(run: ReplayRun) {
  const { outcomes: _outcomes, lead_minutes: _lead, false_alert_ids: _ids, ...hotspots } = run.hotspots;
  return { model: run.modelName, model_version: run.modelVersion, ...run.user, ...hotspots, lead_minutes: run.hotspots.lead_minutes };
}

function modelName(dir: string): string {
  return basename(resolve(dir));
}

const command: Command = {
  name: 'replay',
  summary: 'replay history through the serving code and measure alerts against complaints',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('replay', argv, {
      records: { type: 'string' },
      complaints: { type: 'string' },
      topology: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      compare: { type: 'string' },
      subscribers: { type: 'string' },
      truth: { type: 'string' },
      db: { type: 'string' },
      horizon: { type: 'string' },
      'hotspot-complaints': { type: 'string' },
      'hotspot-hours': { type: 'string' },
    });
    const parsed = OptionsSchema.safeParse({
      ...values,
      hotspotComplaints: values['hotspot-complaints'],
      hotspotHours: values['hotspot-hours'],
    });
    if (!parsed.success) throw new UsageError(`replay: ${parsed.error.issues[0].message}`);
    const o = parsed.data;

    const spec = await loadFeatureSpec();
    const models = [{ name: modelName(o.model), dir: await loadModelDir(o.model, spec) }];
    if (o.compare) {
      let name = modelName(o.compare);
      if (name === models[0].name) name = `${name}-2`;
      models.push({ name, dir: await loadModelDir(o.compare, spec) });
    }
    const [topology, complaints, subscribers] = await Promise.all([
      readTopology(o.topology),
      readComplaints(o.complaints),
      o.subscribers ? readSubscribers(o.subscribers) : Promise.resolve([]),
    ]);
    const faults = o.truth ? await readTruth(o.truth, subscribers) : undefined;
    await mkdir(o.out, { recursive: true });
    const deadLetters = new DeadLetterMemory();
    const store = o.db ? await Store.open(o.db) : null;
    if (store) await store.beginRun({ source: `replay:${o.records}`, modelVersion: models[0].dir.card.modelVersion, config: o });

    const t0 = performance.now();
    const records = readRecords(o.records, { deadLetters, onWarning: (m) => console.warn(`warning: ${m}`) });
    let result;
    let status = 'completed' as 'completed' | 'failed';
    try {
      result = await replay({
        batches: records,
        spec,
        topology,
        subscribers,
        complaints,
        models,
        faults,
        labelHorizonMs: o.horizon ? o.horizon * 3_600_000 : DEFAULT_LABEL_HORIZON_MS,
        evaluation: { hotspotMinComplaints: o.hotspotComplaints, hotspotWindowHours: o.hotspotHours },
        deadLetters,
        sinks: store ? [new StoreSink(store)] : [],
      });
    } catch (err) {
      status = 'failed';
      throw err;
    } finally {
      await store?.close(status);
    }
    const seconds = (performance.now() - t0) / 1000;

    // Dead letters: every rejected row with its reason (the store has them too when --db is given).
    if (deadLetters.count > 0) {
      const file = new DeadLetterFile(join(o.out, 'dead-letters.jsonl'));
      for (const l of deadLetters.letters) file.add(l);
      await file.close();
    }
    const [first, second] = result.runs;
    const alertLines = (run: ReplayRun) => run.events.map((e) => JSON.stringify(e)).join('\n') + (run.events.length ? '\n' : '');
    await writeFile(join(o.out, 'alerts.jsonl'), alertLines(first));
    if (second) await writeFile(join(o.out, `alerts-${second.modelName}.jsonl`), alertLines(second));
    const metrics = {
      ...metricsOf(first),
      records: result.records,
      dead_letters: deadLetters.count,
      dead_letters_by_reason: Object.fromEntries(deadLetters.countsByReason()),
      start: new Date(result.startAt).toISOString(),
      end: new Date(result.endAt).toISOString(),
      ...(second ? { compare: metricsOf(second) } : {}),
    };
    await writeFile(join(o.out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    await writeFile(
      join(o.out, 'report.html'),
      renderReplayReport({
        title: `hotspot replay — ${basename(o.records)}`,
        startAt: result.startAt,
        endAt: result.endAt,
        regions: topology.regions,
        complaints,
        runs: result.runs,
      }),
    );

    console.log(
      `replayed ${result.records.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s ` +
        `(${Math.round(result.records / seconds).toLocaleString('en-US')} records/s), ${deadLetters.count} dead letters`,
    );
    for (const run of result.runs) {
      console.log(`\nmodel ${run.modelName} (${run.modelVersion}): user-window AUC ${run.user.auc.toFixed(4)}, PR-AUC ${run.user.pr_auc.toFixed(4)}, precision ${run.user.precision.toFixed(3)}, recall ${run.user.recall.toFixed(3)} at ${run.user.threshold.toFixed(3)}`);
      console.log(formatSummary(run.hotspots));
    }
    console.log(`\nwrote ${join(o.out, 'alerts.jsonl')}, ${join(o.out, 'metrics.json')}, ${join(o.out, 'report.html')}`);
    return 0;
  },
};
export default command;
