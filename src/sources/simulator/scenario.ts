// Fault scenarios: JSON files (fixtures/scenarios/*.json, validated with zod) or named built-ins. A scenario
// lists fault specs; anything a spec leaves open (cells, start, duration, size, onset) is drawn from the seed,
// so one scenario gives many different but reproducible cities.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Rng } from './prng.js';
import { cellsOfEnbs, enbCluster, type CityNetwork } from './topology.js';

/** Fault types of DOMAIN.md §4. */
export const FAULT_TYPES = [
  'cell_outage',
  'enb_outage',
  'transport',
  'mme_overload',
  'subscription',
  'pgw_apn',
  'dns',
  'interference',
  'congestion',
  'misconfig',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** DESIGN.md §7 suspected_cause domain of each fault type. */
export const FAULT_DOMAIN: Record<FaultType, 'radio' | 'transport' | 'core' | 'pgw_apn' | 'dns' | 'subscription' | 'congestion'> = {
  cell_outage: 'radio',
  enb_outage: 'radio',
  transport: 'transport',
  mme_overload: 'core',
  subscription: 'subscription',
  pgw_apn: 'pgw_apn',
  dns: 'dns',
  interference: 'radio',
  congestion: 'congestion',
  // A night cut-over pushes wrong TACs / neighbour lists / APN profiles to a cluster of eNBs.
  misconfig: 'radio',
};

export const FaultSpecSchema = z
  .object({
    type: z.enum(FAULT_TYPES),
    /** Minutes after the simulation start. */
    start_minute: z.number().min(0).optional(),
    /** Start as a fraction of the simulated horizon (used by built-ins so they fit any --hours). */
    at: z.number().min(0).max(1).optional(),
    duration_minutes: z.number().positive().optional(),
    onset: z.enum(['abrupt', 'creeping']).optional(),
    /** Minutes to full strength for a creeping onset. */
    ramp_minutes: z.number().positive().optional(),
    /** Restrict the footprint to this region (cell-scoped faults) or use it (region-scoped faults). */
    region: z.string().optional(),
    /** Footprint size: cells (cell_outage, interference), eNBs (enb_outage, congestion, misconfig), regions (dns). */
    size: z.number().int().positive().optional(),
    /** Peak strength in (0, 1]: the share of affected procedures that fail. */
    intensity: z.number().gt(0).max(1).optional(),
    /** pgw_apn: which APN the failing PGW serves. */
    apn: z.enum(['ims', 'cmnet']).optional(),
    /** congestion: users per cell at the peak relative to normal (3–10). */
    surge: z.number().min(1).max(20).optional(),
    /** subscription: share of subscribers in the broken IMSI range. */
    imsi_share: z.number().gt(0).max(0.5).optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    faults: z.array(FaultSpecSchema),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

export const BUILTIN_SCENARIOS: Record<string, Scenario> = {
  quiet: { name: 'quiet', description: 'no faults: background noise only', faults: [] },
  default: {
    name: 'default',
    description: 'several faults over a few hours: an eNB outage, a creeping backhaul fault, a DNS failure, event congestion, an interference hole, a VoLTE (ims) PGW failure',
    faults: [
      { type: 'interference', at: 0.02, onset: 'creeping' },
      { type: 'enb_outage', at: 0.12 },
      { type: 'transport', at: 0.25, onset: 'creeping' },
      { type: 'congestion', at: 0.4 },
      { type: 'dns', at: 0.55 },
      { type: 'pgw_apn', at: 0.68, apn: 'ims' },
    ],
  },
  'all-faults': {
    name: 'all-faults',
    description: 'one fault of every type spread over the horizon',
    faults: [
      { type: 'misconfig', at: 0.02 },
      { type: 'interference', at: 0.04, onset: 'creeping' },
      { type: 'cell_outage', at: 0.08 },
      { type: 'enb_outage', at: 0.16 },
      { type: 'transport', at: 0.24 },
      { type: 'mme_overload', at: 0.32 },
      { type: 'subscription', at: 0.4 },
      { type: 'pgw_apn', at: 0.48, apn: 'ims' },
      { type: 'dns', at: 0.56 },
      { type: 'congestion', at: 0.64 },
      { type: 'pgw_apn', at: 0.72, apn: 'cmnet' },
    ],
  },
  sample: {
    name: 'sample',
    description: 'the committed fixture (fixtures/sample): an eNB outage, a backhaul fault and a DNS failure within one hour',
    faults: [
      { type: 'enb_outage', at: 0.15, duration_minutes: 30, size: 3, onset: 'abrupt' },
      { type: 'transport', at: 0.3, duration_minutes: 35, onset: 'abrupt', intensity: 0.9 },
      { type: 'dns', at: 0.5, duration_minutes: 25, size: 2, intensity: 0.8 },
    ],
  },
};

/** A built-in name or a JSON file path → validated scenario; errors name the file and the problem. */
export function loadScenario(nameOrFile: string): Scenario {
  const builtin = BUILTIN_SCENARIOS[nameOrFile];
  if (builtin) return builtin;
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch {
    throw new Error(
      `scenario '${nameOrFile}' is neither a built-in (${Object.keys(BUILTIN_SCENARIOS).join(', ')}) nor a readable file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`scenario file ${nameOrFile}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ScenarioSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`scenario file ${nameOrFile}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** One injected fault, resolved against the city. */
export interface Fault {
  readonly id: number;
  readonly type: FaultType;
  readonly domain: (typeof FAULT_DOMAIN)[FaultType];
  readonly start: number;
  readonly end: number;
  readonly onset: 'abrupt' | 'creeping';
  readonly rampMs: number;
  readonly peak: number;
  /** Cell indices of the footprint (empty for faults scoped by pool, region or IMSI range). */
  readonly cells: Int32Array;
  readonly enbs: number[];
  readonly regions: number[];
  readonly mmePool: number;
  readonly apn: 'ims' | 'cmnet' | null;
  /** Subscriber positions [userLo, userHi) of the broken IMSI range. */
  readonly userLo: number;
  readonly userHi: number;
  /** The EMM reject cause(s) this fault answers with (subscription, misconfig). */
  readonly emmCauses: number[];
  readonly surge: number;
}

/** Strength of a fault at time t: 0 outside [start, end); linear ramp for creeping onsets. */
export function faultIntensity(f: Fault, t: number): number {
  if (t < f.start || t >= f.end) return 0;
  if (f.onset === 'abrupt' || f.rampMs <= 0) return f.peak;
  return f.peak * Math.min(1, Math.max(0.05, (t - f.start) / f.rampMs));
}

const DURATION_MINUTES: Record<FaultType, [number, number]> = {
  cell_outage: [20, 120],
  enb_outage: [20, 150],
  transport: [30, 180],
  mme_overload: [15, 60],
  subscription: [30, 180],
  pgw_apn: [20, 90],
  dns: [15, 90],
  interference: [120, 480],
  congestion: [60, 180],
  misconfig: [240, 600],
};

const SUBSCRIPTION_CAUSES = [7, 8, 3, 6, 15, 2];
const MISCONFIG_CAUSES = [12, 13, 15];

/** Resolves scenario specs into faults over [start, start + hours) of a city. */
export function resolveFaults(
  scenario: Scenario,
  net: CityNetwork,
  subscriberCount: number,
  seed: number,
  start: number,
  hours: number,
): Fault[] {
  const rng = new Rng(seed, 3);
  const horizon = hours * 3_600_000;
  const regionIndex = (name: string | undefined): number => {
    if (name === undefined) return -1;
    const r = net.regionNames.indexOf(name);
    if (r < 0) throw new Error(`scenario '${scenario.name}': unknown region '${name}' (regions are ${net.regionNames[0]}…${net.regionNames[net.regionNames.length - 1]})`);
    return r;
  };
  const pickEnb = (region: number): number => {
    if (region < 0) return rng.int(net.enbCount);
    const cells = net.regionCells[region];
    return net.cellEnb[cells[rng.int(cells.length)]];
  };

  return scenario.faults.map((spec, id) => {
    const type = spec.type;
    const [dMin, dMax] = DURATION_MINUTES[type];
    const durationMs = (spec.duration_minutes ?? Math.round(rng.range(dMin, dMax))) * 60_000;
    let startMs: number;
    if (spec.start_minute !== undefined) startMs = start + spec.start_minute * 60_000;
    else if (spec.at !== undefined) startMs = start + Math.round(spec.at * horizon);
    else startMs = start + Math.round(rng.range(0.05, 0.7) * horizon);
    if (type === 'misconfig' && spec.start_minute === undefined && spec.at === undefined) {
      // A night cut-over: the first 02:00 inside the horizon, if any.
      const day = 86_400_000;
      const twoAm = Math.floor(start / day) * day + 2 * 3_600_000;
      const next = twoAm >= start ? twoAm : twoAm + day;
      if (next < start + horizon) startMs = next;
    }
    const defaultOnset: 'abrupt' | 'creeping' =
      type === 'interference' || type === 'congestion'
        ? 'creeping'
        : type === 'misconfig' || type === 'subscription' || type.endsWith('outage')
          ? rng.float() < 0.85 ? 'abrupt' : 'creeping'
          : rng.float() < 0.5 ? 'abrupt' : 'creeping';
    const onset = spec.onset ?? defaultOnset;
    const rampMs = (spec.ramp_minutes ?? Math.max(5, Math.round((durationMs / 60_000) * rng.range(0.2, 0.5)))) * 60_000;
    const region = regionIndex(spec.region);

    let enbs: number[] = [];
    let cells: number[] = [];
    let regions: number[] = [];
    let mmePool = -1;
    let userLo = 0;
    let userHi = 0;
    let emmCauses: number[] = [];
    let peak = spec.intensity ?? 1;
    let surge = 1;
    switch (type) {
      case 'cell_outage': {
        const e = pickEnb(region);
        const k = Math.min(spec.size ?? 1 + rng.int(2), net.enbCellCount[e]);
        cells = cellsOfEnbs(net, [e]).slice(0, k);
        enbs = [e];
        break;
      }
      case 'enb_outage':
      case 'misconfig':
      case 'congestion': {
        const size = spec.size ?? (type === 'enb_outage' ? 1 + rng.int(3) : type === 'misconfig' ? 3 + rng.int(6) : 2 + rng.int(3));
        enbs = enbCluster(net, pickEnb(region), size);
        cells = cellsOfEnbs(net, enbs);
        if (type === 'misconfig') emmCauses = [MISCONFIG_CAUSES[rng.int(3)], MISCONFIG_CAUSES[rng.int(3)]];
        if (type === 'congestion') surge = spec.surge ?? Math.round(rng.range(3, 10));
        break;
      }
      case 'interference': {
        const e = pickEnb(region);
        const size = spec.size ?? 2 + rng.int(5);
        const near = enbCluster(net, e, 3);
        cells = cellsOfEnbs(net, near).slice(0, size);
        enbs = [...new Set(cells.map((c) => net.cellEnb[c]))];
        peak = spec.intensity ?? rng.range(0.5, 1);
        break;
      }
      case 'transport': {
        const e = pickEnb(region);
        const group = net.enbTransport[e];
        for (let f = 0; f < net.enbCount; f++) if (net.enbTransport[f] === group) enbs.push(f);
        cells = cellsOfEnbs(net, enbs);
        peak = spec.intensity ?? rng.range(0.5, 1);
        break;
      }
      case 'mme_overload': {
        mmePool = region >= 0 ? net.regionPool[region] : rng.int(net.poolCount);
        for (let r = 0; r < net.regionNames.length; r++) if (net.regionPool[r] === mmePool) regions.push(r);
        peak = spec.intensity ?? rng.range(0.25, 0.6);
        break;
      }
      case 'pgw_apn': {
        // A PGW serves the regions of one pool.
        const pool = region >= 0 ? net.regionPool[region] : rng.int(net.poolCount);
        for (let r = 0; r < net.regionNames.length; r++) if (net.regionPool[r] === pool) regions.push(r);
        peak = spec.intensity ?? rng.range(0.6, 1);
        break;
      }
      case 'dns': {
        const r0 = region >= 0 ? region : rng.int(net.regionNames.length);
        const size = Math.min(spec.size ?? 1 + rng.int(3), net.regionNames.length);
        const order = net.regionNames.map((_, r) => r);
        const d = (r: number) => (net.regionLat[r] - net.regionLat[r0]) ** 2 + (net.regionLon[r] - net.regionLon[r0]) ** 2;
        order.sort((a, b) => d(a) - d(b));
        regions = order.slice(0, size);
        peak = spec.intensity ?? rng.range(0.5, 1);
        break;
      }
      case 'subscription': {
        const share = spec.imsi_share ?? rng.range(0.005, 0.02);
        const width = Math.max(1, Math.round(share * subscriberCount));
        userLo = rng.int(Math.max(1, subscriberCount - width));
        userHi = Math.min(subscriberCount, userLo + width);
        emmCauses = [SUBSCRIPTION_CAUSES[rng.int(SUBSCRIPTION_CAUSES.length)]];
        peak = spec.intensity ?? 0.95;
        break;
      }
    }
    if (cells.length > 0) regions = [...new Set(cells.map((c) => net.cellRegion[c]))].sort((a, b) => a - b);
    return {
      id,
      type,
      domain: FAULT_DOMAIN[type],
      start: startMs,
      end: startMs + durationMs,
      onset,
      rampMs,
      peak,
      cells: Int32Array.from(cells),
      enbs,
      regions,
      mmePool,
      apn: type === 'pgw_apn' ? (spec.apn ?? (rng.float() < 0.6 ? 'ims' : 'cmnet')) : null,
      userLo,
      userHi,
      emmCauses,
      surge,
    };
  });
}
