// S1 record generation. Per one-minute tick: locate users (15-minute mobility slots), spread the faults onto
// lookup arrays, draw each user's procedures and sessions as Poisson counts into a scratch EventTable,
// counting-sort the events by start time (10 ms buckets), and expand them in column passes over runs of rows
// into the typed arrays of one S1BatchBuilder reused for the whole run (flush() per batch). Events that start
// after the tick are carried into the next one, so batches come out in event-time order. Speed matters here
// (bench/simulator.ts, ≥ 1 M records/s): no per-record objects or closures in the hot loops, and the same
// random stream for a seed as a record-at-a-time expansion.
import type { RecordBatch } from 'apache-arrow';
import { S1BatchBuilder, type Utf8ColumnBuilder } from '../../schema/s1-batch-builder.js';
import { diurnal, locate, minuteOfDay, MINUTE, SLOT_MS, type City } from './city.js';
import { EventTable } from './event-table.js';
import { FaultField } from './fault-field.js';
import { hash2, hashUnit, Rng } from './prng.js';
import {
  APN,
  APN_NAMES,
  APP,
  EMM,
  GROUP,
  MISCONFIG_ESM_CAUSES,
  MISC_OVERLOAD,
  NAS_DETACH,
  P,
  PGW_ESM_CAUSES,
  RADIO,
  RRC,
  STATUS,
  TRANSPORT_RESOURCE_UNAVAILABLE,
} from './sim-codes.js';
import { DEVICE_MODELS, USER_CLASS } from './subscribers.js';
import { NEIGHBOURS } from './topology.js';

export interface SimulateOptions {
  /** epoch ms; defaults to the city's start. */
  start?: number;
  /** epoch ms (exclusive); defaults to the city's end. */
  end?: number;
  /** Rows per RecordBatch (default 65,536). */
  batchSize?: number;
  /** Batches the consumer has finished with: later batches are written into their buffers (see SpentBatches). */
  spent?: SpentBatches;
}

/**
 * Batches handed back by a consumer that will never read them again (e.g. once a RecordWriter's write() of a
 * later batch has resolved): the simulator overwrites their buffers with new batches instead of allocating
 * ~15 MB per batch, which saves the allocation, the copy into fresh memory and the garbage collections it
 * triggers. Only for consumers that drop batches for good; others simply do not pass one.
 */
export class SpentBatches {
  private readonly queue: RecordBatch[] = [];
  release(batch: RecordBatch): void {
    this.queue.push(batch);
  }
  take(): RecordBatch | undefined {
    return this.queue.shift();
  }
}

export const TICK_MS = 60_000;
const BUCKET_MS = 10;
/** Events of an episode start at most this long after the episode (sessions, release). */
const CARRY_MS = 4 * 60_000;
const BUCKETS = Math.ceil((TICK_MS + CARRY_MS) / BUCKET_MS) + 1;
/** exp(-mean) of the session-count Poisson draws (heavy / other users), computed once. */
const EXP_NEG_2 = Math.exp(-2);
const EXP_NEG_1_2 = Math.exp(-1.2);
/** Rows expanded per run of column passes (see expandRows). */
const EXPAND_RUN = 1024;

/** Busy-hour rates per subscriber at activity 1 (DOMAIN.md §2). */
export const BUSY_HOUR_RATES = {
  serviceRequests: 16,
  taus: 3.5,
  /** Handovers per connected episode (× more while commuting). */
  handoverPerEpisode: 0.3,
  erabSetupPerEpisode: 0.25,
  attach: 0.03,
  detach: 0.03,
} as const;

/** Base failure probabilities of healthy procedures (healthy cell KPIs: set-up ≥ 98%, TAU ≥ 95%, drops ≤ 1%). */
const BASE = { srFail: 0.003, tauFail: 0.01, hoFail: 0.008, drop: 0.004, erabFail: 0.005, attachFail: 0.01 };

/** Share of an outage cell's users who camp on a neighbour instead of going silent. */
export const OUTAGE_EDGE_SHARE = 0.35;

// App mix of S1-U sessions and per-app volume/duration medians.
const APP_CUM = new Float64Array([0.1, 0.5, 0.7, 0.82, 0.94, 0.98, 1]);
const APP_ORDER = [APP.HTTP, APP.HTTPS, APP.DNS, APP.VIDEO, APP.IM, APP.GAME, APP.OTHER];
// Indexed by app vocabulary code.
const APP_DL = new Float64Array(7);
const APP_UL = new Float64Array(7);
const APP_DUR = new Float64Array(7);
for (const [a, dl, ul, dur] of [
  [APP.HTTP, 45e3, 3e3, 2500],
  [APP.HTTPS, 90e3, 8e3, 6000],
  [APP.DNS, 180, 70, 25],
  [APP.VIDEO, 4e6, 80e3, 60000],
  [APP.IM, 8e3, 4e3, 3000],
  [APP.GAME, 60e3, 20e3, 30000],
  [APP.OTHER, 20e3, 5e3, 5000],
]) {
  APP_DL[a] = dl;
  APP_UL[a] = ul;
  APP_DUR[a] = dur;
}

/** A table of standard normal draws: one index per draw instead of a Box–Muller per value. */
const NORMALS = (() => {
  const r = new Rng(0x5eed, 99);
  const t = new Float64Array(8192);
  for (let i = 0; i < t.length; i++) t[i] = r.normal();
  return t;
})();
/** exp(σ·z) over the same draws, for the log-normal spreads used per record (no Math.exp per value). */
const logNormalTable = (sigma: number) => NORMALS.map((z) => Math.exp(sigma * z));
const LN_BYTES = logNormalTable(1.1);
const LN_UL = logNormalTable(0.8);
const LN_DUR = logNormalTable(0.7);
const LN_SYNACK = logNormalTable(0.4);
const LN_ACK = logNormalTable(0.5);
const LN_FRD = logNormalTable(0.6);
const LN_SPAN = logNormalTable(0.8);
const APN_BYTES = new TextEncoder().encode(APN_NAMES.join(''));
const APN_AT = new Int32Array([0, APN_NAMES[0].length, APN_NAMES[0].length + APN_NAMES[1].length]);

export function* simulateRecords(city: City, opts: SimulateOptions = {}): Generator<RecordBatch> {
  const start = opts.start ?? city.start;
  const end = opts.end ?? city.end;
  const batchSize = opts.batchSize ?? 65_536;
  const gen = new RecordGenerator(city, start);
  // One builder for the whole run: flush() hands each batch its own buffers and empties the builder.
  const builder = new S1BatchBuilder(batchSize);
  const out = new ColumnRefs(builder);
  for (let t0 = start; t0 < end; t0 += TICK_MS) {
    const t1 = Math.min(end, t0 + TICK_MS);
    gen.drawTick(t0, t1);
    const n = gen.sortPending(t0, t1);
    let k = 0;
    while (k < n) {
      if (builder.length === builder.capacity) yield builder.flush(opts.spent?.take());
      const m = Math.min(n - k, builder.capacity - builder.length);
      gen.expandRows(out, builder.length, k, k + m);
      builder.length += m;
      k += m;
    }
    gen.carryOver(n, t1 < end);
  }
  if (builder.length > 0) yield builder.flush(opts.spent?.take());
}

