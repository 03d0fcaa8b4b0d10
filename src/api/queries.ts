// The small interfaces the gRPC server is backed by. The engine (wired by `hotspot run` / `serve`) implements
// them; tests implement them with plain arrays. None of them knows about gRPC.
import type { RecordBatch } from 'apache-arrow';
import type { DeadLetterSink } from '../sources/dead-letters.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import type { Severity } from './alert-event.js';

/** Receives decoded S1 batches from gRPC Ingest. A returned promise is awaited before the next message is read. */
export interface RecordIngest {
  ingest(batch: RecordBatch, source: string): void | Promise<void>;
  /** Where rejected records go; the Ingest summary reports their counts too. */
  readonly deadLetters: DeadLetterSink;
}

export interface OutreachQuery {
  /** The care list of an alert in sending order (all kinds); undefined when the alert has no list. */
  forAlert(alertId: string): readonly OutreachMessage[] | undefined;
}

export interface RegionRiskRow {
  region: string;
  usersAtRisk: number;
  expectedComplaints: number;
  /** Event time of the latest scored window, epoch ms. */
  asOf: number;
}

export interface RegionRiskQuery {
  /** Every known region (from the topology), with its latest risk. */
  regions(): readonly RegionRiskRow[];
}

/** What GetRegionRisk returns per region: risk from the scorer plus the open alerts from the feed. */
export interface RegionRiskView extends RegionRiskRow {
  openAlerts: number;
  maxSeverity: Severity | null;
}
