// Who complains, and when (DOMAIN.md §5). For every fault, users in its footprint while it runs are
// "affected" with an exposure (intensity-weighted minutes); a small share of them complains — more for total
// loss, longer exposure, heavy users and VIPs — after a log-normal delay, never between 00:00 and 07:00.
// Complaints unrelated to any fault come on top. Everything is a function of the city (own PRNG stream), so
// the live engine can draw complaints without generating records.
import type { Complaint, ComplaintCategory } from '../../schema/side-files.js';
import { diurnal, locate, minuteOfDay, type City } from './city.js';
import { Rng, cumulative } from './prng.js';
import { faultIntensity, type Fault, type FaultType } from './scenario.js';
import { DEVICE_MODELS, USER_CLASS, digits } from './subscribers.js';

/** One fault's affected users, with their exposure. */
export interface FaultImpact {
  readonly fault: Fault;
  /** Subscriber positions, ascending. */
  readonly users: Int32Array;
  /** First time each user was in the footprint while the fault was on (epoch ms). */
  readonly firstExposure: Float64Array;
  /** Intensity-weighted minutes in the footprint (night minutes weigh less). */
  readonly exposureMinutes: Float32Array;
  /** Region index where each user was first hit. */
  readonly region: Int32Array;
}

/** A simulated complaint with its cause (fault id, −1 for background) kept for truth.json and tests. */
export interface SimComplaint extends Complaint {
  readonly user: number;
  readonly faultId: number;
  /** Minutes from first exposure to the call (NaN for background complaints). */
  readonly delayMinutes: number;
  readonly repeat: boolean;
}

/** Complaint propensity by fault type relative to the base rate: total loss makes people call. */
export const FAULT_SEVERITY: Record<FaultType, number> = {
  cell_outage: 2,
  enb_outage: 2,
  subscription: 2,
  mme_overload: 1.4,
  pgw_apn: 1.4,
  dns: 1.2,
  misconfig: 1,
  transport: 0.9,
  interference: 0.8,
  congestion: 0.7,
};

/** Fault types whose users lose service outright (short complaint delays); the rest degrade (hours). */
const TOTAL_LOSS = new Set<FaultType>(['cell_outage', 'enb_outage', 'subscription', 'mme_overload', 'pgw_apn', 'dns', 'misconfig']);

const CATEGORY_MIX: Record<FaultType | 'ims' | 'background', [ComplaintCategory, number][]> = {
  cell_outage: [['no_signal', 0.6], ['cannot_connect', 0.25], ['call_drop', 0.15]],
  enb_outage: [['no_signal', 0.6], ['cannot_connect', 0.25], ['call_drop', 0.15]],
  transport: [['slow_data', 0.8], ['cannot_connect', 0.2]],
  mme_overload: [['cannot_connect', 0.7], ['no_signal', 0.3]],
  subscription: [['no_signal', 0.5], ['cannot_connect', 0.5]],
  pgw_apn: [['cannot_connect', 0.8], ['slow_data', 0.2]],
  ims: [['voice', 0.8], ['call_drop', 0.2]],
  dns: [['cannot_connect', 0.6], ['slow_data', 0.4]],
  interference: [['call_drop', 0.5], ['slow_data', 0.3], ['no_signal', 0.2]],
  congestion: [['slow_data', 0.75], ['call_drop', 0.15], ['cannot_connect', 0.1]],
  misconfig: [['cannot_connect', 0.5], ['no_signal', 0.3], ['call_drop', 0.2]],
  background: [['other', 0.35], ['slow_data', 0.2], ['no_signal', 0.15], ['cannot_connect', 0.12], ['call_drop', 0.1], ['voice', 0.08]],
};

const STEP_MS = 5 * 60_000;
const MAX_DELAY_MS = 48 * 3_600_000;
const QUIET_END_MINUTE = 7 * 60;
/** Weight of a night minute (00:00–07:00) in a user's exposure. */
const NIGHT_NOTICE = 0.3;

