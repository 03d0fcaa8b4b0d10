// `hotspot run`: the main job. Records from a source (default: the built-in simulated city played live on an
// accelerated clock) flow through features → model → hotspots → outreach into the DuckDB store and the console.
import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { ConsoleSink, formatProgress } from '../../engine/console-sink.js';
import { Engine, type EngineSink } from '../../engine/engine.js';
import { StoreSink } from '../../engine/store-sink.js';
import { loadFeatureSpec } from '../../features/index.js';
import { evaluateHotspots, type HotspotMetrics, type InjectedFault } from '../../hotspots/evaluation.js';
import type { FaultDomain } from '../../hotspots/cause-domains.js';
import { loadModelDir } from '../../model/model-dir.js';
import type { Complaint, Subscriber, Topology } from '../../schema/side-files.js';
import { buildTopology } from '../../schema/side-files.js';
import { int64Column } from '../../schema/columns.js';
import { DeadLetterFile, DeadLetterMemory } from '../../sources/dead-letters.js';
import { readComplaints, readRecords, readSubscribers, readTopology } from '../../sources/files/index.js';
import { pacedBatches } from '../../sources/paced.js';
import {
  createCity,
  faultImpacts,
  simulateComplaintDetails,
  simulateRecords,
  subscriberRows,
} from '../../sources/simulator/index.js';
import { Store, type CheckpointRow } from '../../store/store.js';
import { runDetectStage } from '../../engine/detect-stage.js';
import { runScoreStage } from '../../engine/score-stage.js';
import { KafkaProducerSink } from '../../api/kafka-sinks.js';
import { KafkaMessageConsumer } from '../../sources/kafka/message-consumer.js';
import type { FeatureSpec } from '../../features/index.js';
import { runCheckpointed } from '../../engine/checkpointed-run.js';
import { liveApiSink, toApiEvent } from '../../api/engine-views.js';
import { startGrpcServer, type RunningGrpcServer } from '../../api/grpc-server.js';
import { startDashboard, type RunningDashboard } from '../../api/dashboard.js';
import { kafkaEngineSink, type RunPublishTargets } from '../../api/kafka-sinks.js';
import { parseListenAddress } from './serve.js';
import { KafkaSource, kafkaSourceLabel, parseKafkaTopicUrl, parseKafkaUrl, KafkaUrlError } from '../../sources/kafka/index.js';
import { DEFAULT_MODEL_DIR, parseFlags, UsageError, type Command } from '../command.js';

/** The embedded default: a seed never used to train models/default, several faults within the first hours. */
export const DEFAULT_RUN_SEED = 20261122;
export const DEFAULT_RUN_HOURS = 4;
export const DEFAULT_RUN_SUBSCRIBERS = 100_000;
/** Simulated time per wall-clock time: 4 simulated hours in about two minutes. */
export const DEFAULT_SIM_SPEED = 120;

