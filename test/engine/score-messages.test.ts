// The scores topic's messages: a window split by record partition, published as chunks, and joined again must be
// the window a single instance scored — rows in IMSI order, every feature value, the same explained users.
import { describe, expect, it } from 'vitest';
import type { ScoredWindow } from '../../src/hotspots/scored-window.js';
import { assembleWindow, decodeScoreChunk, encodePartitionState, encodeWindowMessages, parseScoreHead, type PartitionShare } from '../../src/engine/score-messages.js';
import { mulberry32 } from '../support/mulberry32.js';

const REGIONS = ['north', 'south', 'east'];
const FEATURES = ['cnt_records', 'ratio_fail_all', 'mean_rtt_ms'];

/** A window of n users sorted by IMSI, some of them at risk and explained (as the scorer makes them). */
function window(n: number, seed: number, threshold: number): ScoredWindow {
  const rand = mulberry32(seed);
  const imsi = Float64Array.from({ length: n }, (_, i) => 460_000_000_000_000 + i * 7919 + Math.floor(rand() * 7000)).sort();
  const probability = Float64Array.from({ length: n }, () => rand() * 0.2);
  const explained = [...probability.keys()].filter((r) => probability[r] >= threshold);
  const nf = FEATURES.length;
  return {
    windowStart: 1_772_460_000_000,
    windowEnd: 1_772_460_900_000,
    imsi,
    cell: Float64Array.from({ length: n }, () => 1000 + Math.floor(rand() * 40)),
    // One user of an unknown cell, keyed apart.
    regionIndex: Int32Array.from({ length: n }, (_, i) => (i === 3 ? -1 : Math.floor(rand() * REGIONS.length))),
    probability,
    featureNames: FEATURES,
    features: FEATURES.map((_, f) => Float64Array.from({ length: n }, (_, i) => (f === 1 && i % 9 === 0 ? NaN : rand() * 10 ** f))),
    explainedRows: Int32Array.from(explained),
    contributions: Float64Array.from({ length: explained.length * (nf + 1) }, () => rand() - 0.5),
    modelVersion: 'm1',
  };
}

/** Rows [of the window] as another window: the share of one record partition. */
function share(w: ScoredWindow, rows: number[]): ScoredWindow {
  const pick = (a: Float64Array) => Float64Array.from(rows, (r) => a[r]);
  const explained = rows.map((r, k) => [k, [...w.explainedRows].indexOf(r)] as const).filter(([, j]) => j >= 0);
  const width = w.featureNames.length + 1;
  return {
    ...w,
    imsi: pick(w.imsi),
    cell: pick(w.cell),
    regionIndex: Int32Array.from(rows, (r) => w.regionIndex[r]),
    probability: pick(w.probability),
    features: w.features.map(pick),
    explainedRows: Int32Array.from(explained, ([k]) => k),
    contributions: Float64Array.from(explained.flatMap(([, j]) => [...w.contributions.subarray(j * width, (j + 1) * width)])),
  };
}

/** Publishes each share as messages (small chunks) and gathers them as stage 2 does. */
function roundTrip(parts: ScoredWindow[], chunkRows: number): PartitionShare[] {
  return parts.map((p, rp) => {
    const { chunks, marker } = encodeWindowMessages(p, REGIONS, rp, parts.length, chunkRows);
    const head = parseScoreHead(marker.headers);
    if (typeof head === 'string') throw new Error(head);
    expect(head).toMatchObject({ kind: 'end', recordPartition: rp, recordPartitions: parts.length, chunk: chunks.length });
    const s: PartitionShare = { chunks: new Map(), expectedChunks: head.chunk };
    for (const c of chunks) {
      const h = parseScoreHead(c.headers);
      if (typeof h === 'string' || (h.kind !== 'rows' && h.kind !== 'contrib')) throw new Error(String(h));
      const chunk = decodeScoreChunk(h.kind, c.value);
      if (typeof chunk === 'string') throw new Error(chunk);
      s.chunks.set(h.chunk, { kind: h.kind, chunk });
    }
    return s;
  });
}

