// A small simulated city cut into record batches of a fixed size, with the default spec and model: what the engine
// tests feed through `Engine`.
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { loadFeatureSpec, type FeatureSpec } from '../../src/features/index.js';
import { loadModelDir } from '../../src/model/model-dir.js';
import { buildTopology, type Subscriber, type Topology } from '../../src/schema/side-files.js';
import { createCity, simulateRecords, subscriberRows } from '../../src/sources/simulator/index.js';

export interface SimulatedCity {
  spec: FeatureSpec;
  modelDir: Awaited<ReturnType<typeof loadModelDir>>;
  topology: Topology;
  subscribers: Subscriber[];
  pieces: RecordBatch[];
}

export async function simulatedCity(o: { seed: number; hours: number; subscribers: number; pieceRows: number }): Promise<SimulatedCity> {
  const spec = await loadFeatureSpec();
  const modelDir = await loadModelDir(join(import.meta.dirname, '..', '..', 'models', 'default'), spec);
  const city = createCity({ seed: o.seed, hours: o.hours, subscribers: o.subscribers, scenario: 'all-faults' });
  const pieces: RecordBatch[] = [];
  for (const b of simulateRecords(city)) for (let at = 0; at < b.numRows; at += o.pieceRows) pieces.push(b.slice(at, at + o.pieceRows));
  return { spec, modelDir, topology: buildTopology(city.net.cells), subscribers: subscriberRows(city.subs), pieces };
}
