// End-to-end: the real `hotspot` command (compiled, as a user runs it) on the committed sample city with the
// committed default model — `run` over a file and the live simulator (including Ctrl-C), and `replay`.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
const SAMPLE = join(ROOT, 'fixtures', 'sample');
const MODEL = join(ROOT, 'models', 'default');

function hotspot(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
}

async function query(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('hotspot run', () => {
  it('runs a record file through the engine into DuckDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-run-'));
    const db = join(dir, 'h.duckdb');
    const r = hotspot([
      'run',
      '--source', join(SAMPLE, 'records.parquet'),
      '--topology', join(SAMPLE, 'topology.csv'),
      '--subscribers-file', join(SAMPLE, 'subscribers.csv'),
      '--complaints', join(SAMPLE, 'complaints.csv'),
      '--model', MODEL,
      '--db', db,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const records = readFileSync(join(SAMPLE, 'records.csv'), 'utf8').trimEnd().split('\n').length - 1;
    expect(r.stdout).toContain(`${records.toLocaleString('en-US')} records in`);
    const [run] = await query(db, 'SELECT status, source FROM runs');
    expect(run.status).toBe('completed');
    // One scored row per user active in each closed window: the sample's ~1,500 users over one hour.
    const [scored] = await query(db, 'SELECT count(*)::INTEGER AS n, count(DISTINCT window_start)::INTEGER AS w FROM scored_windows');
    expect(scored.w).toBeGreaterThanOrEqual(4);
    expect(scored.n).toBeGreaterThan(1000);
    // The last progress line (printed at the end) counts every user-window the engine scored.
    const counts = [...r.stdout.matchAll(/(\d[\d,]*) user-windows/g)].map((m) => Number(m[1].replaceAll(',', '')));
    expect(counts.length).toBeGreaterThan(0);
    expect(scored.n).toBe(counts[counts.length - 1]);
  });

  it('plays the simulator live and stops cleanly on Ctrl-C with everything flushed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-live-'));
    const db = join(dir, 'live.duckdb');
    // 12 simulated hours at 60× would take 12 minutes: the run is interrupted long before it ends.
    const child = spawn(process.execPath, [BIN, 'run', '--subscribers', '2000', '--hours', '12', '--speed', '60', '--model', MODEL, '--db', db], {
      cwd: ROOT,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Wait for the first closed window (a progress line), then press Ctrl-C.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress line in time:\n${out}`)), 180_000);
      const poll = setInterval(() => {
        if (/user-windows/.test(out)) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('stopping');
    expect(code).toBe(0);
    expect(out).toMatch(/stored run .* \(interrupted\)/);
    const [run] = await query(db, 'SELECT status FROM runs');
    expect(run.status).toBe('interrupted');
    const [scored] = await query(db, 'SELECT count(*)::INTEGER AS n FROM scored_windows');
    expect(scored.n).toBeGreaterThan(0);
  });

  it('keeps rejected rows: counted, stored with file, row and reason, and written to --dead-letters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotspot-dead-'));
    const db = join(dir, 'd.duckdb');
    const file = join(dir, 'dead.jsonl');
    const r = hotspot([
      'run', '--source', join(ROOT, 'fixtures', 'broken', 'bad-rows.csv'), '--topology', join(SAMPLE, 'topology.csv'),
      '--model', MODEL, '--db', db, '--dead-letters', file,
    ]);
    expect(r.status).toBe(0);
    const letters = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(letters.length).toBeGreaterThan(3);
    expect(r.stdout).toContain(`${letters.length} dead letters`);
    const stored = await query(db, 'SELECT source, row::INTEGER AS row, reason FROM dead_letters ORDER BY row');
    expect(stored.map((d) => [d.row, d.reason])).toEqual(
      [...letters].sort((a, b) => a.row - b.row).map((l) => [l.row, l.reason]),
    );
    expect(letters.find((l) => l.row === 3)?.reason).toMatch(/^invalid imsi: /);
  });

  it('refuses a source it cannot use with a clear message', () => {
    const r = hotspot(['run', '--source', join(SAMPLE, 'records.parquet'), '--model', MODEL]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--topology');
  });
});

describe('hotspot replay', () => {
  it('writes alerts.jsonl, metrics.json and an HTML report with its plots', () => {
    const out = mkdtempSync(join(tmpdir(), 'hotspot-replay-'));
    const r = hotspot([
      'replay',
      '--records', join(SAMPLE, 'records.csv'),
      '--complaints', join(SAMPLE, 'complaints.csv'),
      '--topology', join(SAMPLE, 'topology.csv'),
      '--subscribers', join(SAMPLE, 'subscribers.csv'),
      '--truth', join(SAMPLE, 'truth.json'),
      '--model', MODEL,
      '--compare', MODEL,
      '--out', out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const key of ['auc', 'pr_auc', 'precision', 'recall', 'hotspots', 'caught', 'recall', 'median_lead_minutes', 'false_alerts', 'false_alerts_per_1000_cell_hours']) {
      expect(metrics).toHaveProperty(key);
    }
    expect(metrics.records).toBeGreaterThan(20_000);
    expect(metrics.samples).toBeGreaterThan(1000);
    // The same model twice over the same records: identical results (deterministic serving path).
    expect(metrics.compare.auc).toBe(metrics.auc);
    expect(metrics.compare.alerts).toBe(metrics.alerts);
    const alerts = readFileSync(join(out, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(alerts.length).toBe(metrics.alerts === 0 ? 0 : alerts.length);
    for (let i = 1; i < alerts.length; i++) expect(alerts[i].sequence).toBe(alerts[i - 1].sequence + 1);
    expect(existsSync(join(out, `alerts-default-2.jsonl`))).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const plot of ['timeline', 'lead-times', 'pr-curve']) expect(html).toContain(`data-plot="${plot}"`);
  });

  it('names the missing flag', () => {
    const r = hotspot(['replay', '--records', 'x.csv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--complaints FILE is required/);
  });
});
