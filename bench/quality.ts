// Detection-quality experiment (issue 5, "Done when"): train on simulated cities A, replay on an unseen city B
// through the serving code (feature engine → WindowScorer → HotspotDetector → evaluateHotspots), print the
// user-level and hotspot-level metrics against the bar (recall ≥ 0.9, median lead ≥ 30 min, ≤ 1 false alert per
// 1000 cell-hours, cause accuracy ≥ 0.8).
//
// The feature engine is the slow part (a 10k-user, 6 h city is ~1 GB of Arrow records), so each city's
// user-windows are computed once and cached next to its records (features.bin + features.json); training and
// detection then run from the cache in seconds. Delete the cache after changing the feature spec.
//
// usage:
//   node dist/bench/quality.js --train DIR[,DIR...] --eval DIR [--horizon 3h] [--target-precision P]
//       [--drop default|none|PATTERN,...] [--save MODELDIR] [--detector JSON] [--threshold P] [--events FILE.jsonl]
//       [--fault-truth complaints|alert] [key=value ...]
//   --fault-truth: judge a hotspot's suspected cause against the fault its complaints came from (default; the
//   truth's affected users), or against the fault running when the catching alert opened (no user truth).
//   DIR: a `hotspot simulate` output (records.arrow, complaints.csv, topology.csv, subscribers.csv, truth.json).
//   --model DIR instead of --train evaluates an existing model directory.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WindowScorer } from '../src/engine/window-scorer.js';
import { FeatureEngine, loadFeatureSpec, type FeatureWindow } from '../src/features/index.js';
import { FAULT_DOMAINS, type FaultDomain } from '../src/hotspots/cause-domains.js';
import { HotspotDetector } from '../src/hotspots/detector.js';
import type { AlertEvent } from '../src/hotspots/alert.js';
import { evaluateHotspots, userLevelMetrics, type InjectedFault } from '../src/hotspots/evaluation.js';
import { loadModelDir, writeModelDir } from '../src/model/model-dir.js';
import { parseKeyValueArgs } from '../src/model/train/params.js';
import { IDENTITY_FEATURES, labelWindows, type SampleSet } from '../src/model/train/samples.js';
import { trainFromSamples } from '../src/model/train/pipeline.js';
import { readComplaints, readRecords, readSubscribers, readTopology } from '../src/sources/files/index.js';
import { DeadLetterMemory } from '../src/sources/dead-letters.js';
import type { Subscriber, Topology } from '../src/schema/side-files.js';
import type { GbdtModel } from '../src/model/tree.js';

