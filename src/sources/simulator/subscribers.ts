// Subscribers of the synthetic city as columns: identities (IMSI, MSISDN, IMEI as exact float64 numbers),
// device model, home/work/commute cells, activity level, VIP level. Identities are generated in increasing
// order so an IMSI range is a contiguous range of subscriber positions (HSS faults hit such a range).
import type { Subscriber } from '../../schema/side-files.js';
import { Rng, cumulative } from './prng.js';
import type { CityNetwork } from './topology.js';

export interface SubscriberConfig {
  seed: number;
  subscribers: number;
  vipShare: number;
  heavyShare: number;
  lightShare: number;
  /** Share of subscribers who commute to a work cell on a daily rhythm. */
  workerShare: number;
}

/** A device model: 8-digit TAC of the IMEI, market share, and whether its firmware misbehaves. */
export interface DeviceModel {
  readonly tac: number;
  readonly name: string;
  readonly share: number;
  /** Firmware bug: elevated service-request failures and radio-interface failures (background noise). */
  readonly buggy: boolean;
}

export const DEVICE_MODELS: readonly DeviceModel[] = [
  { tac: 35391110, name: 'phone-a1', share: 0.14, buggy: false },
  { tac: 35674108, name: 'phone-a2', share: 0.1, buggy: false },
  { tac: 86891504, name: 'phone-h1', share: 0.12, buggy: false },
  { tac: 86769703, name: 'phone-h2', share: 0.08, buggy: false },
  { tac: 86446203, name: 'phone-x1', share: 0.1, buggy: false },
  { tac: 86298705, name: 'phone-x2', share: 0.06, buggy: false },
  { tac: 86583005, name: 'phone-o1', share: 0.09, buggy: false },
  { tac: 86717305, name: 'phone-v1', share: 0.09, buggy: false },
  { tac: 35328211, name: 'phone-s1', share: 0.07, buggy: false },
  { tac: 86012404, name: 'phone-m1', share: 0.05, buggy: false },
  { tac: 86955604, name: 'phone-z1', share: 0.04, buggy: true },
  { tac: 35925406, name: 'phone-n1', share: 0.03, buggy: false },
  { tac: 86103804, name: 'router-c1', share: 0.02, buggy: false },
  { tac: 86459302, name: 'phone-old', share: 0.01, buggy: false },
];

export const USER_CLASS = { light: 0, normal: 1, heavy: 2 } as const;

export interface SubscriberTable {
  readonly count: number;
  /** 15-digit IMSI as a number (460 MNC + 10 digits < 2^53). */
  readonly imsi: Float64Array;
  /** 11-digit MSISDN as a number. */
  readonly msisdn: Float64Array;
  /** 15-digit IMEI as a number: TAC(8) + serial(6) + Luhn digit. */
  readonly imei: Float64Array;
  readonly deviceModel: Uint8Array;
  readonly homeCell: Int32Array;
  /** −1 for non-workers. */
  readonly workCell: Int32Array;
  /** A cell between home and work where the commute is spent. */
  readonly commuteCell: Int32Array;
  /** Minute of day the working day starts / ends. */
  readonly workStart: Int16Array;
  readonly workEnd: Int16Array;
  /** Multiplier on every rate (heavy ~2.5, light ~0.4, log-normal spread). */
  readonly activity: Float32Array;
  readonly userClass: Uint8Array;
  readonly vipLevel: Uint8Array;
  readonly optOut: Uint8Array;
  /** Uses VoLTE (an `ims` PDN connection). */
  readonly volte: Uint8Array;
}

const MNC = [0, 2, 7];
const MNC_WEIGHT = cumulative([0.7, 0.15, 0.15]);
const MSISDN_PREFIX = [134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 183, 187, 188, 198];

