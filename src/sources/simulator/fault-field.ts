// The state of every fault at one tick, spread onto the arrays the event draw looks up: per cell
// (outage, backhaul, congestion, interference, misconfiguration), per MME pool, per region (DNS, PGW/APN),
// and the broken IMSI ranges. Recomputed once per tick, so the per-event cost is an array read.
import type { City } from './city.js';
import { faultIntensity, type Fault } from './scenario.js';

export class FaultField {
  readonly down: Float32Array;
  readonly transport: Float32Array;
  readonly congestion: Float32Array;
  readonly interference: Float32Array;
  readonly misconfig: Float32Array;
  readonly misconfigCause: Int16Array;
  readonly mme: Float32Array;
  readonly dns: Float32Array;
  readonly apnIms: Float32Array;
  readonly apnCmnet: Float32Array;
  /** Active subscription faults: [lo, hi, intensity, emm cause] flattened. */
  subscription: number[] = [];
  /** True when any fault is active this tick (fast path for quiet ticks). */
  any = false;

  constructor(private readonly city: City) {
    const c = city.net.cellCount;
    const r = city.net.regionNames.length;
    this.down = new Float32Array(c);
    this.transport = new Float32Array(c);
    this.congestion = new Float32Array(c);
    this.interference = new Float32Array(c);
    this.misconfig = new Float32Array(c);
    this.misconfigCause = new Int16Array(c);
    this.mme = new Float32Array(city.net.poolCount);
    this.dns = new Float32Array(r);
    this.apnIms = new Float32Array(r);
    this.apnCmnet = new Float32Array(r);
  }

  update(t: number): void {
    this.down.fill(0);
    this.transport.fill(0);
    this.congestion.fill(0);
    this.interference.fill(0);
    this.misconfig.fill(0);
    this.mme.fill(0);
    this.dns.fill(0);
    this.apnIms.fill(0);
    this.apnCmnet.fill(0);
    this.subscription = [];
    this.any = false;
    for (const f of this.city.faults) {
      const i = faultIntensity(f, t);
      if (i <= 0) continue;
      this.any = true;
      this.apply(f, i);
    }
  }

  private apply(f: Fault, i: number): void {
    const cellMax = (a: Float32Array) => {
      for (const c of f.cells) if (a[c] < i) a[c] = i;
    };
    switch (f.type) {
      case 'cell_outage':
      case 'enb_outage':
        cellMax(this.down);
        break;
      case 'transport':
        cellMax(this.transport);
        break;
      case 'congestion':
        cellMax(this.congestion);
        break;
      case 'interference':
        cellMax(this.interference);
        break;
      case 'misconfig':
        cellMax(this.misconfig);
        f.cells.forEach((c, k) => (this.misconfigCause[c] = f.emmCauses[k % f.emmCauses.length]));
        break;
      case 'mme_overload':
        this.mme[f.mmePool] = Math.max(this.mme[f.mmePool], i);
        break;
      case 'dns':
        for (const r of f.regions) this.dns[r] = Math.max(this.dns[r], i);
        break;
      case 'pgw_apn': {
        const a = f.apn === 'ims' ? this.apnIms : this.apnCmnet;
        for (const r of f.regions) a[r] = Math.max(a[r], i);
        break;
      }
      case 'subscription':
        this.subscription.push(f.userLo, f.userHi, i, f.emmCauses[0]);
        break;
    }
  }
}