const HELP = `usage: hotspot run [--source sim|FILE|kafka://BROKERS/TOPIC] [--db hotspot.duckdb] [--model models/default]

Runs the engine: records → per-user 15-minute windows → GBDT scores → region alerts → care lists.
Alerts print as they open, update and resolve; everything is stored in the DuckDB file; Ctrl-C stops cleanly.

source options:
  --source sim            the built-in simulated city, played live (default)
    --scenario NAME|FILE  fault scenario (default: default; also quiet, all-faults, or a JSON file)
    --seed N              city seed (default ${DEFAULT_RUN_SEED})
    --hours H             simulated hours (default ${DEFAULT_RUN_HOURS})
    --subscribers N       subscribers (default ${DEFAULT_RUN_SUBSCRIBERS})
    --speed X             simulated ms per wall ms (default ${DEFAULT_SIM_SPEED}; 0 = as fast as possible)
  --source kafka://BROKERS/TOPIC[?format=json|csv|arrow&group=ID&dlq=TOPIC|none&rdkafka.KEY=VALUE]
                          a Kafka topic, consumed in a consumer group (default format json, group hotspot);
                          checkpoints go into the database: after a crash the same command resumes exactly
                          where the last checkpoint left off (nothing lost, nothing doubled)
    --topology FILE       required; --subscribers-file, --complaints as for files
    --exit-when-idle S    finish (closing open windows) after S seconds without records (default: run until Ctrl-C)
    --fresh               start a new run even if the database holds an unfinished one for this stream
    --checkpoint-gap S    a closed window waits up to S seconds after the previous checkpoint for its own
                          (default 2; matters only when windows close faster, e.g. catching up; 0 = every window)
  --source FILE           a record file (csv, jsonl, parquet, arrow), read in file order as fast as
                          possible (or paced with --speed X)
    --topology FILE       required with a file source
    --subscribers-file FILE   optional: VIP levels and opt-outs for outreach
    --complaints FILE     optional: users who already complained are not contacted; enables the summary
    --dead-letters FILE   rejected rows as JSONL (they are also stored in the database)

other options:
  --db FILE               DuckDB file (default hotspot.duckdb)
  --model DIR             model directory with model.txt and card.json (default models/default)
  --allowed-lateness-ms N records this far behind the newest are still counted exactly (default 120000)
  --alerts-topic kafka://BROKERS/TOPIC     publish every alert event (JSON keyed by region)
  --outreach-topic kafka://BROKERS/TOPIC   publish care lists (JSON keyed by alert id, MSISDNs included)
  --scores-topic kafka://BROKERS/TOPIC     publish scored user-windows (Arrow IPC per region; with --stage score
                                           every feature and contribution too, the detect stage's input)
  --stage score|detect    scale-out (README "Scale-out"): several 'score' instances in one consumer group over
                          the record topic compute features and scores per partition and publish them to
                          --scores-topic; one 'detect' run reads that topic (--source kafka://BROKERS/SCORES)
                          and finds hotspots over all partitions. Without --stage one instance does it all.
    --checkpoint-dir DIR  score stage: per-partition checkpoints, shared by the instances (required)
  --grpc HOST:PORT        also serve the gRPC API live while the run goes on (alerts stream as they happen)
  --http HOST:PORT        also serve the ops dashboard live (a web page; see 'hotspot serve --help')
  --quiet                 only alerts and the summary
  --verbose               also a line per checkpoint (kafka:// sources): id, event time, offsets

examples:
  hotspot run
  hotspot run --speed 0 --hours 2 --subscribers 20000
  hotspot run --source fixtures/sample/records.parquet --topology fixtures/sample/topology.csv \\
              --complaints fixtures/sample/complaints.csv`;

const OptionsSchema = z.object({
  source: z.string().default('sim'),
  db: z.string().default('hotspot.duckdb'),
  model: z.string().default(DEFAULT_MODEL_DIR),
  scenario: z.string().default('default'),
  seed: z.coerce.number().int().default(DEFAULT_RUN_SEED),
  hours: z.coerce.number().positive().default(DEFAULT_RUN_HOURS),
  subscribers: z.coerce.number().int().min(50).default(DEFAULT_RUN_SUBSCRIBERS),
  /** Unset: the simulator plays at DEFAULT_SIM_SPEED, a file as fast as possible. */
  speed: z.coerce.number().nonnegative().optional(),
  topology: z.string().optional(),
  subscribersFile: z.string().optional(),
  complaints: z.string().optional(),
  deadLetters: z.string().optional(),
  exitWhenIdle: z.coerce.number().positive().optional(),
  fresh: z.boolean().default(false),
  checkpointGap: z.coerce.number().nonnegative().optional(),
  allowedLatenessMs: z.coerce.number().int().nonnegative().optional(),
  grpc: z.string().optional(),
  http: z.string().optional(),
  alertsTopic: z.string().optional(),
  outreachTopic: z.string().optional(),
  scoresTopic: z.string().optional(),
  stage: z.enum(['score', 'detect']).optional(),
  checkpointDir: z.string().optional(),
  quiet: z.boolean().default(false),
  verbose: z.boolean().default(false),
});
type RunOptions = z.infer<typeof OptionsSchema>;

interface PreparedSource {
  label: string;
  topology: Topology;
  subscribers: Subscriber[];
  complaints: Complaint[];
  faults: InjectedFault[];
  batches: (signal: AbortSignal) => AsyncIterable<RecordBatch>;
  startAt: number;
  endAt: number | null;
}

