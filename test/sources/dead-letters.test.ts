import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeadLetterFile, DeadLetterMemory, MAX_RAW_CHARS, reasonCategory } from '../../src/sources/dead-letters.js';

describe('dead letters', () => {
  it('groups counts by the reason category (text before the first ": ")', () => {
    const m = new DeadLetterMemory();
    m.add({ source: 'a.csv', row: 2, reason: "invalid imsi: '1' is not 15 digits", raw: 'x' });
    m.add({ source: 'a.csv', row: 3, reason: "invalid imsi: '2' is not 15 digits", raw: 'y' });
    m.add({ source: 'a.csv', row: 4, reason: "duplicate xdr_id: 'k' was already read", raw: 'z' });
    expect(m.count).toBe(3);
    expect(m.countsByReason()).toEqual(new Map([['invalid imsi', 2], ['duplicate xdr_id', 1]]));
    expect(m.drain().map((l) => l.row)).toEqual([2, 3, 4]);
    expect(m.letters).toEqual([]);
    expect(m.count).toBe(3);
    expect(reasonCategory('no detail')).toBe('no detail');
  });

  it('writes one JSON object per line and caps huge raw rows', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hotspot-dl-')), 'dead.jsonl');
    const f = new DeadLetterFile(path);
    for (let i = 0; i < 5000; i++) f.add({ source: 'in.csv', row: i + 2, reason: `invalid tac: ${i} is bad`, raw: `row,"${i}"\n` });
    f.add({ source: 'in.csv', row: 9999, reason: 'malformed csv: x', raw: 'r'.repeat(MAX_RAW_CHARS * 3) });
    expect(f.count).toBe(5001);
    await f.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5001);
    expect(JSON.parse(lines[1])).toEqual({ source: 'in.csv', row: 3, reason: 'invalid tac: 1 is bad', raw: 'row,"1"\n' });
    const last = JSON.parse(lines[5000]);
    expect(last.raw.length).toBeLessThan(MAX_RAW_CHARS + 40);
    expect(last.raw).toMatch(/…\(12288 chars\)$/);
    expect(() => f.add({ source: 'x', row: 1, reason: 'r', raw: '' })).toThrow(/closed/);
  });

  it('reports a file it cannot write on close instead of crashing', async () => {
    const f = new DeadLetterFile('/nonexistent-dir/dead.jsonl');
    f.add({ source: 's', row: 1, reason: 'r: x', raw: '' });
    await expect(f.close()).rejects.toThrow(/dead-letter file \/nonexistent-dir\/dead.jsonl: .*ENOENT/);
  });
});
