// Every prediction file of the LightGBM reference set, reproduced through `hotspot predict` line by line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictFile } from '../../src/cli/commands/predict.js';

import { HAVE_REFERENCE, REFERENCE_DIR as REFERENCE } from '../support/reference.js';
const CASES = [
  { folder: 'binary_example', data: 'binary.test', header: false, contrib: true },
  { folder: 'categorical', data: 'test.csv', header: true, contrib: true },
  { folder: 'missing_nan', data: 'test.csv', header: true, contrib: true },
  { folder: 'multiclass', data: 'test.csv', header: true, contrib: true },
  { folder: 'regression', data: 'test.csv', header: true, contrib: true },
  { folder: 'linear', data: 'test.csv', header: true, contrib: false },
];
const REL_TOL = 1e-9;
const ABS_TOL = 1e-12; // for values LightGBM prints as (near) zero

function compareFiles(expectedPath: string, actualPath: string): { lines: number; worst: number; mismatches: string[] } {
  const expected = readFileSync(expectedPath, 'utf8').split('\n');
  const actual = readFileSync(actualPath, 'utf8').split('\n');
  const mismatches: string[] = [];
  let worst = 0;
  if (expected.length !== actual.length) mismatches.push(`line count ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
    const e = expected[i].split('\t');
    const a = actual[i].split('\t');
    if (e.length !== a.length) {
      mismatches.push(`line ${i + 1}: ${a.length} fields vs ${e.length}`);
      continue;
    }
    for (let k = 0; k < e.length; k++) {
      if (e[k] === a[k]) continue;
      const x = Number(e[k]);
      const y = Number(a[k]);
      const diff = Math.abs(x - y);
      const rel = diff / Math.max(Math.abs(x), Math.abs(y));
      if (diff > ABS_TOL) worst = Math.max(worst, rel);
      if (!(diff <= ABS_TOL || rel <= REL_TOL)) mismatches.push(`line ${i + 1} field ${k + 1}: ${a[k]} vs ${e[k]}`);
    }
  }
  return { lines: expected.length, worst, mismatches: mismatches.slice(0, 5) };
}

describe('hotspot predict reproduces LightGBM task=predict', () => {
  if (!HAVE_REFERENCE) return void it.skip('LightGBM reference set not found beside the repository');
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-predict-'));
  for (const c of CASES) {
    const kinds: { name: string; raw?: boolean; contrib?: boolean }[] = [
      { name: 'pred_prob' },
      { name: 'pred_raw', raw: true },
    ];
    if (c.contrib) kinds.push({ name: 'pred_contrib', contrib: true });
    for (const kind of kinds) it(`${c.folder}: ${kind.name}.txt`, async () => {
      const out = join(dir, `${c.folder}-${kind.name}.txt`);
      const rows = await predictFile({
        model: `${REFERENCE}/${c.folder}/model.txt`,
        data: `${REFERENCE}/${c.folder}/${c.data}`,
        out,
        header: c.header,
        rawScore: kind.raw ?? false,
        contrib: kind.contrib ?? false,
        batchRows: 1000,
      });
      const result = compareFiles(`${REFERENCE}/${c.folder}/${kind.name}.txt`, out);
      expect(result.mismatches).toEqual([]);
      expect(rows).toBe(result.lines - 1);
    });
  }
});
