// The DuckDB store as an engine sink: scored user-windows, alert history, care lists and dead letters.
import type { AlertEvent } from '../hotspots/alert.js';
import type { ScoredWindow } from '../hotspots/scored-window.js';
import type { OutreachMessage } from '../outreach/outreach-message.js';
import type { DeadLetter } from '../sources/dead-letters.js';
import type { Store } from '../store/store.js';
import type { EngineSink } from './engine.js';

export class StoreSink implements EngineSink {
  readonly name = 'store';
  private eventTime = 0;

  constructor(private readonly store: Store) {}

  async onScoredWindow(w: ScoredWindow, regions: readonly string[], threshold: number): Promise<void> {
    this.eventTime = w.windowEnd;
    await this.store.writeScoredWindow(w, { regions, threshold });
  }

  async onAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    await this.store.writeAlertEvents(events);
  }

  async onOutreach(messages: readonly OutreachMessage[]): Promise<void> {
    await this.store.writeOutreach(messages);
  }

  async onDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await this.store.writeDeadLetters(letters, this.eventTime);
  }
}
