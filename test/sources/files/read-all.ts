// Reads a whole record file the way a run does, collecting what tests look at: batches, stats, dead letters, warnings.
import type { RecordBatch } from 'apache-arrow';
import { DeadLetterMemory } from '../../../src/sources/dead-letters.js';
import { readRecords } from '../../../src/sources/files/index.js';

export async function readAll(path: string, batchSize?: number) {
  const deadLetters = new DeadLetterMemory();
  const warnings: string[] = [];
  const it = readRecords(path, { deadLetters, batchSize, onWarning: (w) => warnings.push(w) });
  const batches: RecordBatch[] = [];
  for await (const b of it) batches.push(b);
  return { batches, batch: batches[0], stats: it.stats, deadLetters, warnings };
}
