// Care lists (DOMAIN.md §6): for each alert, the affected users care should message first, in order VIP → high
// value → predicted complainers → others, with the rules care teams live by: once per incident; a cool-down
// across incidents unless severity rises; never users who already complained (they belong to the ticket); never
// opted-out users; quiet hours move a message to the morning instead of dropping it; a per-region sending rate;
// and a restoration notice to everyone who got the first message when the alert resolves.
//
//   const planner = new OutreachPlanner(subscribers, topology.regions, { utcOffsetMinutes: 480 });
//   planner.addComplaints(complaints);                        // as they arrive
//   const plan = planner.onAlertEvent(event, detector.affectedUsers(event.alert.alert_id));
//   store.writeOutreach(plan.messages);
import { z } from 'zod';
import { severityRank, type AffectedUser, type AlertEvent, type Severity } from '../hotspots/alert.js';
import type { Complaint, Subscriber } from '../schema/side-files.js';
import { createMasker, maskKeyFromEnv, type Masker } from './masking.js';
import { OUTREACH_TIERS, type OutreachMessage, type OutreachTier } from './outreach-message.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_COOLDOWN_DAYS = 3;
export const DEFAULT_QUIET_START_HOUR = 22;
export const DEFAULT_QUIET_END_HOUR = 8;
export const DEFAULT_MESSAGES_PER_MINUTE_PER_REGION = 60;
/** A complaint this long before the alert opened still means the user is already in a ticket for it. */
export const DEFAULT_COMPLAINT_LOOKBACK_HOURS = 24;

export const outreachConfigSchema = z.object({
  /** vip_level ≥ this is the VIP tier; vip_level ≥ highValueMinLevel (below VIP) is the high-value tier. */
  vipMinLevel: z.number().int().min(1).default(2),
  highValueMinLevel: z.number().int().min(1).default(1),
  /** Probability at or above which an affected user is a "predicted complainer" (the model's operating threshold). */
  complainerThreshold: z.number().min(0).max(1).default(0.5),
  cooldownDays: z.number().nonnegative().default(DEFAULT_COOLDOWN_DAYS),
  complaintLookbackHours: z.number().nonnegative().default(DEFAULT_COMPLAINT_LOOKBACK_HOURS),
  /** Local quiet hours [start, end): messages falling inside are scheduled for `end` o'clock. */
  quietStartHour: z.number().int().min(0).max(23).default(DEFAULT_QUIET_START_HOUR),
  quietEndHour: z.number().int().min(0).max(23).default(DEFAULT_QUIET_END_HOUR),
  utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).default(0),
  messagesPerMinutePerRegion: z.number().positive().default(DEFAULT_MESSAGES_PER_MINUTE_PER_REGION),
  maskKey: z.string().min(1).optional(),
});
export type OutreachConfig = z.infer<typeof outreachConfigSchema>;
export type OutreachConfigInput = z.input<typeof outreachConfigSchema>;