/** Builder arrays fetched once per batch (name lookups stay out of the per-record path). */
class ColumnRefs {
  readonly xdr: Utf8ColumnBuilder;
  readonly iface: Int8Array;
  readonly imsi: Utf8ColumnBuilder;
  readonly msisdn: Utf8ColumnBuilder;
  readonly imei: Utf8ColumnBuilder;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly endValid: Uint8Array;
  readonly tac: Int32Array;
  readonly tacValid: Uint8Array;
  readonly eci: Float64Array;
  readonly eciValid: Uint8Array;
  readonly otherEci: Float64Array;
  readonly otherEciValid: Uint8Array;
  readonly mme: Int32Array;
  readonly mmeValid: Uint8Array;
  readonly proc: Int8Array;
  readonly status: Int32Array;
  readonly statusValid: Uint8Array;
  readonly req: Int32Array;
  readonly reqValid: Uint8Array;
  readonly keyword: Int32Array;
  readonly keywordValid: Uint8Array;
  readonly emm: Int32Array;
  readonly emmValid: Uint8Array;
  readonly esm: Int32Array;
  readonly esmValid: Uint8Array;
  readonly group: Int8Array;
  readonly s1ap: Int32Array;
  readonly s1apValid: Uint8Array;
  readonly apn: Utf8ColumnBuilder;
  readonly qci: Int32Array;
  readonly qciValid: Uint8Array;
  readonly bearer: Int32Array;
  readonly bearerValid: Uint8Array;
  readonly app: Int8Array;
  readonly l4: Int32Array;
  readonly l4Valid: Uint8Array;
  readonly ulBytes: Float64Array;
  readonly ulBytesValid: Uint8Array;
  readonly dlBytes: Float64Array;
  readonly dlBytesValid: Uint8Array;
  readonly ulPk: Int32Array;
  readonly ulPkValid: Uint8Array;
  readonly dlPk: Int32Array;
  readonly dlPkValid: Uint8Array;
  readonly ulRe: Int32Array;
  readonly ulReValid: Uint8Array;
  readonly dlRe: Int32Array;
  readonly dlReValid: Uint8Array;
  readonly synAck: Int32Array;
  readonly synAckValid: Uint8Array;
  readonly ack: Int32Array;
  readonly ackValid: Uint8Array;
  readonly synAtt: Int32Array;
  readonly synAttValid: Uint8Array;
  readonly conn: Int32Array;
  readonly connValid: Uint8Array;
  readonly frd: Int32Array;
  readonly frdValid: Uint8Array;
  readonly http: Int32Array;
  readonly httpValid: Uint8Array;
  readonly dns: Int32Array;
  readonly dnsValid: Uint8Array;

  constructor(b: S1BatchBuilder) {
    this.xdr = b.utf8('xdr_id');
    this.iface = b.enumCodes('interface');
    this.imsi = b.utf8('imsi');
    this.msisdn = b.utf8('msisdn');
    this.imei = b.utf8('imei');
    this.start = b.int64('start_time');
    this.end = b.int64('end_time');
    this.endValid = b.valid('end_time');
    this.tac = b.int32('tac');
    this.tacValid = b.valid('tac');
    this.eci = b.int64('eci');
    this.eciValid = b.valid('eci');
    this.otherEci = b.int64('other_eci');
    this.otherEciValid = b.valid('other_eci');
    this.mme = b.int32('mme_code');
    this.mmeValid = b.valid('mme_code');
    this.proc = b.enumCodes('procedure_type');
    this.status = b.int32('procedure_status');
    this.statusValid = b.valid('procedure_status');
    this.req = b.int32('request_cause');
    this.reqValid = b.valid('request_cause');
    this.keyword = b.int32('keyword');
    this.keywordValid = b.valid('keyword');
    this.emm = b.int32('emm_cause');
    this.emmValid = b.valid('emm_cause');
    this.esm = b.int32('esm_cause');
    this.esmValid = b.valid('esm_cause');
    this.group = b.enumCodes('s1ap_cause_group');
    this.s1ap = b.int32('s1ap_cause');
    this.s1apValid = b.valid('s1ap_cause');
    this.apn = b.utf8('apn');
    this.qci = b.int32('bearer_qci');
    this.qciValid = b.valid('bearer_qci');
    this.bearer = b.int32('bearer_status');
    this.bearerValid = b.valid('bearer_status');
    this.app = b.enumCodes('app_type');
    this.l4 = b.int32('l4_protocol');
    this.l4Valid = b.valid('l4_protocol');
    this.ulBytes = b.int64('ul_bytes');
    this.ulBytesValid = b.valid('ul_bytes');
    this.dlBytes = b.int64('dl_bytes');
    this.dlBytesValid = b.valid('dl_bytes');
    this.ulPk = b.int32('ul_packets');
    this.ulPkValid = b.valid('ul_packets');
    this.dlPk = b.int32('dl_packets');
    this.dlPkValid = b.valid('dl_packets');
    this.ulRe = b.int32('ul_retrans_packets');
    this.ulReValid = b.valid('ul_retrans_packets');
    this.dlRe = b.int32('dl_retrans_packets');
    this.dlReValid = b.valid('dl_retrans_packets');
    this.synAck = b.int32('tcp_syn_ack_delay_ms');
    this.synAckValid = b.valid('tcp_syn_ack_delay_ms');
    this.ack = b.int32('tcp_ack_delay_ms');
    this.ackValid = b.valid('tcp_ack_delay_ms');
    this.synAtt = b.int32('tcp_syn_attempts');
    this.synAttValid = b.valid('tcp_syn_attempts');
    this.conn = b.int32('tcp_conn_status');
    this.connValid = b.valid('tcp_conn_status');
    this.frd = b.int32('first_response_delay_ms');
    this.frdValid = b.valid('first_response_delay_ms');
    this.http = b.int32('http_status');
    this.httpValid = b.valid('http_status');
    this.dns = b.int32('dns_rcode');
    this.dnsValid = b.valid('dns_rcode');
  }
}


const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
/** Two hex digits of a byte as one little-endian 16-bit word (high digit first in memory). */
const HEX_PAIRS = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) t[b] = HEX[b >> 4] | (HEX[b & 15] << 8);
  return t;
})();
const ID_BYTES = 41;

