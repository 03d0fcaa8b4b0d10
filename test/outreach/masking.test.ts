import { describe, expect, it } from 'vitest';
import { createMasker, maskIdentifier, maskKeyFromEnv, partiallyMaskedImsi, DEFAULT_MASK_KEY } from '../../src/outreach/masking.js';

describe('createMasker', () => {
  it('returns exactly maskIdentifier for numbers and strings, across cache growth and eviction', () => {
    const mask = createMasker('k', 50_000);
    const ids = Array.from({ length: 70_000 }, (_, i) => 460_001_234_000_000 + i * 7);
    for (const id of ids) mask(id); // grows the table, then clears past 50k
    for (const id of [ids[0], ids[49_999], ids[69_999]]) {
      expect(mask(id)).toBe(maskIdentifier(id, 'k'));
      expect(mask(String(id))).toBe(maskIdentifier(id, 'k'));
    }
    expect(new Set(ids.slice(0, 1000).map(mask)).size).toBe(1000);
  });

  it('takes the key from HOTSPOT_MASK_KEY, else the development key', () => {
    expect(maskKeyFromEnv({ HOTSPOT_MASK_KEY: 'prod' })).toBe('prod');
    expect(maskKeyFromEnv({})).toBe(DEFAULT_MASK_KEY);
  });

  it('partially masks for display only', () => {
    expect(partiallyMaskedImsi('460001234567890')).toBe('46000*******890');
    expect(partiallyMaskedImsi(460001234567890)).toBe('46000*******890');
  });
});