export const SUPPRESSION_REASONS = ['unknown_subscriber', 'opted_out', 'already_complained', 'cooldown'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface OutreachPlan {
  messages: OutreachMessage[];
  /** Affected users not messaged this time, by reason (counted, never silently dropped). */
  suppressed: Record<SuppressionReason, number>;
}

interface Contact {
  at: number;
  alertId: string;
  severity: Severity;
}

interface SentFirst {
  imsi: number;
  message: OutreachMessage;
}

export interface OutreachSnapshot {
  lastContact: Array<[number, Contact]>;
  contacted: Array<[string, SentFirst[]]>;
  regionNextFree: Array<[string, number]>;
}

export class OutreachPlanner {
  readonly config: OutreachConfig;
  private readonly mask: Masker;
  private readonly subscriberOf = new Map<number, Subscriber>();
  /** msisdn → complaint times, ascending. */
  private readonly complaintTimes = new Map<string, number[]>();
  private readonly lastContact = new Map<number, Contact>();
  /** Per alert, everyone who got (or is scheduled for) the first message, for "once per incident" and restoration. */
  private readonly contacted = new Map<string, Map<number, SentFirst>>();
  private readonly regionNextFree = new Map<string, number>();

  constructor(
    subscribers: readonly Subscriber[],
    private readonly regions: readonly string[],
    config: OutreachConfigInput = {},
  ) {
    const parsed = outreachConfigSchema.safeParse(config);
    if (!parsed.success) throw new Error(`invalid outreach config: ${z.prettifyError(parsed.error)}`);
    this.config = parsed.data;
    this.mask = createMasker(this.config.maskKey ?? maskKeyFromEnv());
    for (const s of subscribers) this.subscriberOf.set(Number(s.imsi), s);
  }

  addComplaints(complaints: readonly Complaint[]): void {
    for (const c of complaints) {
      const times = this.complaintTimes.get(c.msisdn) ?? [];
      times.push(c.time);
      this.complaintTimes.set(c.msisdn, times);
    }
    for (const times of this.complaintTimes.values()) times.sort((a, b) => a - b);
  }

  onAlertEvent(event: AlertEvent, affected: readonly AffectedUser[]): OutreachPlan {
    const suppressed = Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, 0])) as Record<SuppressionReason, number>;
    const alert = event.alert;
    if (alert.status === 'resolved') {
      if (event.merged_into !== null) {
        // Same incident continues under another id: carry "already contacted" over, no restoration yet.
        const mine = this.contacted.get(alert.alert_id);
        if (mine) {
          const theirs = this.contacted.get(event.merged_into) ?? new Map<number, SentFirst>();
          for (const [imsi, s] of mine) if (!theirs.has(imsi)) theirs.set(imsi, s);
          this.contacted.set(event.merged_into, theirs);
          this.contacted.delete(alert.alert_id);
        }
        return { messages: [], suppressed };
      }
      return { messages: this.restoration(event), suppressed };
    }

    const listedAt = alert.updated_at;
    const sent = this.contacted.get(alert.alert_id) ?? new Map<number, SentFirst>();
    this.contacted.set(alert.alert_id, sent);
    const cooldownMs = this.config.cooldownDays * DAY_MS;
    const lookbackFrom = alert.opened_at - this.config.complaintLookbackHours * HOUR_MS;
    const eligible: Array<{ user: AffectedUser; sub: Subscriber; tier: OutreachTier }> = [];
    for (const user of affected) {
      if (sent.has(user.imsi)) continue; // once per incident
      const sub = this.subscriberOf.get(user.imsi);
      if (!sub) {
        suppressed.unknown_subscriber++;
        continue;
      }
      if (sub.optOut) {
        suppressed.opted_out++;
        continue;
      }
      if (this.complainedBetween(sub.msisdn, lookbackFrom, listedAt)) {
        suppressed.already_complained++;
        continue;
      }
      const last = this.lastContact.get(user.imsi);
      if (
        last &&
        last.alertId !== alert.alert_id &&
        listedAt - last.at < cooldownMs &&
        severityRank(alert.severity) <= severityRank(last.severity)
      ) {
        suppressed.cooldown++;
        continue;
      }
      eligible.push({ user, sub, tier: this.tierOf(sub, user) });
    }

    eligible.sort(
      (a, b) =>
        OUTREACH_TIERS.indexOf(a.tier) - OUTREACH_TIERS.indexOf(b.tier) ||
        b.sub.vipLevel - a.sub.vipLevel ||
        b.user.probability - a.user.probability ||
        a.user.imsi - b.user.imsi,
    );
    const messages: OutreachMessage[] = [];
    let rank = sent.size;
    for (const { user, sub, tier } of eligible) {
      const region = this.regions[user.regionIndex] ?? alert.region;
      const message: OutreachMessage = {
        alertId: alert.alert_id,
        kind: 'proactive',
        rank: ++rank,
        tier,
        msisdn: sub.msisdn,
        userId: this.mask(user.imsi),
        vipLevel: sub.vipLevel,
        probability: user.probability,
        region,
        severity: alert.severity,
        listedAt,
        sendAt: this.schedule(region, listedAt),
      };
      messages.push(message);
      sent.set(user.imsi, { imsi: user.imsi, message });
      this.lastContact.set(user.imsi, { at: listedAt, alertId: alert.alert_id, severity: alert.severity });
    }
    return { messages, suppressed };
  }

  snapshot(): OutreachSnapshot {
    return structuredClone({
      lastContact: [...this.lastContact],
      contacted: [...this.contacted].map(([id, m]) => [id, [...m.values()]] as [string, SentFirst[]]),
      regionNextFree: [...this.regionNextFree],
    });
  }

  restore(s: OutreachSnapshot): void {
    const copy = structuredClone(s);
    this.lastContact.clear();
    this.contacted.clear();
    this.regionNextFree.clear();
    for (const [imsi, c] of copy.lastContact) this.lastContact.set(imsi, c);
    for (const [id, list] of copy.contacted) this.contacted.set(id, new Map(list.map((x) => [x.imsi, x])));
    for (const [r, t] of copy.regionNextFree) this.regionNextFree.set(r, t);
  }

  private restoration(event: AlertEvent): OutreachMessage[] {
    const sent = this.contacted.get(event.alert.alert_id);
    if (!sent) return [];
    this.contacted.delete(event.alert.alert_id);
    const listedAt = event.resolved_at ?? event.alert.updated_at;
    const firsts = [...sent.values()].sort((a, b) => a.message.rank - b.message.rank);
    return firsts.map(({ message }, i) => ({
      ...message,
      kind: 'restoration' as const,
      rank: i + 1,
      severity: event.alert.severity,
      listedAt,
      // never before the first message it follows up
      sendAt: this.schedule(message.region, Math.max(listedAt, message.sendAt + 1)),
    }));
  }

  private tierOf(sub: Subscriber, user: AffectedUser): OutreachTier {
    if (sub.vipLevel >= this.config.vipMinLevel) return 'vip';
    if (sub.vipLevel >= this.config.highValueMinLevel) return 'high_value';
    if (user.probability >= this.config.complainerThreshold) return 'predicted_complainer';
    return 'other';
  }

  private complainedBetween(msisdn: string, from: number, to: number): boolean {
    const times = this.complaintTimes.get(msisdn);
    if (!times) return false;
    // first complaint at or after `from` (times ascending)
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < times.length && times[lo] <= to;
  }

  /** Next send slot for a region at or after `earliest`, outside quiet hours, within the region's rate. */
  private schedule(region: string, earliest: number): number {
    const gap = 60_000 / this.config.messagesPerMinutePerRegion;
    let at = Math.max(earliest, this.regionNextFree.get(region) ?? -Infinity);
    at = this.outOfQuietHours(at);
    this.regionNextFree.set(region, at + gap);
    return Math.round(at);
  }

  /** `at` itself, or the next local `quietEndHour`:00 when `at` falls in quiet hours. */
  outOfQuietHours(at: number): number {
    const { quietStartHour: start, quietEndHour: end, utcOffsetMinutes } = this.config;
    if (start === end) return at;
    const offset = utcOffsetMinutes * 60_000;
    const local = at + offset;
    const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
    const hour = (local - dayStart) / HOUR_MS;
    const quiet = start < end ? hour >= start && hour < end : hour >= start || hour < end;
    if (!quiet) return at;
    const endToday = dayStart + end * HOUR_MS;
    const morning = hour < end ? endToday : endToday + DAY_MS;
    return morning - offset;
  }
}