const idTables = new WeakMap<City, Uint8Array>();

/** IMSI(15) + MSISDN(11) + IMEI(15) ASCII digits per user, formatted once per city. */
function userIdBytes(city: City): Uint8Array {
  const cached = idTables.get(city);
  if (cached) return cached;
  const subs = city.subs;
  const out = new Uint8Array(subs.count * ID_BYTES);
  // Zero-padded decimal digits written straight into the table: the low 8 and the high digits each fit in
  // 31 bits, so the digit loop stays in integer arithmetic (every id is below 10^15 < 2^53).
  const put = (at: number, value: number, width: number) => {
    const hi = Math.floor(value / 1e8);
    let lo = value - hi * 1e8;
    for (let i = width - 1; i >= width - 8; i--) {
      const q = (lo / 10) | 0;
      out[at + i] = 48 + lo - q * 10;
      lo = q;
    }
    let h = hi;
    for (let i = width - 9; i >= 0; i--) {
      const q = (h / 10) | 0;
      out[at + i] = 48 + h - q * 10;
      h = q;
    }
  };
  for (let u = 0; u < subs.count; u++) {
    put(u * ID_BYTES, subs.imsi[u], 15);
    put(u * ID_BYTES + 15, subs.msisdn[u], 11);
    put(u * ID_BYTES + 26, subs.imei[u], 15);
  }
  idTables.set(city, out);
  return out;
}

class RecordGenerator {
  private readonly rng: Rng;
  private readonly field: FaultField;
  private pending: EventTable;
  private spare: EventTable;
  private perm: Int32Array;
  private bucketOfEvent: Int32Array;
  private readonly bucketCount = new Int32Array(BUCKETS + 1);
  private readonly userCell: Int32Array;
  private readonly buggy: Uint8Array;
  private slot = -1;
  private xdrCounter = 0;
  private readonly xdrPrefix: number;
  private normalIdx = 0;
  private tickStart = 0;
  /** Latest start of an episode's release: the tick end + CARRY_MS - 1 s (a field: a double argument is boxed). */
  private releaseLimit = 0;
  /** Minute of the day at the tick start, valid for times before tickMinuteEnd (1 ms before the next minute). */
  private tickMinute = 0;
  private tickMinuteEnd = 0;
  /** MME codes of each cell's pool (3 per cell): a user sticks to one MME of the pool. */
  private readonly cellMme: Int32Array;
  /** IMSI(15) + MSISDN(11) + IMEI(15) ASCII per user: formatted once, copied per record. */
  private readonly idBytes: Uint8Array;
  /** idBytes from each user's MSISDN and IMEI on (offset 15 and 26): same per-user offsets as the IMSI. */
  private readonly msisdnBytes: Uint8Array;
  private readonly imeiBytes: Uint8Array;
  /** xdr_id scratch: 8 hex digits of a per-run prefix, then 8 of the record counter. */
  private readonly xdrBytes = new Uint8Array(16);
  /** Scratch for one run of rows: id table offsets, formatted xdr_ids (grown on demand, reused). */
  private readonly idStarts = new Int32Array(EXPAND_RUN);
  private xdrStarts = new Int32Array(0);
  /** Sink of the id-table reads that pull each run's id lines into the cache early (see expandRun). */
  private touched = 0;
  private xdrScratch = new Uint8Array(0);

  constructor(
    private readonly city: City,
    start: number,
  ) {
    this.rng = new Rng(city.config.seed, 10 + (hash2(start / 1000, 7) & 0xffff));
    this.field = new FaultField(city);
    // About 1.5 events per subscriber start in a busy-hour tick: start near that instead of doubling up to it.
    const events = Math.max(1 << 16, city.subs.count);
    this.pending = new EventTable(events);
    this.spare = new EventTable(events);
    this.perm = new Int32Array(events * 2);
    this.bucketOfEvent = new Int32Array(events * 2);
    this.userCell = new Int32Array(city.subs.count);
    this.buggy = new Uint8Array(DEVICE_MODELS.map((d) => (d.buggy ? 1 : 0)));
    this.xdrPrefix = hash2(city.config.seed, start / 1000);
    this.idBytes = userIdBytes(city);
    this.msisdnBytes = this.idBytes.subarray(15);
    this.imeiBytes = this.idBytes.subarray(26);
    const net = city.net;
    this.cellMme = new Int32Array(net.cellCount * 3);
    for (let c = 0; c < net.cellCount; c++) {
      const codes = net.poolMmeCodes[net.regionPool[net.cellRegion[c]]];
      for (let k = 0; k < 3; k++) this.cellMme[c * 3 + k] = codes[k % codes.length];
    }
    for (let k = 0; k < 8; k++) this.xdrBytes[k] = HEX[(this.xdrPrefix >>> (28 - 4 * k)) & 15];
  }

