import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('test temporary root', () => {
  it('puts every test temp dir under one per-run directory', () => {
    expect(basename(tmpdir())).toMatch(/^hotspot-tests-/);
  });
});