function prepareSimulator(o: RunOptions): PreparedSource {
  const city = createCity({ seed: o.seed, hours: o.hours, subscribers: o.subscribers, scenario: o.scenario });
  const topology = buildTopology(city.net.cells);
  const impacts = faultImpacts(city);
  const complaints: Complaint[] = simulateComplaintDetails(city, impacts).map((c) => ({
    complaintId: c.complaintId,
    time: c.time,
    msisdn: c.msisdn,
    category: c.category,
    region: c.region,
  }));
  const subscribers = subscriberRows(city.subs);
  // Each fault's affected users: the summary judges a hotspot's cause against the fault its complaints came from.
  const faults: InjectedFault[] = impacts.map(({ fault, users }) => ({
    domain: fault.domain as FaultDomain,
    regions: fault.regions.map((r) => city.net.regionNames[r]),
    startAt: fault.start,
    endAt: fault.end,
    msisdns: Array.from(users, (u) => subscribers[u].msisdn),
  }));
  const speed = o.speed === 0 ? Infinity : (o.speed ?? DEFAULT_SIM_SPEED);
  return {
    label: `sim:${city.scenario.name}:seed=${o.seed}`,
    topology,
    subscribers,
    complaints,
    faults,
    batches: (signal) => pacedBatches(simulateRecords(city), { speed, signal }),
    startAt: city.start,
    endAt: city.end,
  };
}

async function prepareFile(o: RunOptions, deadLetters: DeadLetterMemory): Promise<PreparedSource> {
  if (!o.topology) throw new UsageError('run: a file source needs --topology FILE');
  const topology = await readTopology(o.topology);
  const subscribers = o.subscribersFile ? await readSubscribers(o.subscribersFile) : [];
  const complaints = o.complaints ? await readComplaints(o.complaints) : [];
  const speed = o.speed === undefined || o.speed === 0 ? Infinity : o.speed;
  return {
    label: o.source,
    topology,
    subscribers,
    complaints,
    faults: [],
    batches: (signal) =>
      pacedBatches(readRecords(o.source, { deadLetters, onWarning: (m) => console.warn(`warning: ${m}`) }), { speed, signal }),
    startAt: NaN,
    endAt: null,
  };
}

/** --alerts-topic / --outreach-topic / --scores-topic: kafka://BROKERS/TOPIC each, one broker list for all. */
function publishTargetsOf(o: RunOptions): RunPublishTargets | null {
  const given = (['alertsTopic', 'outreachTopic', 'scoresTopic'] as const).filter((k) => o[k] !== undefined);
  if (given.length === 0) return null;
  const targets: RunPublishTargets = { brokers: '' };
  for (const k of given) {
    const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    let target: ReturnType<typeof parseKafkaTopicUrl>;
    try {
      target = parseKafkaTopicUrl(o[k]!);
    } catch (err) {
      throw new UsageError(`run: ${flag}: ${(err as Error).message}`);
    }
    if (!target) throw new UsageError(`run: ${flag} '${o[k]}' is not kafka://BROKERS/TOPIC`);
    if (targets.brokers && targets.brokers !== target.brokers) throw new UsageError(`run: ${flag}: all published topics must be on the same brokers`);
    targets.brokers = target.brokers;
    targets[k] = target.topic;
  }
  return targets;
}

function parseKafkaSource(url: string) {
  try {
    return parseKafkaUrl(url);
  } catch (err) {
    if (err instanceof KafkaUrlError) throw new UsageError(`run: ${err.message}`);
    throw err;
  }
}

async function prepareKafkaSideFiles(o: RunOptions, kafka: ReturnType<typeof parseKafkaUrl>): Promise<PreparedSource> {
  if (!o.topology) throw new UsageError('run: a kafka:// source needs --topology FILE');
  return {
    label: kafkaSourceLabel(kafka),
    topology: await readTopology(o.topology),
    subscribers: o.subscribersFile ? await readSubscribers(o.subscribersFile) : [],
    complaints: o.complaints ? await readComplaints(o.complaints) : [],
    faults: [],
    batches: () => {
      throw new Error('a kafka source is consumed by runCheckpointed');
    },
    startAt: NaN,
    endAt: null,
  };
}

