// fixtures/sample is what the README and other tests use: it must read cleanly in both formats, agree with
// its truth, and be exactly what its documented `hotspot simulate` command regenerates.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readComplaints, readRecords, readTopology } from '../../../src/sources/files/index.js';
import { createCity, simulateRecords } from '../../../src/sources/simulator/index.js';
import { collect } from './record-table.js';

const dir = join(process.cwd(), 'fixtures', 'sample');

async function readAll(path: string) {
  const r = readRecords(path);
  const batches = [];
  for await (const b of r) batches.push(b);
  return { t: collect(batches, true), stats: r.stats };
}

describe('fixtures/sample', () => {
  it('CSV and Parquet hold the same records, regenerated exactly by the documented command', async () => {
    const csv = await readAll(join(dir, 'records.csv'));
    const pq = await readAll(join(dir, 'records.parquet'));
    expect(csv.stats.deadLettered).toBe(0);
    expect(csv.t.n).toBeGreaterThan(10_000);
    expect(pq.t.n).toBe(csv.t.n);
    expect(pq.t.xdr).toEqual(csv.t.xdr);
    expect(Array.from(pq.t.time)).toEqual(Array.from(csv.t.time));
    const again = collect(
      simulateRecords(createCity({ scenario: 'sample', hours: 1, subscribers: 1500, seed: 7, start: Date.parse('2026-03-02T05:00:00Z'), complaintRate: 0.05 })),
      true,
    );
    expect(again.xdr).toEqual(csv.t.xdr);
    expect(Array.from(again.dlBytes)).toEqual(Array.from(csv.t.dlBytes));
  });

  it('has at least two faults in truth.json, on cells of its topology, with complaints after 07:00', async () => {
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    expect(truth.faults.length).toBeGreaterThanOrEqual(2);
    const topo = await readTopology(join(dir, 'topology.csv'));
    for (const f of truth.faults) for (const eci of f.cells) expect(topo.cellIndex.has(eci)).toBe(true);
    const complaints = await readComplaints(join(dir, 'complaints.csv'));
    expect(complaints.length).toBe(truth.complaints.total);
    expect(complaints.length).toBeGreaterThan(0);
    for (const c of complaints) expect(new Date(c.time).getUTCHours()).toBeGreaterThanOrEqual(7);
  });
});
