import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HotspotDetector } from '../../src/hotspots/detector.js';
import { maskIdentifier } from '../../src/outreach/masking.js';
import { closeOnSignals, Store, topReasons } from '../../src/store/store.js';
import { faultUsers, gridTopology, scoredWindow } from '../hotspots/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'hotspot-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const topo = gridTopology();
const KEY = 'test-key';

describe('Store', () => {
  it('writes scored windows, alert history, latest alert state, outreach, dead letters; all there after close and reopen', async () => {
    const path = join(dir, 'run.duckdb');
    const store = await Store.open(path, { maskKey: KEY });
    const runId = await store.beginRun({ runId: 'r1', source: 'test', modelVersion: 'm1', startedAt: 0 });
    const detector = new HotspotDetector(topo, []);
    const events = [];
    const fault = faultUsers(1000 * 256, 30, 'radio', 460_001_000_000_000);
    let rows = 0;
    for (let i = 0; i < 14; i++) {
      const w = scoredWindow(topo, i, i >= 8 && i < 10 ? fault : [], 80); // 80 per cell: the fault users are no crowd
      rows += await store.writeScoredWindow(w, { regions: topo.regions, threshold: 0.5 });
      const e = detector.onWindow(w);
      events.push(...e);
      await store.writeAlertEvents(e);
    }
    await store.writeOutreach([
      { alertId: events[0].alert.alert_id, kind: 'proactive', rank: 1, tier: 'vip', msisdn: '13800000001', userId: store.mask('460001000000000'),
        vipLevel: 2, probability: 0.9, region: 'east', severity: 'yellow', listedAt: 1000, sendAt: 2000 },
    ]);
    await store.writeDeadLetters([{ source: 'file', row: 7, reason: 'imsi: not 15 digits', raw: '{"imsi":"12"}' }], 5);
    await store.writeMetrics({ recall: 1, median_lead_minutes: Number.NaN });
    expect(runId).toBe('r1');
    await store.close(); // no explicit flush: close must flush the appenders

    const again = await Store.open(path, { maskKey: KEY });
    const [counts] = await again.query(`SELECT
        (SELECT count(*) FROM scored_windows) AS scored,
        (SELECT count(*) FILTER (WHERE at_risk) FROM scored_windows) AS at_risk,
        (SELECT count(*) FROM alert_events) AS events,
        (SELECT count(*) FROM alerts) AS alerts,
        (SELECT count(*) FROM outreach) AS outreach,
        (SELECT count(*) FROM dead_letters) AS dead,
        (SELECT status FROM runs WHERE run_id = 'r1') AS status`);
    expect(counts).toEqual({ scored: String(rows), at_risk: '60', events: String(events.length), alerts: '1', outreach: '1', dead: '1', status: 'completed' });
    const [alert] = await again.query('SELECT alert_id, status, last_sequence, suspected_cause, cells FROM alerts');
    const last = events.at(-1)!;
    expect(alert).toEqual({ alert_id: last.alert.alert_id, status: 'resolved', last_sequence: String(last.sequence), suspected_cause: 'radio', cells: JSON.stringify(last.alert.cells) });
    // Users are masked in scored_windows with the one masking function; the explained users carry their reasons.
    const [user] = await again.query(
      `SELECT user_id, cell, region, top_reasons, epoch_ms(window_start) AS ws FROM scored_windows WHERE at_risk ORDER BY user_id LIMIT 1`);
    expect(user.user_id).toMatch(/^u_[0-9a-f]{16}$/);
    expect(String(user.cell)).toBe(String(1000 * 256));
    expect(user.region).toBe('east');
    expect(user.top_reasons).toBe('cnt_s1ap_radioNetwork_21:+2.500;cnt_bytes:+0.050');
    const masked = fault.map((u) => maskIdentifier(u.imsi, KEY));
    const hits = await again.query(`SELECT count(DISTINCT user_id) AS n FROM scored_windows WHERE at_risk AND list_contains($1::VARCHAR[], user_id)`, [
      // DuckDB list literal from JS strings
      `[${masked.map((m) => `'${m}'`).join(',')}]`,
    ]);
    expect(hits[0].n).toBe('30');
    const raw = await again.query(`SELECT count(*) AS n FROM scored_windows WHERE user_id LIKE '460%'`);
    expect(raw[0].n).toBe('0');
    const [letter] = await again.query('SELECT source, row, reason, payload, epoch_ms(failed_at) AS at FROM dead_letters');
    expect(letter).toEqual({ source: 'file', row: '7', reason: 'imsi: not 15 digits', payload: '{"imsi":"12"}', at: '5' });
    const metrics = await again.query('SELECT name, value FROM metrics ORDER BY name');
    expect(metrics).toEqual([{ name: 'median_lead_minutes', value: null }, { name: 'recall', value: 1 }]);
    await again.close();
  });

  it('a second run under the same id replaces the first; close is idempotent; writes after close are refused', async () => {
    const path = join(dir, 'rerun.duckdb');
    for (let k = 0; k < 2; k++) {
      const store = await Store.open(path);
      await store.beginRun({ runId: 'same', source: 'test', modelVersion: 'm1' });
      await store.writeScoredWindow(scoredWindow(topo, 0, [], 5), { regions: topo.regions, threshold: 0.5 });
      await Promise.all([store.close(), store.close()]);
      await expect(store.writeScoredWindow(scoredWindow(topo, 1, [], 5), { regions: topo.regions, threshold: 0.5 })).rejects.toThrow(/closed/);
    }
    const store = await Store.open(path);
    expect(await store.query('SELECT count(*) AS n FROM scored_windows')).toEqual([{ n: String(topo.cells.length * 5) }]);
    await store.close();
  });
});

