// `hotspot run --grpc` and `hotspot serve`, as a user runs them: the real command, a real gRPC client over
// loopback. The served alerts must be exactly the ones the run stored in its database.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotspotClient, unaryCall, type LooseClient } from '../api/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hotspot.js');
let dir: string;
let city: string;

function hotspot(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
}

async function storedEvents(db: string): Promise<Array<{ sequence: number; alert_id: string; status: string }>> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const rows = (await conn.runAndReadAll('SELECT sequence, alert_id, status FROM alert_events ORDER BY sequence')).getRowObjectsJS();
    return rows.map((r) => ({ sequence: Number(r.sequence), alert_id: String(r.alert_id), status: String(r.status) }));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Starts a long-running command and resolves with the gRPC port it prints. */
function startServing(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b;
      const m = /gRPC (?:API )?on [^:\s]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b) => (out += b));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving:\n${out}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Every event StreamAlerts delivers after `afterSequence`, until `count` have arrived. */
function streamEvents(client: LooseClient, afterSequence: number, count: number): Promise<Array<{ sequence: string; alert: { alert_id: string } }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ sequence: string; alert: { alert_id: string } }> = [];
    const call = client.StreamAlerts({ after_sequence: afterSequence });
    call.on('data', (e: { sequence: string; alert: { alert_id: string } }) => {
      got.push(e);
      if (got.length === count) {
        call.cancel();
        resolve(got);
      }
    });
    call.on('error', (err: { code: number }) => (err.code === 1 ? undefined : reject(err))); // 1 = CANCELLED, ours
  });
}