  /** Draws all events starting in [t0, t1) into the pending table. */
  drawTick(t0: number, t1: number): void {
    const city = this.city;
    const subs = city.subs;
    const net = city.net;
    const rng = this.rng;
    const ev = this.pending;
    const field = this.field;
    const tm = (t0 + t1) / 2;
    this.tickStart = t0;
    this.releaseLimit = t1 + CARRY_MS - 1000;
    this.tickMinute = minuteOfDay(t0);
    this.tickMinuteEnd = (Math.floor(t0 / MINUTE) + 1) * MINUTE - 1;
    field.update(tm);
    const slot = Math.floor(t0 / SLOT_MS);
    const moved = slot !== this.slot && this.slot >= 0;
    if (slot !== this.slot) {
      // New mobility slot: relocate users; crossing into another tracking area costs a TAU.
      for (let u = 0; u < subs.count; u++) {
        const c = locate(city, u, t0);
        const prev = this.userCell[u];
        this.userCell[u] = c;
        if (moved && net.cellTac[prev] !== net.cellTac[c]) {
          const i = ev.addMme(t0 + rng.float() * 120_000, 40 + rng.int(60), u, P.TAU, c);
          ev.keyword[i] = 0;
          this.tauOutcome(i, c);
        }
      }
      this.slot = slot;
    }
    const dtH = (t1 - t0) / 3_600_000;
    const load = diurnal(tm);
    const span = t1 - t0;
    const srBase = BUSY_HOUR_RATES.serviceRequests * load * dtH;
    const tauBase = (1 + (BUSY_HOUR_RATES.taus - 1) * load) * dtH;
    const attachRate = BUSY_HOUR_RATES.attach * dtH;
    const detachRate = BUSY_HOUR_RATES.detach * dtH;
    const faults = field.any;
    this.faultTransitions(t0, t1);
    const subsRanges = field.subscription;

    for (let u = 0; u < subs.count; u++) {
      let c = this.userCell[u];
      const act = subs.activity[u];
      let edge = false;
      if (faults) {
        const down = field.down[c];
        if (down > 0) {
          if (hashUnit(u, c, 21) < OUTAGE_EDGE_SHARE) {
            // Edge user: camps on a neighbour that still works (reselection TAUs and re-attaches there).
            let n = -1;
            for (let k = 0; k < NEIGHBOURS; k++) {
              const cand = net.neighbours[c * NEIGHBOURS + k];
              if (field.down[cand] === 0) {
                n = cand;
                break;
              }
            }
            if (n < 0 || rng.float() < 0.2 * down) continue;
            c = n;
            edge = true;
            if (rng.float() < 0.3 * down) {
              const i = ev.addMme(t0 + rng.float() * span, 40 + rng.int(80), u, P.TAU, c);
              ev.keyword[i] = 0;
              this.tauOutcome(i, c);
            }
            if (rng.float() < 0.05 * down) this.attach(t0 + rng.float() * span, u, c);
          } else if (rng.float() < down) {
            continue; // no coverage: silence
          }
        }
        if (subsRanges.length > 0) {
          let blocked = false;
          for (let k = 0; k < subsRanges.length; k += 4) {
            if (u >= subsRanges[k] && u < subsRanges[k + 1] && rng.float() < subsRanges[k + 2]) {
              blocked = true;
              // Rejected by the HSS: the UE keeps retrying attach and gets nothing else.
              if (rng.float() < 0.3) {
                const i = ev.addMme(t0 + rng.float() * span, 60 + rng.int(200), u, P.ATTACH, c);
                ev.keyword[i] = 1;
                ev.status[i] = STATUS.FAILURE;
                ev.emm[i] = subsRanges[k + 3];
              }
              break;
            }
          }
          if (blocked) continue;
        }
      }
      const episodes = rng.poisson(srBase * act);
      for (let e = 0; e < episodes; e++) this.episode(t0 + rng.float() * span, u, c, edge);
      const taus = rng.poisson(tauBase * Math.sqrt(act) * (faults && field.misconfig[c] > 0 ? 1 + 5 * field.misconfig[c] : 1));
      for (let e = 0; e < taus; e++) {
        const i = ev.addMme(t0 + rng.float() * span, 30 + rng.int(70), u, P.TAU, c);
        ev.keyword[i] = rng.float() < 0.7 ? 3 : 0;
        this.tauOutcome(i, c);
      }
      if (rng.float() < attachRate) this.attach(t0 + rng.float() * span, u, c);
      if (rng.float() < detachRate) {
        const i = ev.addMme(t0 + rng.float() * span, 20 + rng.int(40), u, P.DETACH, c);
        ev.keyword[i] = 1;
        ev.group[i] = GROUP.NAS;
        ev.s1apCause[i] = NAS_DETACH;
      }
      if (faults) {
        const r = net.cellRegion[c];
        // Broken PGW: VoLTE users retry their ims registration; data users toggle flight mode and re-attach.
        if (subs.volte[u] && field.apnIms[r] > 0 && rng.float() < 0.15 * field.apnIms[r]) this.pdnConnect(t0 + rng.float() * span, u, c);
        if (field.apnCmnet[r] > 0 && rng.float() < 0.05 * field.apnCmnet[r] * act) this.attach(t0 + rng.float() * span, u, c);
      }
    }
  }

  /** Bursts at the edges of outages: radio-connection-lost releases before, re-attaches after. */
  private faultTransitions(t0: number, t1: number): void {
    const city = this.city;
    const rng = this.rng;
    for (const f of city.faults) {
      if (f.type !== 'cell_outage' && f.type !== 'enb_outage') continue;
      const onset = f.onset === 'abrupt' && f.start >= t0 && f.start < t1;
      const recover = f.end >= t0 && f.end < t1;
      if (!onset && !recover) continue;
      const mask = new Uint8Array(city.net.cellCount);
      for (const c of f.cells) mask[c] = 1;
      for (let u = 0; u < city.subs.count; u++) {
        const c = this.userCell[u];
        if (!mask[c]) continue;
        if (onset && rng.float() < 0.6 * Math.min(1, city.subs.activity[u] * diurnal(f.start))) {
          const i = this.pending.addMme(Math.max(t0, f.start - rng.float() * 20_000), 5 + rng.int(20), u, P.UE_CONTEXT_RELEASE, c);
          this.pending.group[i] = GROUP.RADIO;
          this.pending.s1apCause[i] = RADIO.RADIO_CONNECTION_LOST;
          this.pending.reqCause[i] = RADIO.RADIO_CONNECTION_LOST;
        }
        if (recover && hashUnit(u, c, 21) >= OUTAGE_EDGE_SHARE && rng.float() < 0.7) this.attach(f.end + rng.float() * 120_000, u, c);
      }
    }
  }

  /**
   * city.ts commuting(city, u, t) without two float modulos per call: times from the tick start to 1 ms before
   * the next minute share the tick start's minute of the day (the margin keeps the division exact).
   */
  private commuting(u: number, t: number): boolean {
    const subs = this.city.subs;
    if (subs.workCell[u] < 0) return false;
    const m = t >= this.tickStart && t < this.tickMinuteEnd ? this.tickMinute : minuteOfDay(t);
    const ws = subs.workStart[u];
    const we = subs.workEnd[u];
    return (m >= ws - 45 && m < ws) || (m >= we && m < we + 45);
  }

  private mmeFailure(i: number, c: number): boolean {
    const o = this.field.mme[this.city.net.regionPool[this.city.net.cellRegion[c]]];
    if (o > 0 && this.rng.float() < o) {
      const ev = this.pending;
      if (this.rng.float() < 0.6) {
        ev.status[i] = STATUS.FAILURE;
        ev.emm[i] = EMM.CONGESTION;
      } else {
        ev.status[i] = STATUS.TIMEOUT;
        ev.dur[i] = 5000 + this.rng.int(5000);
      }
      if (this.rng.float() < 0.3) {
        ev.group[i] = GROUP.MISC;
        ev.s1apCause[i] = MISC_OVERLOAD;
      }
      return true;
    }
    if (o > 0) this.pending.dur[i] *= 1 + 4 * o; // an overloaded MME answers slowly
    return false;
  }