describe('Store with onlyAtRisk', () => {
  it('keeps just the users at or above the threshold', async () => {
    const store = await Store.open(join(dir, 'at-risk.duckdb'));
    await store.beginRun({ runId: 'r', source: 'test', modelVersion: 'm1' });
    const w = scoredWindow(topo, 0, faultUsers(1000 * 256, 7, 'dns', 460_001_000_000_000));
    expect(await store.writeScoredWindow(w, { regions: topo.regions, threshold: 0.5, onlyAtRisk: true })).toBe(7);
    expect(await store.query('SELECT count(*) AS n, min(probability) AS p, bool_and(at_risk) AS all_at_risk FROM scored_windows')).toEqual([
      { n: '7', p: 0.9, all_at_risk: true },
    ]);
    await store.close();
  });
});

describe('closeOnSignals', () => {
  it('on SIGINT flushes everything appended, marks the run interrupted, then hands over', async () => {
    const path = join(dir, 'sigint.duckdb');
    const store = await Store.open(path);
    await store.beginRun({ runId: 'live', source: 'sim', modelVersion: 'm1' });
    await store.writeScoredWindow(scoredWindow(topo, 0, [], 3), { regions: topo.regions, threshold: 0.5 });
    const handedOver = new Promise<NodeJS.Signals>((resolve) => closeOnSignals(store, resolve));
    process.emit('SIGINT');
    expect(await handedOver).toBe('SIGINT');
    const again = await Store.open(path);
    expect(await again.query(`SELECT (SELECT count(*) FROM scored_windows) AS n, (SELECT status FROM runs) AS status`)).toEqual([
      { n: String(topo.cells.length * 3), status: 'interrupted' },
    ]);
    await again.close();
  });
});

describe('topReasons', () => {
  it('keeps the k largest positive contributions per explained row, largest first', () => {
    const w = scoredWindow(topo, 0, [{ imsi: 1, eci: 1000 * 256, p: 0.9, shap: [0.1, 0.7, -2, 0.3, 0.2] }], 0);
    expect(topReasons(w, 3).get(0)).toBe('ratio_tcp_retrans:+0.700;ratio_dns_fail:+0.300;cnt_bytes:+0.200');
  });
});

describe('Store checkpointed writes', () => {
  const letter = (row: number) => ({ source: 'kafka:t/0@1', row, reason: 'imsi: not 15 digits', raw: '{}' });
  const checkpoint = (runId: string, checkpointId: number, offset: number) => ({
    runId, checkpointId, takenAt: 1000 * checkpointId, eventTime: 900_000 * checkpointId, source: 'kafka://b/t?group=g',
    offsets: [{ topic: 't', partition: 0, offset }], stateFile: `/state/${checkpointId}`, stateSha256: 'ab'.repeat(32),
  });

  it('keeps exactly what the last checkpoint committed; a restart resumes that run from its newest checkpoint', async () => {
    const path = join(dir, 'checkpointed.duckdb');
    const store = await Store.open(path, { maskKey: KEY });
    const runId = await store.beginRun({ runId: 'live', source: 'kafka://b/t?group=g', modelVersion: 'm1' });
    await store.beginCheckpointedWrites();
    await store.writeDeadLetters([letter(1), letter(2)], 0);
    await store.commitCheckpoint(checkpoint(runId, 1, 10));
    await store.writeDeadLetters([letter(3)], 0);
    await store.commitCheckpoint(checkpoint(runId, 2, 20));
    await store.writeDeadLetters([letter(4), letter(5)], 0); // after the last checkpoint: must not survive
    expect((await store.query('SELECT count(*) AS n FROM dead_letters'))[0].n).toBe('5'); // visible inside the transaction
    await store.close('interrupted');

    const again = await Store.open(path, { maskKey: KEY });
    expect((await again.query('SELECT row FROM dead_letters ORDER BY row')).map((r) => r.row)).toEqual(['1', '2', '3']);
    const cp = await again.latestCheckpoint('kafka://b/t?group=g');
    expect(cp).toEqual(checkpoint(runId, 2, 20));
    expect(await again.latestCheckpoint('kafka://b/other?group=g')).toBeNull();
    await again.resumeRun(cp!.runId);
    expect((await again.query("SELECT status FROM runs WHERE run_id = 'live'"))[0].status).toBe('running');
    await again.beginCheckpointedWrites();
    await again.writeDeadLetters([letter(4)], 0);
    await again.commitCheckpoint(checkpoint(runId, 3, 30));
    await again.endCheckpointedWrites();
    await again.writeMetrics({ recall: 1 }); // after the final checkpoint: commits as written
    await again.close('completed');

    const done = await Store.open(path, { maskKey: KEY });
    expect((await done.query('SELECT row FROM dead_letters ORDER BY row')).map((r) => r.row)).toEqual(['1', '2', '3', '4']);
    expect((await done.query('SELECT count(*) AS n FROM metrics'))[0].n).toBe('1');
    // A completed run is finished: the stream's next run starts afresh.
    expect(await done.latestCheckpoint('kafka://b/t?group=g')).toBeNull();
    await done.close();
  });
});
