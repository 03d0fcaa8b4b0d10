// The engine's checkpoint state: a snapshot taken between two batches and restored into a new engine (in a new
// process, via the state file) continues exactly like the engine that never stopped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEngineState, encodeEngineState, readStateFile, sha256, writeStateFile } from '../../src/engine/checkpoint.js';
import { Engine } from '../../src/engine/engine.js';
import type { FeatureSpec } from '../../src/features/index.js';
import type { AlertEvent } from '../../src/hotspots/alert.js';
import type { OutreachMessage } from '../../src/outreach/outreach-message.js';
import type { Subscriber, Topology } from '../../src/schema/side-files.js';
import { simulatedCity, type SimulatedCity } from '../support/simulated-city.js';
import { mulberry32 } from '../support/mulberry32.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let spec: FeatureSpec;
let topology: Topology;
let subscribers: Subscriber[];
let pieces: RecordBatch[];
let modelDir: SimulatedCity['modelDir'];

beforeAll(async () => {
  ({ spec, topology, subscribers, pieces, modelDir } = await simulatedCity({ seed: 77, hours: 3, subscribers: 700, pieceRows: 4000 }));
}, 120_000);

function engineWith(out: { events: AlertEvent[]; messages: OutreachMessage[] }): Engine {
  return new Engine({
    spec, topology, subscribers, model: modelDir.model, threshold: modelDir.card.threshold, modelVersion: modelDir.card.modelVersion,
    sinks: [{ name: 'collect', onAlertEvents: (e) => void out.events.push(...e), onOutreach: (m) => void out.messages.push(...m) }],
  });
}

describe('engine checkpoint state', () => {
  it('restored from its state file at random points, continues exactly like the uninterrupted engine', async () => {
    const whole = { events: [] as AlertEvent[], messages: [] as OutreachMessage[] };
    const reference = engineWith(whole);
    for (const b of pieces) await reference.push(b);
    await reference.finish();
    expect(whole.events.length).toBeGreaterThan(5);

    const rand = mulberry32(7);
    const cuts = new Set([1, 2, 3].map(() => 1 + Math.floor(rand() * (pieces.length - 2))));
    const resumed = { events: [] as AlertEvent[], messages: [] as OutreachMessage[] };
    let engine = engineWith(resumed);
    for (let i = 0; i < pieces.length; i++) {
      await engine.push(pieces[i]);
      if (!cuts.has(i)) continue;
      // Through the file, as a restarted process reads it (readFileSync gives a Buffer that may be a view).
      const file = join(dir, `state-${i}`);
      const state = engine.snapshot();
      const hash = await writeStateFile(file, state);
      expect(hash).toBe(sha256(encodeEngineState(state))); // the file is the two parts, hashed as written
      engine = engineWith(resumed);
      engine.restore(readStateFile(file, hash));
    }
    await engine.finish();
    expect(resumed.events).toEqual(whole.events);
    expect(resumed.messages).toEqual(whole.messages);
    expect(engine.stats).toEqual(reference.stats);
  }, 180_000);

  it('refuses a state file that is not the one its checkpoint names, truncated, or not a checkpoint', () => {
    const file = join(dir, 'bad');
    writeFileSync(file, 'not a checkpoint at all');
    expect(() => readStateFile(file, sha256(readFileSync(file)))).toThrow(/not a hotspot checkpoint/);
    expect(() => readStateFile(file, 'ab'.repeat(32))).toThrow(/does not match its checkpoint/);
    expect(() => readStateFile(join(dir, 'missing'), 'ab'.repeat(32))).toThrow(/cannot be read/);
    const good = encodeEngineState({
      features: new Uint8Array(8),
      detector: { version: 1 } as never,
      outreach: { lastContact: [] } as never,
      progress: { records: 1, windows: 0, userWindows: 0, atRisk: 0, alertEvents: 0, openAlerts: 0, outreachMessages: 0, deadLetters: 0, eventTime: 0 },
    });
    expect(decodeEngineState(good).progress.records).toBe(1);
    expect(() => decodeEngineState(good.subarray(0, 20))).toThrow(/truncated/);
  });
});
