// `hotspot simulate` end to end: files written in every format read back through src/sources/files, the side
// files parse, truth.json describes the faults, and scenario files validate.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import command, { runSimulation } from '../../../src/cli/commands/simulate.js';
import { readComplaints, readRecords, readSubscribers, readTopology } from '../../../src/sources/files/index.js';
import { createCity, loadScenario, simulateRecords } from '../../../src/sources/simulator/index.js';
import { collect } from './record-table.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hotspot simulate', () => {
  it.each(['arrow', 'csv', 'parquet', 'jsonl'] as const)('writes %s records that read back identically, plus the side files', async (format) => {
    const out = join(dir, format);
    const s = await runSimulation({ out, format, subscribers: 300, hours: 0.25, seed: 3, scenario: 'all-faults' });
    expect(readdirSync(out).sort()).toEqual(['complaints.csv', `records.${format}`, 'subscribers.csv', 'topology.csv', 'truth.json']);
    expect(s.records).toBeGreaterThan(1000);
    const read = readRecords(join(out, `records.${format}`));
    const back = [];
    for await (const b of read) back.push(b);
    expect(read.stats.deadLettered).toBe(0);
    expect(read.stats.duplicates).toBe(0);
    const a = collect(back, true);
    const b = collect(simulateRecords(createCity({ subscribers: 300, hours: 0.25, seed: 3, scenario: 'all-faults' })), true);
    expect(a.n).toBe(s.records);
    expect(a.n).toBe(b.n);
    expect(a.xdr).toEqual(b.xdr);
    expect(Array.from(a.time)).toEqual(Array.from(b.time));
    expect(Array.from(a.dlRe)).toEqual(Array.from(b.dlRe));
    expect(Array.from(a.emm)).toEqual(Array.from(b.emm));

    const topo = await readTopology(join(out, 'topology.csv'));
    expect(topo.cells.length).toBe(s.cells);
    expect(topo.regions).toHaveLength(30);
    for (let i = 0; i < a.n; i += 97) expect(topo.cellIndex.has(a.eci[i])).toBe(true);
    const subs = await readSubscribers(join(out, 'subscribers.csv'));
    expect(subs).toHaveLength(300);
    const complaints = await readComplaints(join(out, 'complaints.csv'));
    expect(complaints).toHaveLength(s.complaints);
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8'));
    expect(truth.faults).toHaveLength(11);
    expect(new Set(truth.faults.map((f: { type: string }) => f.type)).size).toBe(10);
    for (const f of truth.faults) {
      expect(['radio', 'transport', 'core', 'pgw_apn', 'dns', 'subscription', 'congestion']).toContain(f.domain);
      expect(Date.parse(f.end)).toBeGreaterThan(Date.parse(f.start));
      expect(f.affected_imsis).toHaveLength(f.affected_users);
    }
  });

  it('prints help with examples and refuses bad flags with a clear message', async () => {
    expect(command.help).toMatch(/--scenario NAME\|FILE/);
    expect(command.help).toMatch(/examples:/);
    await expect(runSimulation({ out: join(dir, 'x'), format: 'xml' as never })).rejects.toThrow(/--format must be/);
    await expect(runSimulation({ out: join(dir, 'x'), hours: '-1' as never })).rejects.toThrow(/--hours/);
    await expect(runSimulation({ out: join(dir, 'x'), start: 'yesterday' })).rejects.toThrow(/ISO-8601/);
    await expect(runSimulation({ out: '' })).rejects.toThrow(/--out is required/);
    await expect(runSimulation({ out: join(dir, 'x'), subscribers: 'many' as never })).rejects.toThrow(/--subscribers: /);
    await expect(runSimulation({ out: join(dir, 'x'), complaintRate: '2' as never })).rejects.toThrow(/--complaint-rate: /);
  });

  it('validates scenario files: every committed one loads; a broken one fails naming the file and field', () => {
    const scenarios = join(process.cwd(), 'fixtures', 'scenarios');
    for (const f of readdirSync(scenarios).filter((n) => n.endsWith('.json'))) {
      const sc = loadScenario(join(scenarios, f));
      expect(sc.faults.length).toBeGreaterThan(0);
      expect(() => createCity({ subscribers: 200, hours: 6, scenario: join(scenarios, f) })).not.toThrow();
    }
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', faults: [{ type: 'dns', intensity: 3 }] }));
    expect(() => loadScenario(bad)).toThrow(/bad\.json: faults\.0\.intensity/);
    writeFileSync(bad, '{ not json');
    expect(() => loadScenario(bad)).toThrow(/bad\.json: not valid JSON/);
    writeFileSync(bad, JSON.stringify({ name: 'bad', faults: [{ type: 'dns', region: 'atlantis' }] }));
    expect(() => createCity({ subscribers: 100, scenario: bad })).toThrow(/unknown region 'atlantis'/);
  });
});
