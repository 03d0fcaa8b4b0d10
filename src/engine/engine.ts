// The engine: one code path for live and replay. Record batches go in (any source, in event-time order up to the
// allowed lateness); closed windows are scored, turned into alert events and care lists, and handed to the sinks.
//
//   const engine = new Engine({ spec, topology, subscribers, complaints, model, ... , sinks: [store, console] });
//   for await (const batch of source) await engine.push(batch);
//   await engine.finish();
import type { RecordBatch } from 'apache-arrow';
import { FeatureEngine, type FeatureSpec, type FeatureWindow } from '../features/index.js';
import type { AlertEvent } from '../hotspots/alert.js';
import { HotspotDetector } from '../hotspots/detector.js';
import type { DetectorConfigInput } from '../hotspots/detector-config.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import type { GbdtModel } from '../model/tree.js';
import { OutreachPlanner, type OutreachConfigInput } from '../outreach/care-list.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import type { Complaint, Subscriber, Topology } from '../schema/side-files.js';
import { DeadLetterMemory, type DeadLetter } from '../sources/dead-letters.js';
import type { DetectorSnapshot } from '../hotspots/detector.js';
import type { OutreachSnapshot } from '../outreach/care-list.js';
import { WindowScorer } from './window-scorer.js';

/** Where the engine's results go: the store, the console, gRPC, Kafka. Every method is optional. */
export interface EngineSink {
  readonly name: string;
  onScoredWindow?(w: ScoredWindow, regions: readonly string[], threshold: number): Promise<void> | void;
  onAlertEvents?(events: readonly AlertEvent[]): Promise<void> | void;
  onOutreach?(messages: readonly OutreachMessage[]): Promise<void> | void;
  onDeadLetters?(letters: readonly DeadLetter[]): Promise<void> | void;
  onProgress?(progress: EngineProgress): void;
}

export interface EngineOptions {
  spec: FeatureSpec;
  topology: Topology;
  subscribers: readonly Subscriber[];
  /** Complaints known so far (outreach never messages users who already complained). */
  complaints?: readonly Complaint[];
  model: GbdtModel;
  threshold: number;
  modelVersion: string;
  detector?: DetectorConfigInput;
  outreach?: OutreachConfigInput;
  allowedLatenessMs?: number;
  /** Shared with the sources so that decode and feature dead letters reach the same sinks. */
  deadLetters?: DeadLetterMemory;
  sinks: EngineSink[];
}

export interface EngineProgress {
  records: number;
  windows: number;
  userWindows: number;
  atRisk: number;
  alertEvents: number;
  openAlerts: number;
  outreachMessages: number;
  deadLetters: number;
  /** Event time of the newest closed window's end, epoch ms. */
  eventTime: number;
}

/** Everything a restarted engine needs to continue exactly where this one was (a live run's checkpoint). */
export interface EngineState {
  features: Uint8Array;
  detector: DetectorSnapshot;
  outreach: OutreachSnapshot;
  progress: EngineProgress;
}

export class Engine {
  private featureEngine: FeatureEngine;
  readonly scorer: WindowScorer;
  readonly detector: HotspotDetector;
  readonly outreach: OutreachPlanner;
  readonly deadLetters: DeadLetterMemory;
  readonly alertEvents: AlertEvent[] = [];
  /** Dead letters counted before a restore (the shared DeadLetterMemory of a restarted process starts at zero). */
  private deadLetterBase = 0;
  /** The last window scored: the detector still reads it (its ScoredWindow shares these columns). */
  private heldWindow: FeatureWindow | null = null;
  private readonly progress: EngineProgress = {
    records: 0,
    windows: 0,
    userWindows: 0,
    atRisk: 0,
    alertEvents: 0,
    openAlerts: 0,
    outreachMessages: 0,
    deadLetters: 0,
    eventTime: 0,
  };

  constructor(private readonly options: EngineOptions) {
    this.deadLetters = options.deadLetters ?? new DeadLetterMemory();
    this.featureEngine = new FeatureEngine(options.spec, options.topology, this.featureOptions());
    this.scorer = new WindowScorer(options.model, { threshold: options.threshold, modelVersion: options.modelVersion });
    this.detector = new HotspotDetector(options.topology, options.subscribers, {
      ...options.detector,
      threshold: options.threshold,
    });
    this.outreach = new OutreachPlanner(options.subscribers, options.topology.regions, {
      complainerThreshold: options.threshold,
      ...options.outreach,
    });
    if (options.complaints) this.outreach.addComplaints(options.complaints);
  }

  get stats(): Readonly<EngineProgress> {
    return this.progress;
  }

