// The synthetic city: network, subscribers, faults and the mobility model that ties users to cells over
// time. Everything derives from the config (and its seed), so createCity(config) twice gives the same city.
import { z } from 'zod';
import { hash2, hashUnit, Rng } from './prng.js';
import { BUILTIN_SCENARIOS, ScenarioSchema, loadScenario, resolveFaults, type Fault, type Scenario } from './scenario.js';
import { buildSubscribers, type SubscriberTable } from './subscribers.js';
import { buildNetwork, NEIGHBOURS, type CityNetwork } from './topology.js';

export const CityConfigSchema = z
  .object({
    seed: z.number().int().default(1),
    subscribers: z.number().int().min(50).max(20_000_000).default(100_000),
    enbs: z.number().int().min(10).max(200_000).default(360),
    regions: z.number().int().min(1).max(500).default(30),
    /** Simulation start, epoch ms. The city's clock is UTC (its local time, for diurnal load and quiet nights). */
    start: z.number().int().default(Date.parse('2026-03-02T16:00:00Z')),
    hours: z.number().positive().max(24 * 14).default(4),
    /** A built-in scenario name, a scenario JSON file, or a scenario object. */
    scenario: z.union([z.string(), ScenarioSchema]).default('default'),
    vipShare: z.number().min(0).max(1).default(0.03),
    heavyShare: z.number().min(0).max(1).default(0.15),
    lightShare: z.number().min(0).max(1).default(0.3),
    workerShare: z.number().min(0).max(1).default(0.6),
    weakCellShare: z.number().min(0).max(1).default(0.02),
    /** Base probability that an affected user complains about an incident (DOMAIN.md §5: 1–2%). */
    complaintRate: z.number().min(0).max(1).default(0.015),
    /** Median complaint delay in minutes for total loss and for degradations (log-normal). */
    complaintDelayMedianLossMinutes: z.number().positive().default(60),
    complaintDelayMedianSlowMinutes: z.number().positive().default(180),
    complaintDelaySigma: z.number().positive().default(1),
    /** Share of complainers who call again about the same incident. */
    repeatComplaintShare: z.number().min(0).max(1).default(0.12),
    /** Complaints unrelated to any fault, per subscriber per day. */
    backgroundComplaintsPerUserDay: z.number().min(0).default(0.0008),
  })
  .strict();
export type CityConfigInput = z.input<typeof CityConfigSchema>;
export type CityConfig = z.output<typeof CityConfigSchema>;

export interface City {
  readonly config: CityConfig;
  readonly scenario: Scenario;
  readonly net: CityNetwork;
  readonly subs: SubscriberTable;
  readonly faults: Fault[];
  readonly start: number;
  readonly end: number;
  /** Per subscriber: index+1 of the congestion fault (event) the user attends, 0 for none. */
  readonly attendee: Int16Array;
}

