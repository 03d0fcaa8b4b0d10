import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VENDOR_CODES, VendorCodeMap } from '../../src/schema/vendor-codes.js';
import { PROCEDURE_TYPES, S1AP_CAUSE_GROUPS } from '../../src/schema/record.js';
import { decodeCsvLines } from '../../src/sources/files/index.js';
import { DeadLetterMemory } from '../../src/sources/dead-letters.js';
import { enumColumn, int32Column } from '../../src/schema/columns.js';

describe('default vendor codes', () => {
  it('maps interface 1/2, procedure types 1..13, cause groups 0..4, status identity', () => {
    expect(DEFAULT_VENDOR_CODES.lookup('interface', 1)).toBe(0);
    expect(DEFAULT_VENDOR_CODES.lookup('interface', 2)).toBe(1);
    expect(DEFAULT_VENDOR_CODES.lookup('interface', 3)).toBe(-1);
    PROCEDURE_TYPES.forEach((_, i) => expect(DEFAULT_VENDOR_CODES.lookup('procedure_type', i + 1)).toBe(i));
    S1AP_CAUSE_GROUPS.forEach((_, i) => expect(DEFAULT_VENDOR_CODES.lookup('s1ap_cause_group', i)).toBe(i));
    expect(DEFAULT_VENDOR_CODES.statusIsIdentity).toBe(true);
  });
});

describe('a vendor code map file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotspot-vendor-'));
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  it('maps a vendor encoding and dead-letters codes it does not know', async () => {
    const path = write(
      'huawei.json',
      JSON.stringify({
        name: 'vendor-x',
        procedure_type: { '100': 'attach', '105': 'service_request' },
        procedure_status: { '0': 'success', '1': 'failure', '255': 'timeout' },
      }),
    );
    const map = await VendorCodeMap.load(path);
    const deadLetters = new DeadLetterMemory();
    const r = decodeCsvLines(
      [
        'v1,1,460001234567890,1700000000000,105,255', // interface keeps the default section
        'v2,1,460001234567891,1700000000000,1,0', // 1 is not in vendor-x's procedure_type table
        'v3,1,460001234567892,1700000000000,100,3', // status 3 is not in vendor-x's table
      ],
      'xdr_id,interface,imsi,start_time,procedure_type,procedure_status',
      { vendorCodes: map, deadLetters },
    );
    expect(r.accepted).toBe(1);
    expect(enumColumn(r.batch, 'procedure_type')[0]).toBe(PROCEDURE_TYPES.indexOf('service_request'));
    expect(int32Column(r.batch, 'procedure_status').values[0]).toBe(2);
    expect(deadLetters.letters.map((l) => l.reason)).toEqual([
      "unmapped procedure_type: vendor code 1 is not in vendor code map 'vendor-x'",
      "unmapped procedure_status: vendor code 3 is not in vendor code map 'vendor-x'",
    ]);
  });

  it('refuses a map with names outside the vocabulary, or broken JSON, with the file and field', async () => {
    const bad = write('bad.json', JSON.stringify({ procedure_type: { '1': 'teleport' } }));
    await expect(VendorCodeMap.load(bad)).rejects.toThrow(new RegExp(`${bad}: vendor code map: procedure_type.1: `));
    const keys = write('keys.json', JSON.stringify({ interface: { one: 's1mme' } }));
    await expect(VendorCodeMap.load(keys)).rejects.toThrow(/interface.one: vendor codes are integers/);
    const broken = write('broken.json', '{ "name": ');
    await expect(VendorCodeMap.load(broken)).rejects.toThrow(/not valid JSON/);
    const extra = write('extra.json', JSON.stringify({ app_typ: {} }));
    await expect(VendorCodeMap.load(extra)).rejects.toThrow(/app_typ/);
    await expect(VendorCodeMap.load(join(dir, 'missing.json'))).rejects.toThrow(/cannot read \(ENOENT\)/);
  });
});

describe('vendor codes in columnar files', () => {
  it('re-encodes procedure_status of an Arrow file through the map', async () => {
    const { openRecordWriter, readRecords } = await import('../../src/sources/files/index.js');
    const { S1BatchBuilder } = await import('../../src/schema/s1-batch-builder.js');
    const b = new S1BatchBuilder(2);
    b.length = 2;
    for (let r = 0; r < 2; r++) {
      b.utf8('xdr_id').set(r, `s${r}`);
      b.enumCodes('interface')[r] = 0;
      b.utf8('imsi').set(r, `46000123456789${r}`);
      b.int64('start_time')[r] = 1_700_000_000_000;
      b.int32('procedure_status')[r] = r === 0 ? 255 : 0;
      b.valid('procedure_status')[r] = 1;
    }
    const path = join(mkdtempSync(join(tmpdir(), 'hotspot-vendor-arrow-')), 'v.arrows');
    const w = await openRecordWriter(path);
    // 255 is out of hotspot's range, so write through a batch built directly (the writer does not validate).
    await w.write(b.finish());
    await w.close();
    const map = VendorCodeMap.fromJson({ name: 'v', procedure_status: { '0': 'success', '255': 'timeout' } });
    const deadLetters = new DeadLetterMemory();
    const statuses: number[] = [];
    for await (const batch of readRecords(path, { vendorCodes: map, deadLetters })) {
      statuses.push(...int32Column(batch, 'procedure_status').values);
    }
    expect(statuses).toEqual([2, 0]);
    expect(deadLetters.count).toBe(0);
    // Read with the default map, status 255 is out of range and dead-lettered.
    const plain = new DeadLetterMemory();
    for await (const _ of readRecords(path, { deadLetters: plain })) void _;
    expect(plain.letters.map((l) => l.reason)).toEqual(['invalid procedure_status: 255 is out of range [0, 3]']);
  });
});

describe('the shipped default map file', () => {
  it('src/schema/vendor-codes.default.json is the documented default and loads', async () => {
    const path = join(import.meta.dirname, '../../src/schema/vendor-codes.default.json');
    const { readFileSync } = await import('node:fs');
    const { DEFAULT_VENDOR_CODE_FILE } = await import('../../src/schema/vendor-codes.js');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(DEFAULT_VENDOR_CODE_FILE);
    const map = await VendorCodeMap.load(path);
    expect(map.name).toBe('default');
    expect(map.lookup('procedure_type', 13)).toBe(PROCEDURE_TYPES.indexOf('s1_handover_in'));
  });
});
