// When ops can expect the first complaint of an incident: the lead time an alert wins.
// DOMAIN.md §5 models the delay from degradation to complaint as log-normal — median 30–90 min for total loss,
// hours for slow data — and nobody calls 00:00–07:00. With E expected complaints, the first of them arrives at
// about the 1/(E+1) quantile of that delay.
import type { FaultDomain } from './cause-domains.js';

/** Median delay to complaint by suspected cause, minutes: total-loss domains fast, degradations slow. */
export const MEDIAN_COMPLAINT_DELAY_MIN: Readonly<Record<FaultDomain, number>> = {
  radio: 60,
  core: 45,
  subscription: 45,
  pgw_apn: 60,
  dns: 75,
  transport: 180,
  congestion: 180,
};

/** Log-normal shape (σ of ln delay): a tail to 24–48 h from a median of about an hour. */
export const COMPLAINT_DELAY_SIGMA = 1.2;

const QUIET_START_HOUR = 0;
const QUIET_END_HOUR = 7;

/** Epoch ms at which the first complaint is expected for an alert opened at `openedAt`. */
export function expectedFirstComplaint(
  openedAt: number,
  cause: FaultDomain,
  expectedComplaints: number,
  utcOffsetMinutes = 0,
): number {
  const e = Math.max(expectedComplaints, 0);
  const q = 1 / (e + 1);
  const median = MEDIAN_COMPLAINT_DELAY_MIN[cause] * 60_000;
  const delay = median * Math.exp(COMPLAINT_DELAY_SIGMA * normalQuantile(q));
  return outOfNight(openedAt + delay, utcOffsetMinutes);
}

/** Calls that would fall in the night move to the morning. */
function outOfNight(at: number, utcOffsetMinutes: number): number {
  const offset = utcOffsetMinutes * 60_000;
  const local = at + offset;
  const day = Math.floor(local / 86_400_000) * 86_400_000;
  const hour = (local - day) / 3_600_000;
  if (hour >= QUIET_START_HOUR && hour < QUIET_END_HOUR) return day + QUIET_END_HOUR * 3_600_000 - offset;
  return at;
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
