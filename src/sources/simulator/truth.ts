// truth.json: what was injected, where, when and whom it hit — the answer key for replay and tests.
import type { City } from './city.js';
import type { FaultImpact, SimComplaint } from './complaints.js';
import type { FaultType } from './scenario.js';
import { digits } from './subscribers.js';

export interface TruthFault {
  id: number;
  type: FaultType;
  domain: string;
  start: string;
  end: string;
  onset: 'abrupt' | 'creeping';
  ramp_minutes: number;
  intensity: number;
  cells: number[];
  enbs: number[];
  regions: string[];
  mme_pool?: number;
  mme_codes?: number[];
  apn?: string;
  imsi_range?: [string, string];
  emm_causes?: number[];
  surge?: number;
  affected_users: number;
  affected_vips: number;
  complaints: number;
  affected_imsis: string[];
}

export interface Truth {
  generator: string;
  seed: number;
  scenario: string;
  start: string;
  end: string;
  subscribers: number;
  enbs: number;
  cells: number;
  regions: number;
  faults: TruthFault[];
  complaints: { total: number; fault_related: number; background: number; repeats: number };
}

const iso = (t: number) => new Date(t).toISOString();

export function buildTruth(city: City, impacts: FaultImpact[], complaints: SimComplaint[]): Truth {
  const net = city.net;
  const subs = city.subs;
  const perFault = new Map<number, number>();
  for (const c of complaints) if (c.faultId >= 0) perFault.set(c.faultId, (perFault.get(c.faultId) ?? 0) + 1);
  const faults = impacts.map(({ fault: f, users }): TruthFault => {
    let vips = 0;
    for (const u of users) if (subs.vipLevel[u] > 0) vips++;
    const t: TruthFault = {
      id: f.id,
      type: f.type,
      domain: f.domain,
      start: iso(f.start),
      end: iso(f.end),
      onset: f.onset,
      ramp_minutes: f.onset === 'creeping' ? Math.round(f.rampMs / 60_000) : 0,
      intensity: Math.round(f.peak * 1000) / 1000,
      cells: Array.from(f.cells, (c) => net.cellEci[c]),
      enbs: f.enbs.map((e) => net.enbId[e]),
      regions: f.regions.map((r) => net.regionNames[r]),
      affected_users: users.length,
      affected_vips: vips,
      complaints: perFault.get(f.id) ?? 0,
      affected_imsis: Array.from(users, (u) => digits(subs.imsi[u], 15)),
    };
    if (f.mmePool >= 0) {
      t.mme_pool = f.mmePool;
      t.mme_codes = net.poolMmeCodes[f.mmePool];
    }
    if (f.apn) t.apn = f.apn;
    if (f.type === 'subscription') t.imsi_range = [digits(subs.imsi[f.userLo], 15), digits(subs.imsi[f.userHi - 1], 15)];
    if (f.emmCauses.length > 0) t.emm_causes = [...new Set(f.emmCauses)];
    if (f.type === 'congestion') t.surge = f.surge;
    return t;
  });
  const background = complaints.filter((c) => c.faultId < 0).length;
  return {
    generator: 'hotspot simulate',
    seed: city.config.seed,
    scenario: city.scenario.name,
    start: iso(city.start),
    end: iso(city.end),
    subscribers: subs.count,
    enbs: net.enbCount,
    cells: net.cellCount,
    regions: net.regionNames.length,
    faults,
    complaints: {
      total: complaints.length,
      fault_related: complaints.length - background,
      background,
      repeats: complaints.filter((c) => c.repeat).length,
    },
  };
}