describe('scores topic messages', () => {
  const threshold = 0.15;
  const explainAll = (p: Float64Array) => Int32Array.from([...p.keys()].filter((r) => p[r] >= threshold));

  it('joins record partitions back into the single-instance window', () => {
    const w = window(300, 11, threshold);
    expect(w.explainedRows.length).toBeGreaterThan(20);
    // Users spread over three record partitions by a hash of the IMSI, as the record topic keys them.
    const rowsOf: number[][] = [[], [], []];
    for (let r = 0; r < w.imsi.length; r++) rowsOf[(w.imsi[r] * 2654435761) % 3 | 0].push(r);
    const shares = roundTrip(rowsOf.map((rows) => share(w, rows)), 16);
    // Arrival order of the partitions does not matter.
    const joined = assembleWindow(w.windowStart, w.windowEnd, w.modelVersion, shares.reverse(), explainAll);
    expect(joined.imsi).toEqual(w.imsi);
    expect(joined.cell).toEqual(w.cell);
    expect(joined.regionIndex).toEqual(w.regionIndex);
    expect(joined.probability).toEqual(w.probability);
    expect(joined.featureNames).toEqual(w.featureNames);
    for (let f = 0; f < FEATURES.length; f++) expect(joined.features[f]).toEqual(w.features[f]);
    expect(joined.explainedRows).toEqual(w.explainedRows);
    expect(joined.contributions).toEqual(w.contributions);
  });

  it('explains only users that came with contributions, capped over the whole window', () => {
    const w = window(120, 5, threshold);
    const shares = roundTrip([share(w, [...w.imsi.keys()])], 32);
    const atRisk = [...w.explainedRows];
    // The cap keeps the most probable at-risk users of the whole window.
    const top3 = (p: Float64Array) => Int32Array.from([...p.keys()].filter((r) => p[r] >= threshold).sort((a, b) => p[b] - p[a]).slice(0, 3)).sort();
    const joined = assembleWindow(w.windowStart, w.windowEnd, w.modelVersion, shares, top3);
    const expected = [...atRisk].sort((a, b) => w.probability[b] - w.probability[a]).slice(0, 3).sort((a, b) => a - b);
    expect([...joined.explainedRows]).toEqual(expected);
    const width = FEATURES.length + 1;
    for (let j = 0; j < expected.length; j++) {
      const k = atRisk.indexOf(expected[j]);
      expect(joined.contributions.subarray(j * width, (j + 1) * width)).toEqual(w.contributions.subarray(k * width, (k + 1) * width));
    }
  });

  it("carries a record partition's idle and active states with how far it has published", () => {
    for (const kind of ['idle', 'active'] as const) {
      const head = parseScoreHead(encodePartitionState(kind, 3, 4, 1_800_000, 'm1').headers);
      expect(head).toMatchObject({ kind, recordPartition: 3, recordPartitions: 4, windowStart: 1_800_000, windowEnd: 1_800_000, modelVersion: 'm1', chunk: 0 });
    }
    // Nothing published yet is 0; a state message never spans a window.
    expect(parseScoreHead(encodePartitionState('idle', 0, 1, 0, 'm1').headers)).toMatchObject({ kind: 'idle', windowEnd: 0 });
    expect(parseScoreHead([{ 'hotspot-kind': 'idle' }, { 'hotspot-window-start': '0' }, { 'hotspot-window-end': '900000' }])).toMatch(/bad window bounds/);
  });

  it('refuses messages that are not scores, with a reason', () => {
    expect(parseScoreHead(undefined)).toMatch(/not a scores message/);
    expect(parseScoreHead([{ 'hotspot-kind': 'rows' }, { 'hotspot-window-start': '10' }, { 'hotspot-window-end': '5' }])).toMatch(/bad window bounds/);
    const { chunks } = encodeWindowMessages(window(10, 1, threshold), REGIONS, 2, 2);
    expect(parseScoreHead(chunks[0].headers)).toMatch(/bad record partition 2 of 2/);
    expect(decodeScoreChunk('rows', Buffer.from('not arrow'))).toMatch(/not Arrow IPC/);
    expect(decodeScoreChunk('rows', null)).toMatch(/empty/);
  });
});