const HOUR = 3_600_000;

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|h)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s} (e.g. 90m, 3h)`);
  return Number(m[1]) * (m[2] === 'h' ? HOUR : 60_000);
}

interface CityCache {
  featureNames: string[];
  windows: FeatureWindow[];
  startAt: number;
  endAt: number;
}

/** Writes every array as float64 so the cache reads back with aligned views. */
function writeCache(dir: string, windows: FeatureWindow[], startAt: number, endAt: number): void {
  const fd = openSync(join(dir, 'features.bin'), 'w');
  const meta = { featureNames: windows[0]?.featureNames ?? [], startAt, endAt, windows: [] as Array<{ s: number; e: number; n: number; msisdn: string[] }> };
  const put = (a: Float64Array): void => {
    writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  };
  for (const w of windows) {
    meta.windows.push({ s: w.windowStart, e: w.windowEnd, n: w.imsi.length, msisdn: w.msisdn });
    put(w.imsi);
    put(w.cell);
    put(Float64Array.from(w.regionIndex));
    for (const c of w.columns) put(c);
  }
  closeSync(fd);
  writeFileSync(join(dir, 'features.json'), JSON.stringify(meta));
}

function readCache(dir: string): CityCache {
  const meta = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8')) as { featureNames: string[]; startAt: number; endAt: number; windows: Array<{ s: number; e: number; n: number; msisdn: string[] }> };
  const bytes = readFileSync(join(dir, 'features.bin'));
  const all = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  let o = 0;
  const take = (n: number): Float64Array => {
    const a = all.slice(o, o + n);
    o += n;
    return a;
  };
  const windows = meta.windows.map((m) => ({
    windowStart: m.s,
    windowEnd: m.e,
    msisdn: m.msisdn,
    imsi: take(m.n),
    cell: take(m.n),
    regionIndex: Int32Array.from(take(m.n)),
    featureNames: meta.featureNames,
    columns: meta.featureNames.map(() => take(m.n)),
  }));
  return { featureNames: meta.featureNames, windows, startAt: meta.startAt, endAt: meta.endAt };
}

async function cityWindows(dir: string, specPath: string | undefined, topology: Topology): Promise<CityCache> {
  if (existsSync(join(dir, 'features.json'))) return readCache(dir); // written last: a complete cache
  const t0 = performance.now();
  const spec = await loadFeatureSpec(specPath);
  const deadLetters = new DeadLetterMemory();
  const engine = new FeatureEngine(spec, topology, { deadLetters, source: dir });
  const windows: FeatureWindow[] = [];
  let startAt = Infinity;
  let endAt = -Infinity;
  for await (const batch of readRecords(join(dir, 'records.arrow'), { deadLetters })) {
    const t = batch.getChild('start_time')!.toArray() as BigInt64Array | Float64Array;
    for (let i = 0; i < t.length; i++) {
      const v = Number(t[i]);
      if (v < startAt) startAt = v;
      if (v > endAt) endAt = v;
    }
    windows.push(...engine.push(batch));
  }
  windows.push(...engine.flush());
  writeCache(dir, windows, startAt, endAt);
  console.error(`${dir}: ${windows.length} windows featurized in ${((performance.now() - t0) / 1000).toFixed(0)} s (cached)`);
  return { featureNames: windows[0]?.featureNames ?? [], windows, startAt, endAt };
}

/**
 * Injected faults from the simulator's truth. With `byComplaints`, each fault carries its affected users' MSISDNs,
 * so a hotspot is judged against the fault its complaints came from (exact when two faults overlap in a region).
 */
async function readFaults(path: string, subscribers: readonly Subscriber[], byComplaints: boolean): Promise<InjectedFault[]> {
  const t = JSON.parse(readFileSync(path, 'utf8')) as {
    faults: Array<{ domain: string; start: string; end: string; regions: string[]; affected_imsis?: string[] }>;
  };
  const msisdnOf = new Map(subscribers.map((s) => [s.imsi, s.msisdn]));
  return t.faults
    .filter((f) => (FAULT_DOMAINS as readonly string[]).includes(f.domain))
    .map((f) => ({
      domain: f.domain as FaultDomain,
      regions: f.regions,
      startAt: Date.parse(f.start),
      endAt: Date.parse(f.end),
      ...(byComplaints ? { msisdns: (f.affected_imsis ?? []).flatMap((i) => msisdnOf.get(i) ?? []) } : {}),
    }));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      train: { type: 'string' },
      eval: { type: 'string' },
      model: { type: 'string' },
      spec: { type: 'string' },
      horizon: { type: 'string', default: '24h' },
      'target-precision': { type: 'string', default: '0.5' },
      drop: { type: 'string', default: 'default' },
      save: { type: 'string' },
      detector: { type: 'string', default: '{}' },
      threshold: { type: 'string' },
      events: { type: 'string' },
      'fault-truth': { type: 'string', default: 'complaints' },
    },
  });
  if (!values.eval || (!values.train && !values.model)) throw new Error('usage: quality --train DIR[,DIR] | --model DIR, --eval DIR');
  const specPath = values.spec;
  const spec = await loadFeatureSpec(specPath);
  const specId = { name: spec.name, version: spec.version, hash: spec.hash };
  const horizonMs = parseDuration(values.horizon!);

  let model: GbdtModel;
  let threshold: number;
  let modelVersion: string;
  if (values.model) {
    const dir = await loadModelDir(values.model);
    model = dir.model;
    threshold = dir.card.threshold;
    modelVersion = dir.card.modelVersion;
  } else {
    // Training cities: samples concatenated; the time split is per city (window ends are shifted so each city
    // occupies its own time range and the validation tail is the last city's).
    const trainDirs = values.train!.split(',');
    const parts: SampleSet[] = [];
    for (const d of trainDirs) {
      const topology = await readTopology(join(d, 'topology.csv'));
      const cache = await cityWindows(d, specPath, topology);
      const complaints = await readComplaints(join(d, 'complaints.csv'));
      parts.push(labelWindows(cache.windows, complaints, horizonMs));
    }
    const names = parts[0].featureNames;
    const drop = values.drop === 'none' ? [] : values.drop === 'default' ? IDENTITY_FEATURES : values.drop!.split(',');
    let offset = 0;
    const concat = (get: (p: SampleSet) => Float64Array): Float64Array => {
      const out = new Float64Array(parts.reduce((s, p) => s + p.label.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(get(p), o);
        o += p.label.length;
      }
      return out;
    };
    const windowEnd = concat((p) => {
      // Lay the cities one after another on the time axis so the time split validates on the last one.
      let min = Infinity;
      let max = -Infinity;
      for (const t of p.windowEnd) {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
      const shifted = Float64Array.from(p.windowEnd, (t) => t - min + offset);
      offset += max - min + 2 * horizonMs;
      return shifted;
    });
    const samples = {
      featureNames: names,
      columns: names.map((_, i) => concat((p) => p.columns[i])),
      label: concat((p) => p.label),
      windowEnd,
      source: `quality bench: ${trainDirs.join(', ')}`,
      note: `${trainDirs.length} cities`,
    };
    const precision = Number(values['target-precision']);
    const trained = await trainFromSamples(
      samples,
      specId,
      { horizonMs, validFraction: 0.2, embargoMs: null, target: { kind: 'precision', value: precision }, paramSources: [parseKeyValueArgs(positionals)], dropFeatures: drop, log: (l) => console.error(l) },
      `user complains within ${values.horizon} after the window ends`,
    );
    model = trained.model;
    threshold = trained.card.threshold;
    modelVersion = trained.card.modelVersion;
    console.log(`train: ${trainDirs.join(',')} horizon ${values.horizon} features ${trained.model.featureNames.length}/${names.length} rows ${trained.card.data.trainRows} (+${trained.card.data.trainPositives}) valid AUC ${trained.card.validation.auc?.toFixed(3)} PR-AUC ${trained.card.validation.prAuc?.toFixed(3)} threshold ${threshold.toFixed(4)} iterations ${trained.card.training.bestIteration}`);
    if (values.save) await writeModelDir(values.save, model, trained.card);
  }

  // An explicit operating threshold overrides the card's (to sweep it without retraining).
  if (values.threshold) threshold = Number(values.threshold);
  // Replay on the unseen city through the serving scorer and detector.
  const e = values.eval;
  const topology = await readTopology(join(e, 'topology.csv'));
  const [cache, complaints, subscribers] = await Promise.all([
    cityWindows(e, specPath, topology),
    readComplaints(join(e, 'complaints.csv')),
    readSubscribers(join(e, 'subscribers.csv')),
  ]);
  if (values['fault-truth'] !== 'complaints' && values['fault-truth'] !== 'alert') throw new Error('--fault-truth complaints|alert');
  const faults = await readFaults(join(e, 'truth.json'), subscribers, values['fault-truth'] === 'complaints');
  const scorer = new WindowScorer(model, { threshold, modelVersion });
  const detector = new HotspotDetector(topology, subscribers, { ...(JSON.parse(values.detector!) as object), threshold });
  const events: AlertEvent[] = [];
  const probs: Float64Array[] = [];
  const labelSet = labelWindows(cache.windows, complaints, horizonMs);
  let atRisk = 0;
  for (const w of cache.windows) {
    const s = scorer.score(w);
    atRisk += s.explainedRows.length;
    // labelWindows drops rows without an MSISDN; keep the probabilities aligned with its labels.
    probs.push(w.msisdn.every((m) => m) ? s.probability : s.probability.filter((_, i) => w.msisdn[i]));
    events.push(...detector.onWindow(s));
  }
  events.push(...detector.finish());
  // The alert events as alerts.jsonl would hold them, to see which alert caught what and with which cause.
  if (values.events) writeFileSync(values.events, events.map((ev) => JSON.stringify(ev)).join('\n') + '\n');
  const probability = new Float64Array(labelSet.label.length);
  let o = 0;
  for (const p of probs) {
    probability.set(p, o);
    o += p.length;
  }
  const user = userLevelMetrics(probability, labelSet.label, threshold);
  const h = evaluateHotspots({ events, complaints, cells: topology.cells.length, startAt: cache.startAt, endAt: cache.endAt, faults });
  const causes = h.outcomes.filter((x) => x.caughtBy).map((x) => `${x.region}/${x.category}:${x.suspectedCause}~${x.injectedDomain}`);
  console.log(`eval ${e}: user AUC ${user.auc.toFixed(3)} PR-AUC ${user.pr_auc.toFixed(3)} precision ${user.precision.toFixed(3)} recall ${user.recall.toFixed(3)} at-risk user-windows ${atRisk}`);
  console.log(
    `hotspots ${h.hotspots} caught ${h.caught} late ${h.late} recall ${h.recall.toFixed(2)} (bar 0.9) | median lead ${h.median_lead_minutes ?? '-'} min (bar 30) | alerts ${h.alerts} false ${h.false_alerts} = ${h.false_alerts_per_1000_cell_hours.toFixed(2)}/1000 cell-h (bar 1) | cause accuracy ${h.cause_accuracy === null ? '-' : h.cause_accuracy.toFixed(2)} (bar 0.8; any fault of the complainants ${h.cause_accuracy_any_fault === null ? '-' : h.cause_accuracy_any_fault.toFixed(2)})`,
  );
  console.log(`caught: ${causes.join(' ')}`);
  // Where the cause is wrong: which alert caught the hotspot, when it was declared.
  const wrong = h.outcomes.filter((x) => x.caughtBy && x.injectedDomain && x.suspectedCause !== x.injectedDomain);
  console.log(`wrong cause: ${wrong.map((x) => `${x.region}/${x.category}@${new Date(x.declaredAt).toISOString().slice(11, 16)} by ${x.causeAlert!.slice(-6)}: ${x.suspectedCause}~${x.injectedDomain}`).join(' ')}`);
  console.log(`missed: ${h.outcomes.filter((x) => !x.caughtBy).map((x) => `${x.region}/${x.category}${x.lateAlert ? '(late)' : ''}`).join(' ')}`);
  // Per surviving alert: when it opened, its last cause and reach (one long network-wide alert can catch
  // many hotspots; this shows it).
  const last = new Map<string, AlertEvent>();
  for (const ev of events) last.set(ev.alert.alert_id, ev);
  const hhmm = (t: number): string => new Date(t).toISOString().slice(11, 16);
  const alive = [...last.values()].filter((ev) => !ev.merged_into);
  console.log(`alerts: ${alive.map((ev) => `${ev.alert.alert_id.slice(-6)} ${hhmm(ev.alert.opened_at)}-${ev.resolved_at ? hhmm(ev.resolved_at) : 'end'} ${ev.alert.suspected_cause} ${ev.regions.length} regions`).join('; ')}`);
  console.log(JSON.stringify({ user, hotspots: { ...h, outcomes: undefined } }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