  private tauOutcome(i: number, c: number): void {
    const ev = this.pending;
    const rng = this.rng;
    const f = this.field;
    if (this.mmeFailure(i, c)) return;
    const mis = f.misconfig[c];
    if (mis > 0 && rng.float() < 0.6 * mis) {
      ev.status[i] = STATUS.FAILURE;
      ev.emm[i] = f.misconfigCause[c];
      return;
    }
    const weak = this.city.net.cellWeak[c];
    if (rng.float() < BASE.tauFail + weak * 0.01 + 0.02 * f.down[c]) {
      ev.status[i] = rng.float() < 0.5 ? STATUS.FAILURE : STATUS.TIMEOUT;
      if (ev.status[i] === STATUS.FAILURE) ev.emm[i] = rng.float() < 0.7 ? EMM.NETWORK_FAILURE : EMM.PROTOCOL_ERROR;
      else ev.dur[i] = 5000 + rng.int(3000);
    }
  }

  private attach(t: number, u: number, c: number): void {
    const ev = this.pending;
    const rng = this.rng;
    const f = this.field;
    const i = ev.addMme(t, 150 + rng.int(250), u, P.ATTACH, c);
    ev.keyword[i] = rng.float() < 0.8 ? 1 : 2;
    if (this.mmeFailure(i, c)) return;
    const r = this.city.net.cellRegion[c];
    if (f.apnCmnet[r] > 0 && rng.float() < f.apnCmnet[r]) {
      // The default bearer cannot be set up: EMM 19 (ESM failure) with the PGW's ESM cause.
      ev.status[i] = STATUS.FAILURE;
      ev.emm[i] = EMM.ESM_FAILURE;
      ev.esm[i] = PGW_ESM_CAUSES[rng.int(PGW_ESM_CAUSES.length)];
      ev.bearer[i] = 1;
      return;
    }
    if (rng.float() < BASE.attachFail + (this.buggy[this.city.subs.deviceModel[u]] ? 0.03 : 0)) {
      ev.status[i] = STATUS.FAILURE;
      ev.emm[i] = rng.float() < 0.5 ? EMM.PROTOCOL_ERROR : EMM.NETWORK_FAILURE;
      return;
    }
    ev.bearer[i] = 0;
    if (this.city.subs.volte[u]) this.pdnConnect(t + 400 + rng.int(400), u, c);
  }

  private pdnConnect(t: number, u: number, c: number): void {
    const ev = this.pending;
    const rng = this.rng;
    const f = this.field;
    const i = ev.addMme(t, 80 + rng.int(150), u, P.PDN_CONNECT, c);
    ev.apn[i] = APN.IMS;
    ev.qci[i] = 5;
    ev.bearer[i] = 0;
    const r = this.city.net.cellRegion[c];
    if (f.apnIms[r] > 0 && rng.float() < f.apnIms[r]) {
      ev.status[i] = STATUS.FAILURE;
      ev.esm[i] = PGW_ESM_CAUSES[rng.int(PGW_ESM_CAUSES.length)];
      ev.bearer[i] = 1;
    } else if (f.misconfig[c] > 0 && rng.float() < 0.3 * f.misconfig[c]) {
      ev.status[i] = STATUS.FAILURE;
      ev.esm[i] = MISCONFIG_ESM_CAUSES[rng.int(MISCONFIG_ESM_CAUSES.length)];
      ev.bearer[i] = 1;
    } else if (rng.float() < 0.003) {
      ev.status[i] = STATUS.FAILURE;
      ev.esm[i] = 31;
      ev.bearer[i] = 1;
    }
  }

