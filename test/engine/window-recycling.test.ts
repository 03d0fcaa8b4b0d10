// The streaming engine hands each feature window back to the feature engine once the next window is scored (the
// detector holds the last one): windows must still be intact while scored, and the held one stays intact.
import type { RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { FeatureEngine, type FeatureSpec, type FeatureWindow } from '../../src/features/index.js';
import type { ScoredWindow } from '../../src/hotspots/scored-window.js';
import type { Subscriber, Topology } from '../../src/schema/side-files.js';
import { simulatedCity, type SimulatedCity } from '../support/simulated-city.js';

let spec: FeatureSpec;
let topology: Topology;
let subscribers: Subscriber[];
let pieces: RecordBatch[];
let modelDir: SimulatedCity['modelDir'];

beforeAll(async () => {
  ({ spec, topology, subscribers, pieces, modelDir } = await simulatedCity({ seed: 5, hours: 2, subscribers: 500, pieceRows: 3000 }));
}, 120_000);

describe('engine window recycling', () => {
  it('scores every window on intact features, keeps the held window intact, and reuses earlier buffers', async () => {
    // Reference windows from a feature engine whose windows are never recycled.
    const plain = new FeatureEngine(spec, topology);
    const reference: FeatureWindow[] = [];
    for (const b of pieces) reference.push(...plain.push(b));
    reference.push(...plain.flush());

    const seen: { window: ScoredWindow; copy: Float64Array[] }[] = [];
    // Whether the window before each new one (the one the detector held while this one closed) was still intact.
    const previousIntact: boolean[] = [];
    const intact = (s: { window: ScoredWindow; copy: Float64Array[] }) =>
      s.window.features.every((c, f) => c.every((v, r) => Object.is(v, s.copy[f][r])));
    const engine = new Engine({
      spec, topology, subscribers, model: modelDir.model, threshold: modelDir.card.threshold, modelVersion: modelDir.card.modelVersion,
      sinks: [
        {
          name: 'collect',
          onScoredWindow: (w) => {
            if (seen.length > 0) previousIntact.push(intact(seen[seen.length - 1]));
            seen.push({ window: w, copy: w.features.map((c) => c.slice()) });
          },
        },
      ],
    });
    for (const b of pieces) await engine.push(b);
    await engine.finish();

    expect(seen.length).toBe(reference.length);
    expect(seen.length).toBeGreaterThan(4);
    const names = reference[0].featureNames;
    for (let k = 0; k < seen.length; k++) {
      const { window, copy } = seen[k];
      // As scored: the same values as the never-recycled reference, bit for bit.
      window.featureNames.forEach((name, f) => {
        expect(Array.from(copy[f]), `window ${k} ${name}`).toEqual(Array.from(reference[k].columns[names.indexOf(name)]));
      });
    }
    // A window is never reused while the detector holds it: neither while the next window closes, nor the last.
    expect(previousIntact).toEqual(seen.slice(1).map(() => true));
    expect(intact(seen[seen.length - 1])).toBe(true);
    // Earlier windows were recycled: some later window lives in the first window's buffers.
    const first = new Set(seen[0].window.features.map((c) => c.buffer));
    expect(seen.slice(2).some((s) => s.window.features.some((c) => first.has(c.buffer)))).toBe(true);
  }, 180_000);
});