/** Users in each fault's footprint while it runs (within the simulated window). */
export function faultImpacts(city: City): FaultImpact[] {
  const net = city.net;
  const subs = city.subs;
  return city.faults.map((f) => {
    const cellMask = new Uint8Array(net.cellCount);
    switch (f.type) {
      case 'mme_overload':
        for (let c = 0; c < net.cellCount; c++) cellMask[c] = net.regionPool[net.cellRegion[c]] === f.mmePool ? 1 : 0;
        break;
      case 'dns':
      case 'pgw_apn':
        for (const r of f.regions) for (const c of net.regionCells[r]) cellMask[c] = 1;
        break;
      case 'subscription':
        cellMask.fill(1);
        break;
      default:
        for (const c of f.cells) cellMask[c] = 1;
    }
    const lo = f.type === 'subscription' ? f.userLo : 0;
    const hi = f.type === 'subscription' ? f.userHi : subs.count;
    const volteOnly = f.type === 'pgw_apn' && f.apn === 'ims';
    const first = new Float64Array(subs.count).fill(NaN);
    const minutes = new Float32Array(subs.count);
    const region = new Int32Array(subs.count);
    const from = Math.max(f.start, city.start);
    const to = Math.min(f.end, city.end);
    for (let t = from; t < to; t += STEP_MS) {
      const step = Math.min(STEP_MS, to - t) / 60_000;
      const intensity = faultIntensity(f, t);
      if (intensity < 0.1) continue;
      // Asleep users barely notice a night fault: night minutes count for less (fewer calls at night).
      const weight = intensity * step * (minuteOfDay(t) < QUIET_END_MINUTE ? NIGHT_NOTICE : 1);
      for (let u = lo; u < hi; u++) {
        if (volteOnly && !subs.volte[u]) continue;
        const c = locate(city, u, t);
        if (!cellMask[c]) continue;
        if (Number.isNaN(first[u])) {
          first[u] = t;
          region[u] = net.cellRegion[c];
        }
        minutes[u] += weight;
      }
    }
    const users: number[] = [];
    for (let u = lo; u < hi; u++) if (!Number.isNaN(first[u])) users.push(u);
    const idx = Int32Array.from(users);
    return {
      fault: f,
      users: idx,
      firstExposure: Float64Array.from(idx, (u) => first[u]),
      exposureMinutes: Float32Array.from(idx, (u) => minutes[u]),
      region: Int32Array.from(idx, (u) => region[u]),
    };
  });
}

/** Probability that affected user `u` of `fault` complains, given its exposure (minutes). */
export function complaintProbability(city: City, fault: Fault, u: number, exposureMinutes: number): number {
  const subs = city.subs;
  const cls = subs.userClass[u];
  const userFactor = (cls === USER_CLASS.heavy ? 1.8 : cls === USER_CLASS.light ? 0.4 : 1) * (subs.vipLevel[u] > 0 ? 2 : 1);
  const durationFactor = Math.min(3, 0.5 + exposureMinutes / 60);
  const severity = FAULT_SEVERITY[fault.type] * (fault.type === 'pgw_apn' && fault.apn === 'ims' ? 0.7 : 1);
  return Math.min(0.5, city.config.complaintRate * severity * durationFactor * userFactor);
}

/** Median complaint delay (minutes) for a fault: total loss is noticed and reported fast, slowness late. */
export function complaintDelayMedian(city: City, fault: Fault): number {
  return TOTAL_LOSS.has(fault.type) ? city.config.complaintDelayMedianLossMinutes : city.config.complaintDelayMedianSlowMinutes;
}

/** Moves a call that would fall at 00:00–07:00 into the morning (people do not call at night). */
export function shiftOutOfNight(t: number, rng: Rng): number {
  const m = minuteOfDay(t);
  if (m >= QUIET_END_MINUTE) return t;
  const morning = t - m * 60_000 + QUIET_END_MINUTE * 60_000;
  return morning + Math.min(rng.exp(75), 180) * 60_000;
}

function pick(mix: [ComplaintCategory, number][], rng: Rng): ComplaintCategory {
  const cum = cumulative(mix.map((m) => m[1]));
  return mix[rng.pickCumulative(cum)][0];
}