  /** A connected episode: (paging) → service request → sessions, handovers, bearers → context release. */
  private episode(t: number, u: number, c: number, edge: boolean): void {
    const ev = this.pending;
    const rng = this.rng;
    const f = this.field;
    const city = this.city;
    const net = city.net;
    const subs = city.subs;
    const r0 = rng.float();
    const mt = r0 < 0.3;
    if (mt) {
      // Paging precedes a mobile-terminated request (not before the tick: earlier records are already out).
      const p = ev.addMme(Math.max(this.tickStart, t - 300 - rng.int(500)), 200 + rng.int(300), u, P.PAGING, c);
      ev.keyword[p] = 0;
    }
    const sr = ev.addMme(t, 25 + rng.int(60), u, P.SERVICE_REQUEST, c);
    ev.reqCause[sr] = mt ? RRC.MT_ACCESS : r0 < 0.85 ? RRC.MO_DATA : r0 < 0.93 ? RRC.MO_SIGNALLING : RRC.MO_VOICE;
    ev.keyword[sr] = 0;
    ev.bearer[sr] = 0;
    if (this.mmeFailure(sr, c)) return;
    const weak = net.cellWeak[c];
    const bug = this.buggy[subs.deviceModel[u]];
    const interf = Math.min(1, f.interference[c] + weak * 0.25);
    const cong = f.congestion[c];
    const trans = f.transport[c];
    const down = f.down[c];
    const x = rng.float();
    const p = BASE.srFail;
    const pBug = bug ? 0.02 : 0;
    const pCong = 0.12 * cong;
    const pInt = 0.06 * interf;
    const pEdge = edge ? 0.04 : 0;
    if (x < p + pBug + pCong + pInt + pEdge + 0.5 * down) {
      let y = x;
      ev.bearer[sr] = 1;
      if ((y -= p) < 0) {
        ev.status[sr] = STATUS.FAILURE;
        ev.group[sr] = GROUP.RADIO;
        ev.s1apCause[sr] = RADIO.UNSPECIFIED;
      } else if ((y -= pBug) < 0) {
        ev.status[sr] = STATUS.ABNORMAL;
        ev.group[sr] = GROUP.RADIO;
        ev.s1apCause[sr] = RADIO.RADIO_INTERFACE_FAILURE;
      } else if ((y -= pCong) < 0) {
        ev.status[sr] = STATUS.FAILURE;
        ev.group[sr] = GROUP.RADIO;
        ev.s1apCause[sr] = RADIO.RADIO_RESOURCES_NOT_AVAILABLE;
      } else {
        ev.status[sr] = STATUS.ABNORMAL;
        ev.group[sr] = GROUP.RADIO;
        ev.s1apCause[sr] = RADIO.RADIO_INTERFACE_FAILURE;
      }
      return;
    }
    const heavy = subs.userClass[u] === USER_CLASS.heavy;
    const span = Math.min(150_000, 12_000 * LN_SPAN[this.z()]);
    let cur = c;
    // Handovers while connected (more while commuting).
    const hoP = BUSY_HOUR_RATES.handoverPerEpisode * (this.commuting(u, t) ? 2.5 : 1);
    if (rng.float() < hoP) {
      const target = net.neighbours[c * NEIGHBOURS + rng.int(NEIGHBOURS)];
      const ht = t + 200 + rng.float() * span;
      const s1 = rng.float() < 0.2;
      const h = ev.addMme(ht, 30 + rng.int(80), u, s1 ? P.S1_HANDOVER_OUT : P.X2_HANDOVER, c);
      ev.other[h] = target;
      ev.group[h] = GROUP.RADIO;
      ev.s1apCause[h] = RADIO.HANDOVER_DESIRABLE;
      const mis = f.misconfig[c];
      const y = rng.float();
      if (f.down[target] > 0) {
        ev.status[h] = STATUS.FAILURE;
        ev.s1apCause[h] = RADIO.CELL_NOT_AVAILABLE;
      } else if (mis > 0 && y < 0.5 * mis) {
        // Missing neighbour relations after the cut-over: preparation times out.
        ev.status[h] = STATUS.FAILURE;
        ev.s1apCause[h] = RADIO.RELOC_PREP_EXPIRY;
        ev.dur[h] = 1000 + rng.int(1000);
      } else if (y < BASE.hoFail + 0.1 * f.congestion[target] + 0.15 * interf + weak * 0.02) {
        ev.status[h] = STATUS.FAILURE;
        ev.s1apCause[h] = f.congestion[target] > 0 ? RADIO.NO_RADIO_RESOURCES_IN_TARGET : RADIO.RADIO_INTERFACE_FAILURE;
      } else {
        cur = target;
        if (s1) {
          const hi = ev.addMme(ht + 20, 30 + rng.int(60), u, P.S1_HANDOVER_IN, target);
          ev.other[hi] = c;
          ev.group[hi] = GROUP.RADIO;
          ev.s1apCause[hi] = RADIO.HANDOVER_DESIRABLE;
        }
      }
    }
    // The rest of the episode runs where the user now is (its region's PGW and resolvers).
    const r = net.cellRegion[cur];
    // Dedicated bearers: VoLTE calls (qci 1 on ims), video (qci 2), data (qci 8).
    if (rng.float() < BUSY_HOUR_RATES.erabSetupPerEpisode) {
      const b = ev.addMme(t + 100 + rng.float() * span * 0.5, 20 + rng.int(60), u, P.ERAB_SETUP, cur);
      const voice = subs.volte[u] && rng.float() < 0.5;
      ev.apn[b] = voice ? APN.IMS : APN.CMNET;
      ev.qci[b] = voice ? 1 : rng.float() < 0.3 ? 2 : 8;
      ev.bearer[b] = 0;
      const pgw = voice ? f.apnIms[r] : f.apnCmnet[r];
      const y = rng.float();
      if (pgw > 0 && y < pgw) {
        ev.status[b] = STATUS.FAILURE;
        ev.bearer[b] = 1;
        ev.emm[b] = EMM.ESM_FAILURE;
        ev.esm[b] = PGW_ESM_CAUSES[rng.int(PGW_ESM_CAUSES.length)];
      } else if (f.misconfig[cur] > 0 && y < 0.3 * f.misconfig[cur]) {
        ev.status[b] = STATUS.FAILURE;
        ev.bearer[b] = 1;
        ev.esm[b] = MISCONFIG_ESM_CAUSES[rng.int(MISCONFIG_ESM_CAUSES.length)];
      } else if (y < BASE.erabFail + 0.2 * f.congestion[cur] + 0.12 * interf) {
        ev.status[b] = STATUS.FAILURE;
        ev.bearer[b] = 1;
        ev.group[b] = GROUP.RADIO;
        ev.s1apCause[b] = f.congestion[cur] > 0 ? RADIO.RADIO_RESOURCES_NOT_AVAILABLE : RADIO.RADIO_INTERFACE_FAILURE;
      }
    }
    // User-plane sessions.
    const cmnetDown = f.apnCmnet[r] > 0 && rng.float() < f.apnCmnet[r];
    if (!cmnetDown) {
      const dnsBad = f.dns[r];
      const sessions = 1 + rng.poissonExp(heavy ? EXP_NEG_2 : EXP_NEG_1_2);
      const retransBase = 0.006 + weak * 0.01 + (edge ? 0.02 : 0) + 0.08 * trans + 0.02 * cong + 0.04 * interf;
      const synAckAdd = 180 * trans + 40 * cong;
      const ackAdd = 120 * cong + 80 * interf + (edge ? 40 : 0);
      const frdMult = (1 + 3 * trans) * (1 + 2 * cong);
      const tput = ((1 - 0.6 * trans) * (1 - 0.6 * interf) * (edge ? 0.6 : 1)) / (1 + 3 * cong);
      for (let s = 0; s < sessions; s++) {
        const app = APP_ORDER[rng.pickCumulative(APP_CUM)];
        // A failing resolver leaves fewer TCP sessions: names that did not resolve open no connection.
        if (app !== APP.DNS && dnsBad > 0 && rng.float() < 0.7 * dnsBad) continue;
        const st = t + 150 + rng.float() * span;
        const i = ev.addSession(st, u, cur, app);
        ev.retrans[i] = retransBase;
        ev.synAckAdd[i] = synAckAdd;
        ev.ackAdd[i] = ackAdd;
        ev.frdMult[i] = frdMult;
        ev.tput[i] = tput;
        if (app === APP.DNS) {
          if (dnsBad > 0 && rng.float() < dnsBad) {
            const z = rng.float();
            ev.rcode[i] = z < 0.5 ? 2 : z < 0.7 ? 5 : -1;
          } else ev.rcode[i] = rng.float() < 0.03 ? 3 : 0;
        } else {
          ev.rcode[i] = -1;
          if (rng.float() < 0.002 + 0.05 * trans + 0.03 * cong) ev.connFail[i] = 1;
          if (app === APP.HTTP) {
            const z = rng.float();
            ev.http[i] = ev.connFail[i] ? 0 : z < 0.9 ? 200 : z < 0.95 ? 304 : z < 0.985 ? 404 : z < 0.995 ? 502 : 500;
          }
        }
      }
    }
    // Release at the end of the episode: user inactivity, or a drop.
    const rt = Math.min(this.releaseLimit, t + span + 10_000);
    const rel = ev.addMme(rt, 5 + rng.int(20), u, P.UE_CONTEXT_RELEASE, cur);
    const pDrop = BASE.drop + weak * 0.025 + (bug ? 0.01 : 0) + (edge ? 0.05 : 0) + 0.12 * f.interference[cur] + 0.5 * f.down[cur];
    const pLoad = 0.04 * f.congestion[cur];
    const pTrans = 0.04 * f.transport[cur];
    const y = rng.float();
    ev.group[rel] = GROUP.RADIO;
    if (y < pDrop) {
      ev.s1apCause[rel] = f.interference[cur] > 0 && rng.float() < 0.3 ? RADIO.RADIO_INTERFACE_FAILURE : RADIO.RADIO_CONNECTION_LOST;
    } else if (y < pDrop + pLoad) {
      ev.s1apCause[rel] = rng.float() < 0.5 ? RADIO.REDUCE_LOAD : RADIO.RADIO_RESOURCES_NOT_AVAILABLE;
    } else if (y < pDrop + pLoad + pTrans) {
      ev.group[rel] = GROUP.TRANSPORT;
      ev.s1apCause[rel] = TRANSPORT_RESOURCE_UNAVAILABLE;
    } else {
      ev.s1apCause[rel] = RADIO.USER_INACTIVITY;
    }
    ev.reqCause[rel] = ev.s1apCause[rel];
  }

