// `hotspot run --stage score|detect` (scale-out; the end-to-end test with Kafka is test/engine/scale-out.test.ts):
// flag combinations that cannot work are refused with one clear line before anything connects.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
const TOPOLOGY = join(ROOT, 'fixtures', 'sample', 'topology.csv');
// Nothing listens here: a refusal must come before any connection attempt.
const RECORDS = 'kafka://127.0.0.1:1/records?format=arrow';

const hotspot = (args: string[]) => spawnSync(process.execPath, [BIN, 'run', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('hotspot run --stage', () => {
  it.each([
    [['--stage', 'score', '--source', join(ROOT, 'fixtures', 'sample', 'records.csv'), '--topology', TOPOLOGY], 'needs a kafka:// source'],
    [['--stage', 'score', '--source', RECORDS, '--topology', TOPOLOGY, '--scores-topic', 'kafka://127.0.0.1:1/scores'], '--checkpoint-dir'],
    [['--stage', 'score', '--source', RECORDS, '--topology', TOPOLOGY, '--checkpoint-dir', '/tmp/x'], '--scores-topic'],
    [['--stage', 'score', '--source', RECORDS, '--checkpoint-dir', '/tmp/x', '--scores-topic', 'kafka://127.0.0.1:1/scores'], '--topology'],
    [['--stage', 'score', '--source', RECORDS, '--topology', TOPOLOGY, '--checkpoint-dir', '/tmp/x', '--scores-topic', 'kafka://127.0.0.1:1/scores', '--alerts-topic', 'kafka://127.0.0.1:1/alerts'], 'alerts and care lists come from --stage detect'],
    [['--stage', 'detect', '--source', 'kafka://127.0.0.1:1/scores', '--topology', TOPOLOGY, '--scores-topic', 'kafka://127.0.0.1:1/s'], 'reads scores'],
    [['--stage', 'detect', '--source', 'kafka://127.0.0.1:1/a,b', '--topology', TOPOLOGY], 'reads one topic'],
    [['--stage', 'merge', '--source', RECORDS, '--topology', TOPOLOGY], 'stage'],
  ])('refuses %j', (args, message) => {
    const r = hotspot(args as string[]);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
