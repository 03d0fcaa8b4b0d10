// The shape of HotspotDetector.snapshot() as it comes back from a checkpoint file: validated before restore, so
// a truncated or hand-edited checkpoint is refused with a clear message instead of corrupting the detector.
import { z } from 'zod';
import { SEVERITIES } from './alert.js';
import { HOURS_PER_DAY } from './baseline.js';
import { FAULT_DOMAINS } from './cause-domains.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int().nonnegative();
const severity = z.enum(SEVERITIES);
const domain = z.enum(FAULT_DOMAINS);

const affectedUserSchema = z.object({
  imsi: finite,
  probability: finite,
  cell: z.number(), // NaN never reaches here (unlocated rows are skipped), but an ECI is just a number
  regionIndex: z.number().int(),
  firstSeenAt: finite,
});

const evidenceSchema = z.object({ feature: z.string(), value: z.number(), baseline: z.number(), detail: z.string() });

const alertStateSchema = z.object({
  id: z.string().min(1),
  ordinal: count,
  openedAt: finite,
  updatedAt: finite,
  cells: z.array(count),
  footprint: z.array(count),
  quietWindows: count,
  severity,
  cause: domain,
  usersAtRisk: count,
  expected: z.number(),
  vip: count,
  baselineAtRisk: z.number(),
  pValue: z.number(),
  causeScores: z.record(domain, z.number()),
  attributedUsers: z.number().nonnegative(),
  shapDomain: z.number().int().min(-1).max(FAULT_DOMAINS.length - 1),
  evidence: z.array(evidenceSchema),
  contributions: z.array(z.object({ feature: z.string(), contribution: z.number() })),
  modelVersion: z.string(),
  affected: z.array(affectedUserSchema),
  emitted: z.object({ cellsKey: z.string(), usersAtRisk: count, severity, cause: domain }),
  // Absent in snapshots written before second incidents could split off: none had.
  splitDomains: count.default(0),
  // Unknown for older snapshots: -1 treats every code as known (no new signature), as before.
  openCodes: z.number().int().min(-1).default(-1),
  splitFor: z.number().int().min(-1).max(FAULT_DOMAINS.length - 1).default(-1),
});

const numbers = z.array(z.number());

export const detectorSnapshotSchema = z.object({
  version: z.literal(2, { error: 'detector snapshot version must be 2 (this build writes and reads version 2)' }),
  sequence: count,
  ordinal: count,
  lastWindowStart: finite.nullable(),
  lastWindowEnd: z.number(),
  stats: z.object({
    windows: count,
    rows: count,
    unlocatedRows: count,
    rejectedWindows: count,
    lastRejection: z.string().nullable(),
    events: count,
  }),
  baseline: z.object({
    nCells: count,
    atRisk: numbers,
    expected: numbers,
    count: numbers,
    cellAtRisk: numbers,
    cellExpected: numbers,
    cellCount: numbers,
    users: numbers,
    cellUsers: numbers,
  }).refine(
    (b) =>
      [b.atRisk, b.expected, b.count, b.users].every((a) => a.length === b.nCells * HOURS_PER_DAY) &&
      [b.cellAtRisk, b.cellExpected, b.cellCount, b.cellUsers].every((a) => a.length === b.nCells),
    'baseline arrays must hold nCells × 24 (per hour) and nCells (per cell) values',
  ),
  networkRate: z.object({ atRisk: z.number().nonnegative(), expected: z.number().nonnegative(), windows: count }),
  alerts: z.array(alertStateSchema),
  resolved: z.array(z.object({ alertId: z.string(), users: z.array(affectedUserSchema) })),
  /** Each user's last moved cause-code domain and its window (alert.codeMemoryMs); older snapshots have none. */
  userCodes: z
    .array(z.object({ imsi: finite, at: finite, domain: z.number().int().min(0).max(FAULT_DOMAINS.length - 1) }))
    .default([]),
});
