// Replay: history through the exact serving code (the same Engine as `hotspot run`), once per model over one read
// of the records, then measured against the complaints: user-level metrics on every scored user-window and
// hotspot-level catch/lead/false-alert metrics on the alerts.
import type { RecordBatch } from 'apache-arrow';
import { Engine, type EngineSink } from '../engine/engine.js';
import type { FeatureSpec } from '../features/index.js';
import { evaluateHotspots, userLevelMetrics, type EvaluationConfigInput, type InjectedFault } from '../hotspots/evaluation.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import type { LoadedModelDir } from '../model/model-dir.js';
import { complaintIndex, hasTimeIn } from '../model/train/samples.js';
import { int64Column } from '../schema/columns.js';
import type { Complaint, Subscriber, Topology } from '../schema/side-files.js';
import type { DeadLetterMemory } from '../sources/dead-letters.js';
import type { ReplayRun } from './replay-result.js';

export const DEFAULT_LABEL_HORIZON_MS = 24 * 3_600_000;

export interface ReplayModel {
  name: string;
  dir: LoadedModelDir;
}

export interface ReplayInput {
  batches: AsyncIterable<RecordBatch>;
  spec: FeatureSpec;
  topology: Topology;
  subscribers: readonly Subscriber[];
  complaints: readonly Complaint[];
  models: ReplayModel[];
  /** A user-window is positive when its user complains within this long after the window ends. */
  labelHorizonMs?: number;
  faults?: readonly InjectedFault[];
  evaluation?: EvaluationConfigInput;
  deadLetters?: DeadLetterMemory;
  /** Extra sinks for the first model's engine (e.g. the store). */
  sinks?: EngineSink[];
  onProgress?: (records: number) => void;
}

export interface ReplayOutput {
  runs: ReplayRun[];
  startAt: number;
  endAt: number;
  records: number;
}

/** Collects probability and label of every scored user-window (growable typed arrays). */
export class LabelCollector implements EngineSink {
  readonly name = 'labels';
  private probability = new Float64Array(1 << 16);
  private label = new Uint8Array(1 << 16);
  private n = 0;
  unlabelled = 0;

  constructor(
    private readonly complaintsByMsisdn: Map<string, Float64Array>,
    private readonly horizonMs: number,
  ) {}

  onScoredWindow(w: ScoredWindow): void {
    const rows = w.imsi.length;
    this.reserve(rows);
    const msisdn = w.msisdn;
    for (let i = 0; i < rows; i++) {
      const m = msisdn?.[i];
      if (!m) {
        this.unlabelled++;
        continue;
      }
      const times = this.complaintsByMsisdn.get(m);
      this.probability[this.n] = w.probability[i];
      this.label[this.n] = times && hasTimeIn(times, w.windowEnd, w.windowEnd + this.horizonMs) ? 1 : 0;
      this.n++;
    }
  }

  result(): { probability: Float64Array; label: Uint8Array } {
    return { probability: this.probability.slice(0, this.n), label: this.label.slice(0, this.n) };
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.probability.length) return;
    const size = Math.max(this.probability.length * 2, this.n + extra);
    const p = new Float64Array(size);
    p.set(this.probability.subarray(0, this.n));
    const l = new Uint8Array(size);
    l.set(this.label.subarray(0, this.n));
    this.probability = p;
    this.label = l;
  }
}

export async function replay(input: ReplayInput): Promise<ReplayOutput> {
  if (input.models.length === 0) throw new Error('replay needs at least one model');
  const horizon = input.labelHorizonMs ?? DEFAULT_LABEL_HORIZON_MS;
  const index = complaintIndex(input.complaints);
  const lanes = input.models.map((m, i) => {
    const labels = new LabelCollector(index, horizon);
    const engine = new Engine({
      spec: input.spec,
      topology: input.topology,
      subscribers: input.subscribers,
      complaints: input.complaints,
      model: m.dir.model,
      threshold: m.dir.card.threshold,
      modelVersion: m.dir.card.modelVersion,
      // Decode dead letters are shared; only the first lane forwards them so they are stored once.
      deadLetters: i === 0 ? input.deadLetters : undefined,
      sinks: i === 0 ? [labels, ...(input.sinks ?? [])] : [labels],
    });
    return { model: m, engine, labels };
  });

  let startAt = Infinity;
  let endAt = -Infinity;
  let records = 0;
  for await (const batch of input.batches) {
    const t = int64Column(batch, 'start_time').values;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < startAt) startAt = t[i];
      if (t[i] > endAt) endAt = t[i];
    }
    records += batch.numRows;
    for (const lane of lanes) await lane.engine.push(batch);
    input.onProgress?.(records);
  }
  for (const lane of lanes) await lane.engine.finish();
  if (records === 0) throw new Error('replay: the records contained no valid rows');

  const cells = input.topology.cells.length;
  const runs: ReplayRun[] = lanes.map(({ model, engine, labels }) => {
    const { probability, label } = labels.result();
    const events = engine.alertEvents;
    return {
      modelName: model.name,
      modelVersion: model.dir.card.modelVersion,
      user: userLevelMetrics(probability, label, model.dir.card.threshold),
      hotspots: evaluateHotspots({
        events,
        complaints: input.complaints,
        cells,
        startAt,
        endAt,
        faults: input.faults,
        config: input.evaluation,
      }),
      probability,
      label,
      events,
    };
  });
  return { runs, startAt, endAt, records };
}
