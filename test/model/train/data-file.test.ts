import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataFile, parseNumberBytes } from '../../../src/model/train/data-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-data-'));
const opts = { header: false, labelColumn: '', weightColumn: '', ignoreColumn: '', categoricalFeature: '' };

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('LightGBM-style data files', () => {
  it('parses numbers exactly like Number(), including the awkward ones', () => {
    const cells = ['0', '-0.5', '3.14159', '1e-05', '-2.5E+3', '0.000123', '123456789012345678', '7.', '.5', ' 42 ', '"8"'];
    for (const c of cells) {
      const b = Buffer.from(`${c},1`);
      const f = loadDataFile(write('one.csv', `${c},1\n`), opts);
      const expected = Number(c.replace(/"/g, '').trim());
      expect(f.label[0]).toBe(expected);
      expect(parseNumberBytes(b, 0, c.length)).toBe(expected);
    }
    for (const c of ['nan', 'NaN', 'NA', '']) expect(Number.isNaN(loadDataFile(write('nan.csv', `1,${c}\n`), opts).columns[0][0])).toBe(true);
  });

  it('reads a CSV with header, label by name, categorical by name, weights from <data>.weight', () => {
    const p = write('train.csv', 'a,target,c,d\n1,0,5,0.5\n2,1,6,1e-3\n3,0,7,nan\n');
    writeFileSync(`${p}.weight`, '1\n2\n0.5\n');
    const f = loadDataFile(p, { ...opts, header: true, labelColumn: 'name:target', categoricalFeature: 'name:c' });
    expect(f.featureNames).toEqual(['a', 'c', 'd']);
    expect(Array.from(f.label)).toEqual([0, 1, 0]);
    expect(Array.from(f.weight!)).toEqual([1, 2, 0.5]);
    expect([...f.categorical]).toEqual([1]);
    expect(f.columns[2][1]).toBe(0.001);
  });

  it('detects tabs and spaces, and counts feature indices without the label as LightGBM does', () => {
    const tsv = loadDataFile(write('t.tsv', '1\t2\t3\n0\t4\t5\n'), { ...opts, categoricalFeature: '1' });
    expect(tsv.featureNames).toEqual(['Column_0', 'Column_1']);
    expect([...tsv.categorical]).toEqual([1]);
    const ssv = loadDataFile(write('s.txt', '1  2 3\n0 4   5 \n'), opts);
    expect(Array.from(ssv.columns[1])).toEqual([3, 5]);
  });

  it('names the row and column of a bad cell and of a short row', () => {
    expect(() => loadDataFile(write('bad.csv', '1,2\n0,abc\n'), opts)).toThrow(/bad\.csv:2: column 2 is not a number: 'abc'/);
    expect(() => loadDataFile(write('short.csv', '1,2,3\n0,1\n'), opts)).toThrow(/short\.csv:2: 2 columns, expected 3/);
    const p = write('w.csv', '1,2\n0,3\n');
    writeFileSync(`${p}.weight`, '1\n');
    expect(() => loadDataFile(p, opts)).toThrow(/1 weights for 2 rows/);
  });
});