export function createCity(input: CityConfigInput = {}): City {
  const parsed = CityConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`simulator config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config = parsed.data;
  const scenario = typeof config.scenario === 'string' ? loadScenario(config.scenario) : config.scenario;
  const net = buildNetwork({ seed: config.seed, enbs: config.enbs, regions: config.regions, weakCellShare: config.weakCellShare });
  const subs = buildSubscribers(config, net);
  const faults = resolveFaults(scenario, net, subs.count, config.seed, config.start, config.hours);
  const attendee = chooseAttendees(net, subs, faults, config.seed);
  return { config, scenario, net, subs, faults, start: config.start, end: config.start + config.hours * 3_600_000, attendee };
}

export { BUILTIN_SCENARIOS };

/**
 * Event congestion brings (surge − 1) × the usual population of the event cells from nearby regions.
 * Attendees move to the event cells for the event (see locate).
 */
function chooseAttendees(net: CityNetwork, subs: SubscriberTable, faults: Fault[], seed: number): Int16Array {
  const attendee = new Int16Array(subs.count);
  const rng = new Rng(seed, 4);
  for (const f of faults) {
    if (f.type !== 'congestion') continue;
    const mask = new Uint8Array(net.cellCount);
    for (const c of f.cells) mask[c] = 1;
    // The usual population: who would be in the event cells at the start without the event.
    const probe: City = { net, subs, faults, attendee: new Int16Array(subs.count) } as unknown as City;
    let usual = 0;
    for (let u = 0; u < subs.count; u++) if (mask[locate(probe, u, f.start)]) usual++;
    // About half of a cell's traffic comes from users passing through (handovers, neighbours), so
    // reaching `surge` × the usual load takes twice as many extra campers as the resident count suggests.
    const wanted = Math.round(2 * (f.surge - 1) * Math.max(usual, 3));
    // Attendees come from anywhere in the city, more from nearby regions.
    const r0 = f.regions[0];
    const near = (u: number) => {
      const r = net.cellRegion[subs.homeCell[u]];
      return Math.hypot(net.regionLat[r] - net.regionLat[r0], net.regionLon[r] - net.regionLon[r0]) < 0.12;
    };
    const weight = new Float32Array(subs.count);
    let total = 0;
    for (let u = 0; u < subs.count; u++) {
      if (attendee[u] !== 0 || mask[subs.homeCell[u]]) continue;
      weight[u] = near(u) ? 3 : 1;
      total += weight[u];
    }
    const scale = Math.min(1 / 3, wanted / Math.max(1, total));
    for (let u = 0; u < subs.count; u++) if (weight[u] > 0 && rng.float() < weight[u] * scale) attendee[u] = f.id + 1;
  }
  return attendee;
}

export const MINUTE = 60_000;
export const SLOT_MS = 15 * MINUTE;
const DAY = 86_400_000;

/** Load relative to the busy hour (20:00–21:00 = 1), per hour of the day. */
const DIURNAL = [0.3, 0.18, 0.12, 0.09, 0.08, 0.1, 0.2, 0.4, 0.6, 0.72, 0.78, 0.82, 0.85, 0.8, 0.78, 0.8, 0.82, 0.85, 0.9, 0.95, 1, 0.98, 0.8, 0.55];

/** Relative load at time t, interpolated between hours. */
export function diurnal(t: number): number {
  const h = (((t % DAY) + DAY) % DAY) / 3_600_000;
  const i = Math.floor(h);
  const f = h - i;
  return DIURNAL[i] * (1 - f) + DIURNAL[(i + 1) % 24] * f;
}

/** Minute of the day (city clock = UTC). */
export function minuteOfDay(t: number): number {
  return Math.floor((((t % DAY) + DAY) % DAY) / MINUTE);
}

/**
 * Where user u is at time t (cell index). Daily rhythm: home at night, commute cell around work start/end,
 * work cell in working hours; non-workers make occasional excursions; small same-site moves between
 * 15-minute slots; event attendees sit in the event cells while the event runs.
 */
export function locate(city: City, u: number, t: number): number {
  const subs = city.subs;
  const net = city.net;
  const ev = city.attendee[u];
  if (ev > 0) {
    const f = city.faults[ev - 1];
    // The crowd gathers over the onset ramp and leaves at the end.
    const arrival = f.start + (f.onset === 'creeping' ? hashUnit(u, f.id, 5) * f.rampMs : 0);
    if (t >= arrival && t < f.end) return f.cells[hash2(u, f.id) % f.cells.length];
  }
  const m = minuteOfDay(t);
  const slot = Math.floor(t / SLOT_MS);
  let cell = subs.homeCell[u];
  const work = subs.workCell[u];
  if (work >= 0) {
    const ws = subs.workStart[u];
    const we = subs.workEnd[u];
    if ((m >= ws - 45 && m < ws) || (m >= we && m < we + 45)) cell = subs.commuteCell[u];
    else if (m >= ws && m < we) cell = work;
  } else if (m >= 9 * 60 && m < 22 * 60 && hashUnit(u, Math.floor(t / 3_600_000), 11) < 0.12) {
    // An errand: some cell elsewhere in the city for this hour.
    cell = hash2(u, Math.floor(t / 3_600_000)) % net.cellCount;
  }
  // Moving around within the area: another sector of the site or a close neighbour for this slot.
  const h = hashUnit(u, slot, 13);
  if (h < 0.15) cell = net.neighbours[cell * NEIGHBOURS + (Math.floor(h * 1e6) % 3)];
  return cell;
}

/** True while user u is on the move (commuting): more handovers. */
export function commuting(city: City, u: number, t: number): boolean {
  const subs = city.subs;
  if (subs.workCell[u] < 0) return false;
  const m = minuteOfDay(t);
  const ws = subs.workStart[u];
  const we = subs.workEnd[u];
  return (m >= ws - 45 && m < ws) || (m >= we && m < we + 45);
}