  /**
   * Orders pending events by start time (stable counting sort, 10 ms buckets) into `perm`; returns how
   * many start before t1 — those are emitted now, the rest wait for the next tick.
   */
  sortPending(t0: number, t1: number): number {
    const ev = this.pending;
    const n = ev.length;
    if (this.perm.length < n) this.perm = new Int32Array(n * 2);
    const perm = this.perm;
    const time = ev.time;
    const count = this.bucketCount;
    count.fill(0);
    // Bucket of each event, computed once (inline: a helper that is not inlined would box every time value).
    if (this.bucketOfEvent.length < n) this.bucketOfEvent = new Int32Array(n * 2);
    const bucket = this.bucketOfEvent;
    for (let i = 0; i < n; i++) {
      const b = Math.floor((time[i] - t0) / BUCKET_MS);
      const c = b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
      bucket[i] = c;
      count[c + 1]++;
    }
    for (let b = 0; b < BUCKETS; b++) count[b + 1] += count[b];
    const lb = Math.floor((t1 - t0) / BUCKET_MS);
    const emitted = count[lb < 0 ? 0 : lb >= BUCKETS ? BUCKETS - 1 : lb];
    // Unrolled by four (see the gathers in event-table.ts); the order of placements, hence stability, is kept.
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      perm[count[bucket[i]]++] = i;
      perm[count[bucket[i + 1]]++] = i + 1;
      perm[count[bucket[i + 2]]++] = i + 2;
      perm[count[bucket[i + 3]]++] = i + 3;
    }
    for (; i < n; i++) perm[count[bucket[i]]++] = i;
    // Reorder the table itself so expansion reads rows sequentially.
    this.spare.gather(ev, perm, n);
    this.pending = this.spare;
    this.spare = ev;
    ev.length = 0;
    return emitted;
  }

  /** Keeps the (sorted) events after the first `emitted` for the next tick. */
  carryOver(emitted: number, more: boolean): void {
    const src = this.pending;
    const dst = this.spare;
    dst.length = 0;
    if (more) for (let k = emitted; k < src.length; k++) dst.copyRow(src, k, dst.length++);
    this.pending = dst;
    this.spare = src;
    src.length = 0;
  }

  /** Index of the next standard-normal draw in NORMALS / the log-normal tables. */
  private z(): number {
    this.normalIdx = (this.normalIdx + 1 + (this.rng.next() & 7)) & 8191;
    return this.normalIdx;
  }

  /**
   * Writes sorted pending events [k0, k1) as batch rows from `row0` on, in passes over the rows: columns
   * every record has, the text columns, the S1-MME fields, then the S1-U fields (the only pass that draws
   * random numbers, in row order, so the stream is the same as one record at a time).
   */
  expandRows(o: ColumnRefs, row0: number, k0: number, k1: number): void {
    // Runs of EXPAND_RUN rows keep the event rows and the builder rows of all passes in cache.
    for (let k = k0; k < k1; k += EXPAND_RUN) this.expandRun(o, row0 + (k - k0), k, Math.min(k1, k + EXPAND_RUN));
  }

  private expandRun(o: ColumnRefs, row0: number, k0: number, k1: number): void {
    const ev = this.pending;
    const net = this.city.net;
    const count = k1 - k0;
    const cellTac = net.cellTac;
    const cellEci = net.cellEci;
    const time = ev.time;
    const user = ev.user;
    const cell = ev.cell;
    const qci = ev.qci;
    const proc = ev.proc;
    const idStarts = this.idStarts; // count ≤ EXPAND_RUN
    const idBytes = this.idBytes;
    let touched = 0;
    for (let k = k0, r = row0; k < k1; k++, r++) {
      const c = cell[k];
      o.start[r] = Math.round(time[k]);
      o.tac[r] = cellTac[c];
      o.tacValid[r] = 1;
      o.eci[r] = cellEci[c];
      o.eciValid[r] = 1;
      o.qci[r] = qci[k];
      o.qciValid[r] = 1;
      o.iface[r] = proc[k] >= 0 ? 0 : 1;
      idStarts[k - k0] = user[k] * ID_BYTES;
    }
    // The id table is read at random (one user per record) and its reads miss the cache. A loop that does
    // nothing but read one byte per row keeps many misses in flight at once, so the copies below hit the
    // cache; inside the copy loops only a few overlap (measured per record: copies ~100 → ~45 ns, this loop ~25).
    // Unrolled by four: V8's per-iteration loop overhead would dominate a one-read body.
    let k = 0;
    for (; k + 4 <= count; k += 4) {
      touched ^= idBytes[idStarts[k]] ^ idBytes[idStarts[k + 1]] ^ idBytes[idStarts[k + 2]] ^ idBytes[idStarts[k + 3]];
    }
    for (; k < count; k++) touched ^= idBytes[idStarts[k]];
    this.touched = touched;
    this.writeXdrIds(o.xdr, row0, count);
    // The same user offsets serve all three ids: the MSISDN and IMEI views start 15 and 26 bytes into the table.
    o.imsi.setFixedWidthRows(row0, count, idBytes, idStarts, 0, 15);
    o.msisdn.setFixedWidthRows(row0, count, this.msisdnBytes, idStarts, 0, 11);
    o.imei.setFixedWidthRows(row0, count, this.imeiBytes, idStarts, 0, 15);
    o.apn.setCodedRows(row0, count, APN_BYTES, APN_AT, ev.apn, k0);
    this.expandMme(o, row0, k0, k1);
    this.expandSessions(o, row0, k0, k1);
  }

  /** xdr_id: 8 hex digits of a per-run prefix + 8 of a record counter: unique within a run. */
  private writeXdrIds(col: Utf8ColumnBuilder, row0: number, count: number): void {
    if (this.xdrStarts.length < count) {
      // Scratch of 16-byte ids whose prefix halves are written once; starts are fixed multiples of 16.
      const size = Math.max(count, EXPAND_RUN);
      this.xdrStarts = new Int32Array(size);
      this.xdrScratch = new Uint8Array(size * 16);
      for (let k = 0; k < size; k++) {
        this.xdrStarts[k] = k * 16;
        this.xdrScratch.set(this.xdrBytes.subarray(0, 8), k * 16);
      }
    }
    // The counter half as four two-digit pairs (little-endian 16-bit words, 8-aligned: offset k·16 + 8).
    const pairs = new Uint16Array(this.xdrScratch.buffer, 0, count * 8);
    let id = this.xdrCounter;
    for (let k = 0; k < count; k++, id++) {
      const at = k * 8 + 4;
      pairs[at] = HEX_PAIRS[id >>> 24];
      pairs[at + 1] = HEX_PAIRS[(id >>> 16) & 255];
      pairs[at + 2] = HEX_PAIRS[(id >>> 8) & 255];
      pairs[at + 3] = HEX_PAIRS[id & 255];
    }
    this.xdrCounter = id;
    col.setFixedWidthRows(row0, count, this.xdrScratch, this.xdrStarts, 0, 16);
  }

  /** S1-MME rows of [k0, k1): procedure, outcome and causes as drawn. */
  private expandMme(o: ColumnRefs, row0: number, k0: number, k1: number): void {
    const ev = this.pending;
    const cellEci = this.city.net.cellEci;
    const cellMme = this.cellMme;
    const proc = ev.proc;
    for (let k = k0, r = row0; k < k1; k++, r++) {
      const p = proc[k];
      if (p < 0) continue;
      const c = ev.cell[k];
      o.end[r] = Math.round(ev.time[k]) + ev.dur[k];
      o.endValid[r] = 1;
      const other = ev.other[k];
      if (other >= 0) {
        o.otherEci[r] = cellEci[other];
        o.otherEciValid[r] = 1;
      }
      o.mme[r] = cellMme[c * 3 + (ev.user[k] % 3)];
      o.mmeValid[r] = 1;
      o.proc[r] = p;
      o.status[r] = ev.status[k];
      o.statusValid[r] = 1;
      const req = ev.reqCause[k];
      if (req >= 0) {
        o.req[r] = req;
        o.reqValid[r] = 1;
      }
      const kw = ev.keyword[k];
      if (kw >= 0) {
        o.keyword[r] = kw;
        o.keywordValid[r] = 1;
      }
      o.emm[r] = ev.emm[k];
      o.emmValid[r] = 1;
      o.esm[r] = ev.esm[k];
      o.esmValid[r] = 1;
      const g = ev.group[k];
      o.group[r] = g;
      if (g >= 0) {
        o.s1ap[r] = ev.s1apCause[k];
        o.s1apValid[r] = 1;
      }
      const bearer = ev.bearer[k];
      if (bearer >= 0) {
        o.bearer[r] = bearer;
        o.bearerValid[r] = 1;
      }
    }
  }

  /** S1-U rows of [k0, k1): volumes, packets, retransmissions and delays from the app profile and the quality. */
  private expandSessions(o: ColumnRefs, row0: number, k0: number, k1: number): void {
    const ev = this.pending;
    const rng = this.rng;
    const proc = ev.proc;
    let z = this.normalIdx;
    for (let k = k0, r = row0; k < k1; k++, r++) {
      if (proc[k] >= 0) continue;
      const u = ev.user[k];
      const app = ev.app[k];
      const tput = ev.tput[k];
      o.app[r] = app;
      const udp = app === APP.DNS || (app === APP.GAME && (u & 1) === 0);
      o.l4[r] = udp ? 1 : 0;
      o.l4Valid[r] = 1;
      const fail = ev.connFail[k];
      // Each log-normal spread takes the next index of the shared normal table (see z()).
      let dl = 0;
      if (!fail) {
        z = (z + 1 + (rng.next() & 7)) & 8191;
        dl = Math.round(APP_DL[app] * LN_BYTES[z] * (0.5 + 0.5 * tput));
      }
      let ul = 120;
      if (!fail) {
        z = (z + 1 + (rng.next() & 7)) & 8191;
        ul = Math.round(APP_UL[app] * LN_UL[z]);
      }
      if (app === APP.DNS) {
        dl = ev.rcode[k] === -1 ? 0 : Math.round(APP_DL[app] * (0.8 + 0.4 * rng.float()));
        ul = Math.round(APP_UL[app] * (0.8 + 0.4 * rng.float()));
      }
      z = (z + 1 + (rng.next() & 7)) & 8191;
      const dur = Math.round((APP_DUR[app] * LN_DUR[z]) / Math.max(0.05, tput)) + 5;
      o.end[r] = Math.round(ev.time[k]) + dur;
      o.endValid[r] = 1;
      o.ulBytes[r] = ul;
      o.ulBytesValid[r] = 1;
      o.dlBytes[r] = dl;
      o.dlBytesValid[r] = 1;
      const dlPk = dl > 0 ? Math.ceil(dl / 1300) + 1 : 0;
      const ulPk = Math.ceil(ul / 600) + 1;
      o.ulPk[r] = ulPk;
      o.ulPkValid[r] = 1;
      o.dlPk[r] = dlPk;
      o.dlPkValid[r] = 1;
      if (!udp) {
        const re = ev.retrans[k] * (0.5 + rng.float());
        o.dlRe[r] = Math.round(dlPk * re);
        o.dlReValid[r] = 1;
        o.ulRe[r] = Math.round(ulPk * re * 0.5);
        o.ulReValid[r] = 1;
        z = (z + 1 + (rng.next() & 7)) & 8191;
        o.synAck[r] = Math.round(22 * LN_SYNACK[z] + ev.synAckAdd[k] * (0.5 + rng.float()));
        o.synAckValid[r] = 1;
        z = (z + 1 + (rng.next() & 7)) & 8191;
        o.ack[r] = Math.round(28 * LN_ACK[z] + ev.ackAdd[k] * (0.5 + rng.float()));
        o.ackValid[r] = 1;
        o.synAtt[r] = fail ? 3 : rng.float() < re * 3 ? 2 : 1;
        o.synAttValid[r] = 1;
        o.conn[r] = fail;
        o.connValid[r] = 1;
        if (!fail) {
          z = (z + 1 + (rng.next() & 7)) & 8191;
          o.frd[r] = Math.round(70 * LN_FRD[z] * ev.frdMult[k]);
          o.frdValid[r] = 1;
        }
        o.http[r] = ev.http[k];
        o.httpValid[r] = 1;
      } else if (app === APP.DNS) {
        const rc = ev.rcode[k];
        if (rc >= 0) {
          o.dns[r] = rc;
          o.dnsValid[r] = 1;
          z = (z + 1 + (rng.next() & 7)) & 8191;
          o.frd[r] = Math.round(15 * LN_ACK[z] * (rc === 2 ? 20 : 1));
          o.frdValid[r] = 1;
        }
      }
    }
    this.normalIdx = z;
  }
}