async function firstWindowStart(store: Store, runId: string): Promise<number> {
  const rows = await store.query('SELECT epoch_ms(min(window_start)) AS t FROM scored_windows WHERE run_id = $1', [runId]);
  const t = rows[0]?.t;
  return t === null || t === undefined ? NaN : Number(t);
}

function minStartTime(batch: RecordBatch): number {
  const t = int64Column(batch, 'start_time').values;
  let min = Infinity;
  for (let i = 0; i < t.length; i++) if (t[i] < min) min = t[i];
  return min;
}

export function formatSummary(m: HotspotMetrics): string {
  const lead = m.median_lead_minutes === null ? '—' : `${m.median_lead_minutes.toFixed(0)} min`;
  const lines = [
    `complaint hotspots: ${m.hotspots}; caught before declaration: ${m.caught} (recall ${Number.isFinite(m.recall) ? m.recall.toFixed(2) : '—'}), late: ${m.late}, missed: ${m.missed}`,
    `median lead time: ${lead}; alerts: ${m.alerts}; false alerts: ${m.false_alerts} (${m.false_alerts_per_1000_cell_hours.toFixed(2)} per 1000 cell-hours)`,
  ];
  // With the simulator's truth: alerts that no complaint hotspot (yet) explains but that do cover an injected fault
  // are early or small, not noise; a stopped run cannot see the complaints still to come.
  if (m.false_alerts_vs_faults !== null && m.false_alerts > 0) {
    lines.push(`  of the false alerts, ${m.false_alerts_vs_faults} covered no injected fault (time and regions)`);
  }
  if (m.cause_accuracy !== null) lines.push(`suspected cause matched the injected fault for ${(m.cause_accuracy * 100).toFixed(0)}% of caught hotspots`);
  for (const h of m.outcomes) {
    const when = new Date(h.declaredAt).toISOString().slice(11, 16);
    const how = h.caughtBy ? `caught by ${h.caughtBy} ${h.leadMinutes?.toFixed(0)} min ahead` : h.lateAlert ? `alert ${h.lateAlert} came late` : 'missed';
    lines.push(`  ${h.region} ${h.category} declared ${when} (${h.complaints} complaints): ${how}`);
  }
  return lines.join('\n');
}