  get features(): FeatureEngine {
    return this.featureEngine;
  }

  /** Take between two push() calls: the state then covers exactly the records pushed so far. */
  snapshot(): EngineState {
    return {
      features: this.featureEngine.snapshot(),
      detector: this.detector.snapshot(),
      outreach: this.outreach.snapshot(),
      progress: { ...this.progress },
    };
  }

  /** Continues from a snapshot (same spec, topology, model and options as the engine that took it). */
  restore(state: EngineState): void {
    this.featureEngine = FeatureEngine.restore(this.options.spec, this.options.topology, state.features, this.featureOptions());
    this.heldWindow = null;
    this.detector.restore(state.detector);
    this.outreach.restore(state.outreach);
    Object.assign(this.progress, state.progress);
    this.deadLetterBase = state.progress.deadLetters - this.deadLetters.count;
  }

  private featureOptions() {
    return { allowedLatenessMs: this.options.allowedLatenessMs, deadLetters: this.deadLetters, source: 'features' };
  }

  async push(batch: RecordBatch): Promise<void> {
    this.progress.records += batch.numRows;
    const windows = this.featureEngine.push(batch);
    for (const w of windows) await this.onWindow(w);
    await this.drainDeadLetters();
  }

  /** Letters a source rejected, handed over when the records around them are processed (checkpointed runs). */
  async acceptDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    for (const l of letters) this.deadLetters.add(l);
    await this.drainDeadLetters();
  }

  /**
   * End of input: closes every open window (unless told not to). Alerts still open stay open — the input ended, the region did not
   * return to baseline — so the store and the evaluation see them as unresolved.
   */
  async finish(options: { closeOpenWindows?: boolean } = {}): Promise<void> {
    // An interrupted run leaves its open windows unscored: they hold only part of their records, and scoring
    // them would show every alert shrinking at the moment ops pressed Ctrl-C.
    if (options.closeOpenWindows ?? true) for (const w of this.featureEngine.flush()) await this.onWindow(w);
    await this.drainDeadLetters();
    this.report();
  }

  private async onWindow(fw: FeatureWindow): Promise<void> {
    await this.onScored(this.scorer.score(fw));
    // The detector now holds this window instead of the previous one, and sinks are done with both: the previous
    // window's columns go back to the feature engine, so later windows skip fresh memory (page faults).
    if (this.heldWindow) this.featureEngine.recycle(this.heldWindow);
    this.heldWindow = fw;
  }

  /**
   * A window scored elsewhere: stage 2 of a scale-out run, where stage-1 instances compute features and scores per
   * record partition and this engine only detects hotspots and plans outreach (src/engine/detect-stage.ts).
   */
  async pushScored(scored: ScoredWindow): Promise<void> {
    await this.onScored(scored);
    await this.drainDeadLetters();
  }

  private async onScored(scored: ScoredWindow): Promise<void> {
    const p = this.progress;
    p.windows++;
    p.userWindows += scored.imsi.length;
    const threshold = this.options.threshold;
    for (let i = 0; i < scored.probability.length; i++) if (scored.probability[i] >= threshold) p.atRisk++;
    p.eventTime = Math.max(p.eventTime, scored.windowEnd);
    const regions = this.options.topology.regions;
    // Alerts and care lists first — they are what ops wait for — then the bulk rows of every scored user.
    await this.onAlertEvents(this.detector.onWindow(scored));
    for (const sink of this.options.sinks) await sink.onScoredWindow?.(scored, regions, this.options.threshold);
    this.report();
  }

  private async onAlertEvents(events: AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.alertEvents.push(...events);
    this.progress.alertEvents += events.length;
    this.progress.openAlerts = this.detector.activeAlerts().length;
    for (const sink of this.options.sinks) await sink.onAlertEvents?.(events);
    const messages: OutreachMessage[] = [];
    for (const event of events) {
      const plan = this.outreach.onAlertEvent(event, this.detector.affectedUsers(event.alert.alert_id));
      messages.push(...plan.messages);
    }
    if (messages.length === 0) return;
    this.progress.outreachMessages += messages.length;
    for (const sink of this.options.sinks) await sink.onOutreach?.(messages);
  }

  private async drainDeadLetters(): Promise<void> {
    const letters = this.deadLetters.drain();
    this.progress.deadLetters = this.deadLetterBase + this.deadLetters.count;
    if (letters.length === 0) return;
    for (const sink of this.options.sinks) await sink.onDeadLetters?.(letters);
  }

  private report(): void {
    for (const sink of this.options.sinks) sink.onProgress?.(this.progress);
  }
}
