// One line of a care list. The only record in hotspot that carries an MSISDN (care needs it to send the message).
import type { Severity } from '../hotspots/alert.js';

export const OUTREACH_KINDS = ['proactive', 'restoration'] as const;
export type OutreachKind = (typeof OUTREACH_KINDS)[number];

/** Ranking tiers, in sending order (DOMAIN.md §6). */
export const OUTREACH_TIERS = ['vip', 'high_value', 'predicted_complainer', 'other'] as const;
export type OutreachTier = (typeof OUTREACH_TIERS)[number];

export interface OutreachMessage {
  alertId: string;
  kind: OutreachKind;
  /** 1-based position in this alert's list for this kind. */
  rank: number;
  tier: OutreachTier;
  msisdn: string;
  /** Masked id (the same keyed hash as every other table) for joins without the MSISDN. */
  userId: string;
  vipLevel: number;
  probability: number;
  region: string;
  severity: Severity;
  /** When the list was made (the alert event's time), epoch ms. */
  listedAt: number;
  /** When to send: after quiet hours and within the region's sending rate, epoch ms. */
  sendAt: number;
}