/** All complaints of the city, sorted by time, with their cause. */
export function simulateComplaintDetails(city: City, impacts: FaultImpact[] = faultImpacts(city)): SimComplaint[] {
  const cfg = city.config;
  const subs = city.subs;
  const net = city.net;
  const rng = new Rng(cfg.seed, 5);
  const raw: Omit<SimComplaint, 'complaintId'>[] = [];
  const msisdnOf = (u: number) => digits(subs.msisdn[u], 11);
  for (const imp of impacts) {
    const f = imp.fault;
    const mix = CATEGORY_MIX[f.type === 'pgw_apn' && f.apn === 'ims' ? 'ims' : f.type];
    const median = complaintDelayMedian(city, f);
    for (let k = 0; k < imp.users.length; k++) {
      const u = imp.users[k];
      if (rng.float() >= complaintProbability(city, f, u, imp.exposureMinutes[k])) continue;
      const category = pick(mix, rng);
      const delay = Math.min(MAX_DELAY_MS, rng.logNormal(median, cfg.complaintDelaySigma) * 60_000);
      const time = shiftOutOfNight(imp.firstExposure[k] + delay, rng);
      const region = net.regionNames[imp.region[k]];
      raw.push({ time, msisdn: msisdnOf(u), category, region, user: u, faultId: f.id, delayMinutes: (time - imp.firstExposure[k]) / 60_000, repeat: false });
      if (rng.float() < cfg.repeatComplaintShare) {
        // Called again: the problem persists or the first call did not help.
        const again = shiftOutOfNight(time + rng.logNormal(180, 0.7) * 60_000, rng);
        raw.push({ time: again, msisdn: msisdnOf(u), category, region, user: u, faultId: f.id, delayMinutes: (again - imp.firstExposure[k]) / 60_000, repeat: true });
      }
    }
  }
  // Background: complaints with no network cause, plus chronic ones from weak-coverage homes and buggy phones.
  const expected = subs.count * cfg.backgroundComplaintsPerUserDay * (cfg.hours / 24);
  const n = rng.poisson(expected);
  const weakHome: number[] = [];
  const buggy: number[] = [];
  for (let u = 0; u < subs.count; u++) {
    if (net.cellWeak[subs.homeCell[u]]) weakHome.push(u);
    if (DEVICE_MODELS[subs.deviceModel[u]].buggy) buggy.push(u);
  }
  for (let k = 0; k < n; k++) {
    let t: number;
    do t = city.start + rng.float() * (city.end - city.start);
    while (minuteOfDay(t) < QUIET_END_MINUTE && rng.float() < 0.97);
    t = shiftOutOfNight(t, rng);
    // Busier hours bring more calls: thin by load.
    if (rng.float() > 0.3 + 0.7 * diurnal(t)) continue;
    const x = rng.float();
    let u: number;
    let category: ComplaintCategory;
    if (x < 0.2 && weakHome.length > 0) {
      u = weakHome[rng.int(weakHome.length)];
      category = rng.float() < 0.6 ? 'call_drop' : 'no_signal';
    } else if (x < 0.3 && buggy.length > 0) {
      u = buggy[rng.int(buggy.length)];
      category = rng.float() < 0.5 ? 'cannot_connect' : 'call_drop';
    } else {
      u = rng.int(subs.count);
      category = pick(CATEGORY_MIX.background, rng);
    }
    raw.push({ time: t, msisdn: msisdnOf(u), category, region: net.regionNames[net.cellRegion[subs.homeCell[u]]], user: u, faultId: -1, delayMinutes: NaN, repeat: false });
  }
  raw.sort((a, b) => a.time - b.time || a.user - b.user);
  return raw.map((c, i) => ({ ...c, time: Math.round(c.time), complaintId: `C${String(i + 1).padStart(8, '0')}` }));
}

/** The complaints side file rows (complaints.csv), sorted by time. */
export function simulateComplaints(city: City, impacts?: FaultImpact[]): Complaint[] {
  return simulateComplaintDetails(city, impacts).map(({ complaintId, time, msisdn, category, region }) => ({ complaintId, time, msisdn, category, region }));
}