/** `hotspot run` over the test city's record file into `db`. */
function runCity(db: string): void {
  const run = hotspot(['run', '--source', join(city, 'records.arrow'), '--topology', join(city, 'topology.csv'),
    '--subscribers-file', join(city, 'subscribers.csv'), '--db', db, '--quiet']);
  expect(run.status, run.stderr).toBe(0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotspot-serve-'));
  city = join(dir, 'city');
  const sim = hotspot(['simulate', '--out', city, '--hours', '3', '--subscribers', '700', '--seed', '77', '--scenario', 'all-faults', '--format', 'arrow']);
  expect(sim.status, sim.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hotspot serve', () => {
  it('serves a stored run: ListAlerts, GetAlert, StreamAlerts from sequence 0, GetRegionRisk; stops on SIGINT', async () => {
    const db = join(dir, 'served.duckdb');
    runCity(db);
    const stored = await storedEvents(db);
    expect(stored.length).toBeGreaterThan(3);

    const { child, port } = await startServing(['serve', '--db', db, '--grpc', '127.0.0.1:0', '--http', 'off']);
    const client = hotspotClient(port);
    try {
      const streamed = await streamEvents(client, 0, stored.length);
      expect(streamed.map((e) => [Number(e.sequence), e.alert.alert_id])).toEqual(stored.map((e) => [e.sequence, e.alert_id]));

      const latest = new Map(stored.map((e) => [e.alert_id, e.status]));
      const listed = await unaryCall<{ alerts: Array<{ alert_id: string }> }>(client, 'ListAlerts', { page_size: 1000 });
      expect(listed.alerts.map((a) => a.alert_id).sort()).toEqual([...latest.keys()].sort());
      const one = await unaryCall<{ alert: { alert_id: string; suspected_cause: string } }>(client, 'GetAlert', { alert_id: stored[0].alert_id });
      expect(one.alert.alert_id).toBe(stored[0].alert_id);
      const risk = await unaryCall<{ regions: Array<{ region: string; as_of: string }> }>(client, 'GetRegionRisk', {});
      expect(risk.regions.length).toBe(30);
      expect(risk.regions.every((r) => Number(r.as_of) > 0)).toBe(true);
    } finally {
      client.close();
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  }, 180_000);

  it('refuses a database without runs and a malformed address, with one clear line', () => {
    const empty = hotspot(['serve', '--db', join(dir, 'empty.duckdb'), '--grpc', '127.0.0.1:0']);
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toMatch(/holds no runs yet/);
    const bad = hotspot(['serve', '--grpc', 'nowhere', '--http', 'off']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--grpc: expected HOST:PORT/);
  });
});

const CHROMIUM = [process.env.CHROMIUM_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));

describe('hotspot serve --http: the ops dashboard', () => {
  it('serves the JSON API and a page that shows every alert and region in a real browser', async () => {
    const db = join(dir, 'dashboard.duckdb');
    runCity(db);
    const stored = await storedEvents(db);
    const latest = new Map(stored.map((e) => [e.alert_id, e.status]));

    const { child, output } = await startServing(['serve', '--db', db, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0']);
    try {
      const httpPort = Number(/dashboard on http:\/\/[^:]+:(\d+)/.exec(output())![1]);
      const base = `http://127.0.0.1:${httpPort}`;
      const alerts = (await (await fetch(`${base}/api/alerts`)).json()) as { lastSequence: number; alerts: Array<{ alert_id: string; status: string }> };
      expect(alerts.lastSequence).toBe(stored.length);
      expect(new Map(alerts.alerts.map((a) => [a.alert_id, a.status]))).toEqual(latest);
      const one = await fetch(`${base}/api/alerts/${alerts.alerts[0].alert_id}`);
      expect(one.status).toBe(200);
      expect(((await one.json()) as { alert: { alert_id: string } }).alert.alert_id).toBe(alerts.alerts[0].alert_id);
      expect((await fetch(`${base}/api/alerts/nope`)).status).toBe(404);
      expect((await fetch(`${base}/api/alerts`, { method: 'POST' })).status).toBe(405);
      const regions = (await (await fetch(`${base}/api/regions`)).json()) as { regions: Array<{ region: string }> };
      expect(regions.regions).toHaveLength(30);

      if (!CHROMIUM) {
        console.warn('chromium not installed: the page itself is not rendered (apt-get install chromium)');
        return;
      }
      const profile = mkdtempSync(join(dir, 'profile-'));
      const page = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
        '--virtual-time-budget=8000', `--user-data-dir=${profile}`, '--dump-dom', `${base}/`], { encoding: 'utf8', timeout: 90_000 });
      expect(page.status, page.stderr.slice(-1500)).toBe(0);
      // The script ran and filled the tables from the API: one row per alert, one per region.
      const rows = [...page.stdout.matchAll(/<tr class="alert [a-z]+" data-alert-id="([^"]+)"/g)].map((m) => m[1]);
      expect(rows.sort()).toEqual([...latest.keys()].sort());
      const regionRows = [...page.stdout.matchAll(/<tr data-region="([^"'+]+)"/g)].map((m) => m[1]);
      expect(regionRows.sort()).toEqual(regions.regions.map((r) => r.region).sort());
      expect(page.stdout).toMatch(/\d+ open · event \d+/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  }, 180_000);
});

describe('hotspot run --grpc', () => {
  it('streams each alert event live to a subscriber while the run goes on', async () => {
    const db = join(dir, 'live.duckdb');
    const { child, port } = await startServing(['run', '--source', join(city, 'records.arrow'), '--topology', join(city, 'topology.csv'),
      '--subscribers-file', join(city, 'subscribers.csv'), '--db', db, '--speed', '600', '--quiet', '--grpc', '127.0.0.1:0']);
    const client = hotspotClient(port);
    let streamed: Array<{ sequence: string; alert: { alert_id: string } }> = [];
    try {
      // Subscribe from the start; the first few events arrive while the run is still reading records.
      streamed = await streamEvents(client, 0, 3);
    } finally {
      client.close();
    }
    expect(await exited(child)).toBe(0);
    const stored = await storedEvents(db);
    expect(streamed.map((e) => [Number(e.sequence), e.alert.alert_id])).toEqual(stored.slice(0, 3).map((e) => [e.sequence, e.alert_id]));
  }, 180_000);
});
