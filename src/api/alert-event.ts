// The API view of an alert event (DESIGN.md §7). The hotspot stage maps its own alert state onto this shape;
// the gRPC server, the Kafka alert sink and the alert feed all speak it, so it is validated once, here.
import { z } from 'zod';

export const ALERT_STATUSES = ['open', 'updated', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Ordered low → high: the index is the rank a minimum-severity filter compares. */
export const SEVERITIES = ['blue', 'yellow', 'orange', 'red'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SUSPECTED_CAUSES = ['radio', 'transport', 'core', 'pgw_apn', 'dns', 'subscription', 'congestion'] as const;
export type SuspectedCause = (typeof SUSPECTED_CAUSES)[number];

const epochMs = z.number().int().nonnegative();

export const evidenceSchema = z.object({
  feature: z.string().min(1),
  value: z.number(),
  baseline: z.number(),
  detail: z.string().default(''),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const contributionSchema = z.object({
  feature: z.string().min(1),
  contribution: z.number(),
});
export type Contribution = z.infer<typeof contributionSchema>;

export const alertSchema = z.object({
  alert_id: z.string().min(1),
  status: z.enum(ALERT_STATUSES),
  severity: z.enum(SEVERITIES),
  region: z.string().min(1),
  cells: z.array(z.number().int().nonnegative()),
  opened_at: epochMs,
  updated_at: epochMs,
  users_at_risk: z.number().int().nonnegative(),
  expected_complaints: z.number().nonnegative(),
  vip_at_risk: z.number().int().nonnegative(),
  suspected_cause: z.enum(SUSPECTED_CAUSES),
  evidence: z.array(evidenceSchema),
  model_version: z.string(),
  /** Mean TreeSHAP contributions over the at-risk users; served by GetAlert. */
  contributions: z.array(contributionSchema).default([]),
});
export type Alert = z.infer<typeof alertSchema>;
export type AlertInput = z.input<typeof alertSchema>;

export const alertEventSchema = z.object({
  /** Strictly increasing, deterministic for a given input (the engine assigns it; resume relies on it). */
  sequence: z.number().int().positive(),
  alert: alertSchema,
});
export type AlertEvent = z.infer<typeof alertEventSchema>;
export type AlertEventInput = z.input<typeof alertEventSchema>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
