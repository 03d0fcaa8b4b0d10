// The detector's AlertRecord is what the API, Kafka and the store carry: it must satisfy the API's schema.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { alertEventSchema, alertSchema, type AlertInput } from '../../src/api/alert-event.js';
import type { AlertRecord } from '../../src/hotspots/alert.js';
import { HotspotDetector } from '../../src/hotspots/detector.js';
import { faultUsers, gridTopology, scoredWindow } from './fixtures.js';

describe('AlertRecord vs the API alert contract', () => {
  it('is assignable to the API input type', () => {
    expectTypeOf<AlertRecord>().toExtend<AlertInput>();
  });

  it('every event of a lifecycle parses with the API schema unchanged', () => {
    const topo = gridTopology();
    const d = new HotspotDetector(topo, []);
    const events = [];
    for (let i = 0; i < 16; i++) events.push(...d.onWindow(scoredWindow(topo, i, i >= 8 && i < 11 ? faultUsers(1000 * 256, 30, 'radio', 1e14) : [])));
    expect(events.map((e) => e.alert.status)).toEqual(['open', 'resolved']);
    for (const e of events) {
      expect(alertSchema.parse(e.alert)).toEqual(e.alert);
      expect(alertEventSchema.parse({ sequence: e.sequence, alert: e.alert }).sequence).toBe(e.sequence);
    }
  });
});
