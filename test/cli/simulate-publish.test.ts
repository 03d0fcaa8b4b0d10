// `hotspot simulate --publish kafka://…`: the real command puts every record on the topic, each user's records in
// one partition, keyed by IMSI (JSON) — what `hotspot run --source kafka://` and the crash test consume.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOfImsi } from '../../src/sources/kafka/record-publisher.js';
import { readTopic, startKcatMock, type KafkaMock } from '../support/kafka-mock.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
let mock: KafkaMock;
let dir: string;

beforeAll(async () => {
  mock = await startKcatMock(1);
  dir = mkdtempSync(join(tmpdir(), 'hotspot-publish-'));
}, 30_000);

afterAll(async () => {
  await mock?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const hotspot = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

describe('hotspot simulate --publish', () => {
  it('publishes every record as JSON keyed by IMSI, each user in the partition its IMSI names', async () => {
    const r = hotspot(['simulate', '--out', join(dir, 'city'), '--hours', '0.25', '--subscribers', '200', '--seed', '5',
      '--publish', `kafka://${mock.bootstrap}/pub-json?format=json&partitions=4`]);
    expect(r.status, r.stderr).toBe(0);
    const records = Number(/([\d,]+) records/.exec(r.stdout)![1].replace(/,/g, ''));
    expect(records).toBeGreaterThan(1000);
    const messages = await readTopic(mock.bootstrap, 'pub-json', records * 2, 8000);
    expect(messages).toHaveLength(records);
    const partitionOf = new Map<string, number>();
    for (const m of messages) {
      const rec = JSON.parse(m.value!.toString('utf8')) as { imsi: string; xdr_id: string };
      expect(m.key?.toString()).toBe(rec.imsi);
      expect(m.partition).toBe(partitionOfImsi(rec.imsi, 4));
      partitionOf.set(rec.imsi, m.partition);
    }
    expect(new Set(partitionOf.values()).size).toBe(4); // the users are spread over all partitions
  }, 120_000);

  it('refuses a target it cannot use, with one clear line', () => {
    const r = hotspot(['simulate', '--out', join(dir, 'x'), '--hours', '0.25', '--subscribers', '50', '--publish', 'kafka://h:1/t?format=csv']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--publish: format 'csv' is not arrow or json/);
  });
});
