import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RecordFileError,
  readComplaints,
  readSubscribers,
  readTopology,
  writeComplaints,
  writeSubscribers,
  writeTopology,
} from '../../../src/sources/files/index.js';
import { DeadLetterMemory } from '../../../src/sources/dead-letters.js';
import type { Cell, Complaint, Subscriber } from '../../../src/schema/side-files.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-side-'));
const file = (name: string, text?: string) => {
  const p = join(dir, name);
  if (text !== undefined) writeFileSync(p, text);
  return p;
};

describe('side files round-trip', () => {
  it('topology', async () => {
    const cells: Cell[] = [
      { eci: 25_600_768, enbId: 100_003, tac: 4096, cellName: 'Haidian "North", 1', region: 'haidian', lat: 39.959_123_4, lon: 116.298_765 },
      { eci: 25_600_769, enbId: 100_003, tac: 4096, cellName: '', region: 'chaoyang', lat: -0.5, lon: 0 },
    ];
    await writeTopology(file('topology.csv'), cells);
    const t = await readTopology(file('topology.csv'));
    expect(t.cells).toEqual(cells);
    expect(t.regions).toEqual(['chaoyang', 'haidian']);
    expect(t.regionOfCell.get(25_600_768)).toBe(1);
    expect(t.cellIndex.get(25_600_769)).toBe(1);
  });

  it('complaints (times written as ISO-8601, read back exactly)', async () => {
    const rows: Complaint[] = [
      { complaintId: 'c1', time: 1_700_000_000_123, msisdn: '13800000001', category: 'slow_data', region: 'haidian' },
      { complaintId: 'c2', time: 1_700_000_360_000, msisdn: '13800000002', category: 'no_signal' },
    ];
    await writeComplaints(file('complaints.csv'), rows);
    expect(await readComplaints(file('complaints.csv'))).toEqual(rows);
  });

  it('subscribers', async () => {
    const rows: Subscriber[] = [
      { imsi: '460001234567890', msisdn: '13800000001', vipLevel: 3, optOut: false },
      { imsi: '460001234567891', msisdn: '13800000002', vipLevel: 0, optOut: true },
    ];
    await writeSubscribers(file('subscribers.csv'), rows);
    expect(await readSubscribers(file('subscribers.csv'))).toEqual(rows);
  });
});

describe('bad side files', () => {
  it('a bad topology row fails the read with file and line', async () => {
    const p = file('bad-topology.csv', 'eci,enb_id,tac,cell_name,region,lat,lon\n1,0,1,a,r,10,10\n2,0,1,b,r,north,10\n');
    await expect(readTopology(p)).rejects.toThrow(new RecordFileError(p, 'line 3: invalid lat: not a number'));
    const dup = file('dup-topology.csv', 'eci,enb_id,tac,cell_name,region,lat,lon\n1,0,1,a,r,10,10\n1,0,1,b,r,10,10\n');
    await expect(readTopology(dup)).rejects.toThrow(/cell 1 appears twice/);
    const missing = file('missing-topology.csv', 'eci,tac,region,lat,lon\n1,1,r,10,10\n');
    await expect(readTopology(missing)).rejects.toThrow(/missing required column 'enb_id'/);
    const semi = file('semi-topology.csv', 'eci;enb_id;tac;cell_name;region;lat;lon\n');
    await expect(readTopology(semi)).rejects.toThrow(/wrong delimiter/);
  });

  it('bad complaint rows go to the dead letters when a sink is given', async () => {
    const p = file(
      'bad-complaints.csv',
      'complaint_id,time,msisdn,category\nc1,2023-11-14T08:00:00Z,138,slow_data\nc2,soon,138,slow_data\nc3,1700000000000,138,angry\nc4,1700000000000\n',
    );
    const deadLetters = new DeadLetterMemory();
    const rows = await readComplaints(p, { deadLetters });
    expect(rows.map((r) => r.complaintId)).toEqual(['c1']);
    expect(deadLetters.letters.map((l) => [l.row, l.reason.split(':')[0]])).toEqual([
      [3, 'invalid time'],
      [4, 'invalid category'],
      [5, 'wrong field count'],
    ]);
    await expect(readComplaints(p)).rejects.toThrow(/line 3: invalid time: neither epoch ms nor ISO-8601/);
  });

  it('subscribers need 15-digit IMSIs', async () => {
    const p = file('bad-subscribers.csv', 'imsi,msisdn,vip_level,opt_out\n46000,138,0,0\n');
    await expect(readSubscribers(p)).rejects.toThrow(/line 2: invalid imsi: not 15 digits/);
  });
});