/** Luhn check digit of a digit string given as a number (IMEI payload: 14 digits). */
export function luhnDigit(payload: number, digits: number): number {
  let sum = 0;
  let v = payload;
  for (let i = 0; i < digits; i++) {
    let d = v % 10;
    v = (v - d) / 10;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `value` (a `digits`-long number) is its Luhn check digit. */
export function luhnValid(value: number, digits: number): boolean {
  const check = value % 10;
  return luhnDigit((value - check) / 10, digits - 1) === check;
}

export function buildSubscribers(cfg: SubscriberConfig, net: CityNetwork): SubscriberTable {
  const rng = new Rng(cfg.seed, 2);
  const n = cfg.subscribers;
  const imsi = new Float64Array(n);
  const msisdn = new Float64Array(n);
  const imei = new Float64Array(n);
  const deviceModel = new Uint8Array(n);
  const homeCell = new Int32Array(n);
  const workCell = new Int32Array(n);
  const commuteCell = new Int32Array(n);
  const workStart = new Int16Array(n);
  const workEnd = new Int16Array(n);
  const activity = new Float32Array(n);
  const userClass = new Uint8Array(n);
  const vipLevel = new Uint8Array(n);
  const optOut = new Uint8Array(n);
  const volte = new Uint8Array(n);

  // Increasing serials with random gaps: unique without a set, and IMSI order = position order.
  const imsiGap = Math.max(1, Math.floor(9e9 / n));
  // MSISDNs: prefix blocks in order, increasing 8-digit serials within each block.
  const msisdnGap = Math.max(1, Math.floor((9e7 * MSISDN_PREFIX.length) / n));
  let msisdnBlock = 0;
  let imsiSerial = rng.int(imsiGap);
  let msisdnSerial = rng.int(msisdnGap);
  const mncOf = new Uint8Array(n);
  for (let u = 0; u < n; u++) mncOf[u] = MNC[rng.pickCumulative(MNC_WEIGHT)];
  // Sort MNCs so IMSIs increase with position (46000… < 46002… < 46007…).
  mncOf.sort();
  const deviceCum = cumulative(DEVICE_MODELS.map((d) => d.share));
  const regionCount = net.regionNames.length;
  const regionUserWeight = net.regionCells.map((cells) => cells.length);
  const regionCum = cumulative(regionUserWeight);
  // Work places concentrate downtown: weight regions by cell density squared.
  const workCum = cumulative(regionUserWeight.map((w) => w * w));
  const usedSerial = new Set<number>();
  for (let u = 0; u < n; u++) {
    imsiSerial += 1 + rng.int(imsiGap);
    imsi[u] = (46000 + mncOf[u]) * 1e10 + (imsiSerial % 1e10);
    const block = Math.floor((u * MSISDN_PREFIX.length) / n);
    if (block !== msisdnBlock) {
      msisdnBlock = block;
      msisdnSerial = rng.int(msisdnGap);
    }
    msisdnSerial += 1 + rng.int(msisdnGap);
    msisdn[u] = MSISDN_PREFIX[block] * 1e8 + msisdnSerial;
    const dm = rng.pickCumulative(deviceCum);
    deviceModel[u] = dm;
    let serial: number;
    do serial = rng.int(1_000_000);
    while (usedSerial.has(dm * 1_000_000 + serial));
    usedSerial.add(dm * 1_000_000 + serial);
    const payload = DEVICE_MODELS[dm].tac * 1e6 + serial;
    imei[u] = payload * 10 + luhnDigit(payload, 14);

    const hr = rng.pickCumulative(regionCum);
    const hc = net.regionCells[hr];
    homeCell[u] = hc[rng.int(hc.length)];
    if (rng.float() < cfg.workerShare) {
      const wr = rng.pickCumulative(workCum);
      const wc = net.regionCells[wr];
      workCell[u] = wc[rng.int(wc.length)];
      workStart[u] = Math.round(rng.range(7.5, 9.75) * 60);
      workEnd[u] = Math.round(rng.range(16.75, 19.5) * 60);
      // Commute cell: a cell of the region nearest the midpoint of home and work.
      const mLat = (net.cellLat[homeCell[u]] + net.cellLat[workCell[u]]) / 2;
      const mLon = (net.cellLon[homeCell[u]] + net.cellLon[workCell[u]]) / 2;
      let best = 0;
      let bestD = Infinity;
      for (let r = 0; r < regionCount; r++) {
        const d = (net.regionLat[r] - mLat) ** 2 + (net.regionLon[r] - mLon) ** 2;
        if (d < bestD) {
          bestD = d;
          best = r;
        }
      }
      const mc = net.regionCells[best];
      commuteCell[u] = mc[rng.int(mc.length)];
    } else {
      workCell[u] = -1;
      commuteCell[u] = homeCell[u];
    }
    const x = rng.float();
    const cls = x < cfg.heavyShare ? USER_CLASS.heavy : x < cfg.heavyShare + cfg.lightShare ? USER_CLASS.light : USER_CLASS.normal;
    userClass[u] = cls;
    const base = cls === USER_CLASS.heavy ? 2.5 : cls === USER_CLASS.light ? 0.4 : 1;
    activity[u] = Math.min(8, base * rng.logNormal(1, 0.3));
    const v = rng.float();
    vipLevel[u] = v < cfg.vipShare ? (v < cfg.vipShare * 0.15 ? 3 : v < cfg.vipShare * 0.45 ? 2 : 1) : 0;
    optOut[u] = rng.float() < 0.05 ? 1 : 0;
    volte[u] = rng.float() < 0.85 ? 1 : 0;
  }
  return { count: n, imsi, msisdn, imei, deviceModel, homeCell, workCell, commuteCell, workStart, workEnd, activity, userClass, vipLevel, optOut, volte };
}

/** Formats an exact integer held in a float64 with a fixed number of digits. */
export function digits(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** The subscribers side file rows. */
export function subscriberRows(subs: SubscriberTable): Subscriber[] {
  const out: Subscriber[] = new Array(subs.count);
  for (let u = 0; u < subs.count; u++) {
    out[u] = { imsi: digits(subs.imsi[u], 15), msisdn: digits(subs.msisdn[u], 11), vipLevel: subs.vipLevel[u], optOut: subs.optOut[u] === 1 };
  }
  return out;
}