const command: Command = {
  name: 'run',
  summary: 'run the engine: source → features → model → alerts (default: live simulator)',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('run', argv, {
      source: { type: 'string' },
      db: { type: 'string' },
      model: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      hours: { type: 'string' },
      subscribers: { type: 'string' },
      speed: { type: 'string' },
      topology: { type: 'string' },
      'subscribers-file': { type: 'string' },
      complaints: { type: 'string' },
      'dead-letters': { type: 'string' },
      'exit-when-idle': { type: 'string' },
      fresh: { type: 'boolean' },
      'checkpoint-gap': { type: 'string' },
      'allowed-lateness-ms': { type: 'string' },
      grpc: { type: 'string' },
      http: { type: 'string' },
      'alerts-topic': { type: 'string' },
      'outreach-topic': { type: 'string' },
      'scores-topic': { type: 'string' },
      stage: { type: 'string' },
      'checkpoint-dir': { type: 'string' },
      quiet: { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const parsed = OptionsSchema.safeParse({
      ...values,
      subscribersFile: values['subscribers-file'],
      deadLetters: values['dead-letters'],
      exitWhenIdle: values['exit-when-idle'],
      checkpointGap: values['checkpoint-gap'],
      allowedLatenessMs: values['allowed-lateness-ms'],
      alertsTopic: values['alerts-topic'],
      outreachTopic: values['outreach-topic'],
      scoresTopic: values['scores-topic'],
      checkpointDir: values['checkpoint-dir'],
    });
    if (!parsed.success) throw new UsageError(`run: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    const o = parsed.data;
    const kafka = o.source.startsWith('kafka://') ? parseKafkaSource(o.source) : null;

    if (o.stage && !kafka) throw new UsageError(`run: --stage ${o.stage} needs a kafka:// source`);
    if (o.stage && kafka!.topics.length !== 1) throw new UsageError(`run: --stage ${o.stage} reads one topic`);
    if (o.stage === 'detect' && o.scoresTopic) throw new UsageError('run: --stage detect reads scores; --scores-topic is for --stage score');
    const spec = await loadFeatureSpec();
    const modelDir = await loadModelDir(o.model, spec);
    if (o.stage === 'score') return runScoreStageCommand(o, kafka!, spec, modelDir);
    const deadLetters = new DeadLetterMemory();
    const source = kafka ? await prepareKafkaSideFiles(o, kafka) : o.source === 'sim' ? prepareSimulator(o) : await prepareFile(o, deadLetters);

    const store = await Store.open(o.db);
    const controller = new AbortController();
    let interrupted = false;
    const onSignal = () => {
      if (interrupted) process.exit(130); // a second Ctrl-C forces the exit
      interrupted = true;
      console.log('\nstopping: closing windows and flushing the store… (Ctrl-C again to force)');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    // A Kafka stream continues its unfinished run from the newest checkpoint (after a crash or Ctrl-C).
    const resume = kafka && !o.fresh ? await store.latestCheckpoint(source.label) : null;
    const runId = resume ? resume.runId : await store.beginRun({ source: source.label, modelVersion: modelDir.card.modelVersion, config: o });
    // A resumed run's alert history so far: for the summary at its end, and served so StreamAlerts can resume anywhere.
    const earlierEvents = resume ? await store.alertEvents(runId) : [];
    const consoleSink = new ConsoleSink({ color: process.stdout.isTTY, write: (l) => console.log(l) });
    // Rejected rows always reach the store; --dead-letters also keeps them as JSONL next to the data.
    const deadLetterFile = o.deadLetters ? new DeadLetterFile(o.deadLetters) : null;
    const sinks: EngineSink[] = [new StoreSink(store), o.quiet ? { name: 'alerts', onAlertEvents: (e) => consoleSink.onAlertEvents(e) } : consoleSink];
    if (deadLetterFile) sinks.push({ name: 'dead-letter-file', onDeadLetters: (letters) => letters.forEach((l) => deadLetterFile.add(l)) });
    const publishTargets = publishTargetsOf(o);
    const kafkaSink = publishTargets ? await kafkaEngineSink(publishTargets, source.topology.regions) : null;
    if (kafkaSink) sinks.push(kafkaSink.sink);
    let grpcServer: RunningGrpcServer | null = null;
    let dashboard: RunningDashboard | null = null;
    if (o.grpc || o.http) {
      const api = liveApiSink(source.topology.regions);
      for (const e of earlierEvents) api.views.alerts.append(toApiEvent(e));
      sinks.push(api.sink);
      const served = { alerts: api.views.alerts, outreach: api.views.outreach, regionRisk: api.views.regionRisk };
      if (o.grpc) {
        const { host, port } = parseListenAddress(o.grpc);
        grpcServer = await startGrpcServer({ host, port, ...served });
        console.log(`gRPC API on ${host}:${grpcServer.port}`);
      }
      if (o.http) {
        const { host, port } = parseListenAddress(o.http);
        dashboard = await startDashboard({ host, port, ...served, title: `run ${runId} (${source.label})` });
        console.log(`dashboard on http://${host}:${dashboard.port}/`);
      }
    }
    const engine = new Engine({
      spec,
      topology: source.topology,
      subscribers: source.subscribers,
      complaints: source.complaints,
      model: modelDir.model,
      threshold: modelDir.card.threshold,
      modelVersion: modelDir.card.modelVersion,
      allowedLatenessMs: o.allowedLatenessMs,
      deadLetters,
      sinks,
    });
    console.log(
      `hotspot run ${runId}${resume ? ` (resumed from checkpoint ${resume.checkpointId}, event time ${new Date(resume.eventTime).toISOString()})` : ''}: ` +
        `source ${source.label}, ${source.topology.cells.length} cells in ${source.topology.regions.length} regions, ` +
        `${source.subscribers.length.toLocaleString('en-US')} subscribers, model ${modelDir.card.modelVersion} (threshold ${modelDir.card.threshold.toFixed(3)}), db ${o.db}`,
    );
    const t0 = performance.now();
    let status = 'completed' as 'completed' | 'interrupted' | 'failed';
    let firstRecordAt = source.startAt;
    const noteFirstRecord = (batch: RecordBatch) => {
      // A file or Kafka source's time range is only known from its records (for false alerts per cell-hour).
      if (Number.isNaN(firstRecordAt) && batch.numRows > 0) firstRecordAt = minStartTime(batch);
    };
    try {
      if (kafka) {
        if (resume) {
          firstRecordAt = await firstWindowStart(store, runId);
          engine.alertEvents.push(...earlierEvents);
        }
        const onCheckpoint = o.verbose
          ? (c: CheckpointRow) =>
              console.log(
                `checkpoint ${c.checkpointId}: event time ${new Date(c.eventTime).toISOString().slice(0, 16)}, ` +
                  `offsets ${c.offsets.map((x) => `${x.topic}/${x.partition}@${x.offset}`).join(' ')}`,
              )
          : undefined;
        const stored = {
          engine,
          store,
          runId,
          sourceLabel: source.label,
          resumeFrom: resume,
          exitWhenIdleMs: o.exitWhenIdle === undefined ? Infinity : o.exitWhenIdle * 1000,
          signal: controller.signal,
          onCheckpoint,
        };
        if (o.stage === 'detect') {
          sinks.push({ name: 'first-window', onScoredWindow: (w) => void (Number.isNaN(firstRecordAt) && (firstRecordAt = w.windowStart)) });
          const result = await runDetectStage({
            ...stored,
            consumer: new KafkaMessageConsumer({ brokers: kafka.brokers, groupId: kafka.groupId, topic: kafka.topics[0].topic, rdkafka: kafka.rdkafka }),
            log: o.verbose ? (l) => console.log(l) : undefined,
          });
          console.log(`${result.windows} windows joined from the scores topic; ${result.duplicateMessages} copies of messages dropped`);
          if (result.incompleteWindows > 0) console.log(`warning: ${result.incompleteWindows} window(s) lacked part of a record partition's share`);
          if (result.lateShareMessages > 0) console.log(`warning: ${result.lateShareMessages} message(s) of a record partition's share came after their window was handed on without it (dead-lettered)`);
          status = result.status;
        } else {
          const result = await runCheckpointed({
            ...stored,
            source: new KafkaSource(kafka),
            onBatch: noteFirstRecord,
            windowCheckpointGapMs: o.checkpointGap === undefined ? undefined : o.checkpointGap * 1000,
          });
          status = result.status;
        }
      } else {
        for await (const batch of source.batches(controller.signal)) {
          noteFirstRecord(batch);
          await engine.push(batch);
          if (controller.signal.aborted) break;
        }
        await engine.finish({ closeOpenWindows: !interrupted });
        if (interrupted) status = 'interrupted';
      }
    } catch (err) {
      status = 'failed';
      throw err;
    } finally {
      const seconds = (performance.now() - t0) / 1000;
      const p = engine.stats;
      console.log(formatProgress(p));
      // The detect stage reads scored user-windows, not records: its rate is in those.
      const [count, unit] = o.stage === 'detect' ? [p.userWindows, 'scored user-windows'] : [p.records, 'records'];
      console.log(`${count.toLocaleString('en-US')} ${unit} in ${seconds.toFixed(1)} s (${Math.round(count / Math.max(seconds, 1e-9)).toLocaleString('en-US')} ${unit}/s)`);
      if (source.complaints.length > 0 && p.eventTime > 0 && !Number.isNaN(firstRecordAt)) {
        const endAt = p.eventTime;
        const metrics = evaluateHotspots({
          events: engine.alertEvents,
          // Only complaints up to where the run got to can be judged.
          complaints: source.complaints.filter((c) => c.time <= endAt),
          cells: source.topology.cells.length,
          startAt: firstRecordAt,
          endAt,
          faults: source.faults.filter((f) => f.startAt < endAt),
        });
        console.log(formatSummary(metrics));
        await store.writeMetrics({
          hotspots: metrics.hotspots,
          caught: metrics.caught,
          recall: metrics.recall,
          median_lead_minutes: metrics.median_lead_minutes ?? NaN,
          false_alerts: metrics.false_alerts,
          false_alerts_per_1000_cell_hours: metrics.false_alerts_per_1000_cell_hours,
        });
      }
      await store.close(status);
      await deadLetterFile?.close();
      await grpcServer?.close(2000);
      await dashboard?.close();
      const published = await kafkaSink?.close();
      if (published) console.log(`published ${published.delivered.toLocaleString('en-US')} Kafka messages${published.failed > 0 ? `, ${published.failed} failed: ${published.lastError}` : ''}`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.log(`stored run ${runId} in ${o.db} (${status})`);
    }
    return status === 'failed' ? 1 : 0;
  },
};
export default command;

/**
 * `run --stage score`: one stage-1 instance of a scale-out run. No database: each record partition's state lives in
 * its checkpoint file under --checkpoint-dir, and its scored windows go to --scores-topic for the detect stage.
 */
async function runScoreStageCommand(o: RunOptions, kafka: ReturnType<typeof parseKafkaUrl>, spec: FeatureSpec, modelDir: Awaited<ReturnType<typeof loadModelDir>>): Promise<number> {
  if (!o.topology) throw new UsageError('run: --stage score needs --topology FILE');
  if (!o.checkpointDir) throw new UsageError('run: --stage score needs --checkpoint-dir DIR (shared by the instances)');
  const targets = publishTargetsOf(o);
  if (!targets?.scoresTopic) throw new UsageError('run: --stage score needs --scores-topic kafka://BROKERS/TOPIC');
  if (targets.alertsTopic || targets.outreachTopic) throw new UsageError('run: --stage score publishes scores only; alerts and care lists come from --stage detect');
  const topology = await readTopology(o.topology);
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\nstopping: checkpointing this instance\'s partitions… (Ctrl-C again to force)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const producer = new KafkaProducerSink({
    brokers: targets.brokers,
    clientId: 'hotspot-score',
    // Feature columns of many users per message; lz4 shrinks their zeros cheaply.
    rdkafka: { 'message.max.bytes': 16_000_000, 'compression.codec': 'lz4', 'linger.ms': 20 },
  });
  await producer.start();
  console.log(`hotspot run --stage score: source ${kafkaSourceLabel(kafka)} → ${targets.scoresTopic}, model ${modelDir.card.modelVersion}, checkpoints in ${o.checkpointDir}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const r = await runScoreStage({
      spec,
      topology,
      model: modelDir.model,
      threshold: modelDir.card.threshold,
      modelVersion: modelDir.card.modelVersion,
      allowedLatenessMs: o.allowedLatenessMs,
      kafka,
      producer,
      scoresTopic: targets.scoresTopic,
      deadLetterTopic: kafka.deadLetterTopic ?? null,
      checkpointDir: o.checkpointDir,
      exitWhenIdleMs: o.exitWhenIdle === undefined ? Infinity : o.exitWhenIdle * 1000,
      signal: controller.signal,
      log: o.verbose ? (l) => console.log(l) : undefined,
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(
      `${r.records.toLocaleString('en-US')} records, ${r.windows} partition-windows (${r.userWindows.toLocaleString('en-US')} user-windows), ` +
        `${r.messages.toLocaleString('en-US')} messages, ${r.checkpoints} checkpoints, ${r.deadLetters} dead letters in ${seconds.toFixed(1)} s ` +
        `(${cpuSeconds.toFixed(1)} s CPU, ${Math.round(r.records / Math.max(cpuSeconds, 1e-9)).toLocaleString('en-US')} records per CPU-second) (${r.status})`,
    );
    if (r.records > 0) {
      const busy = (r.lastRecordAt - r.firstRecordAt) / 1000;
      console.log(
        `records taken from ${new Date(r.firstRecordAt).toISOString()} to ${new Date(r.lastRecordAt).toISOString()} (${busy.toFixed(1)} s, ` +
          `${r.cpuWhileRecords.toFixed(1)} s CPU: ${Math.round(r.records / Math.max(r.cpuWhileRecords, 1e-9)).toLocaleString('en-US')} records per CPU-second meanwhile)`,
      );
    }
  } finally {
    const stats = await producer.close().then(() => producer.stats());
    if (stats.failed > 0) console.log(`warning: ${stats.failed} scores messages failed: ${stats.lastError}`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
