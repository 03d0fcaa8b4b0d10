// Mapping between the API view (alert-event.ts) and the protobuf messages as proto-loader presents them
// (enums by name, int64 as decimal strings), plus zod schemas for every request so a bad request is answered
// with INVALID_ARGUMENT naming the field.
import { z } from 'zod';
import {
  ALERT_STATUSES,
  SEVERITIES,
  SUSPECTED_CAUSES,
  type Alert,
  type AlertEvent,
  type AlertStatus,
  type Severity,
} from './alert-event.js';

const enumName = (prefix: string, v: string) => `${prefix}_${v.toUpperCase()}`;

export const severityToProto = (s: Severity) => enumName('SEVERITY', s);
export const statusToProto = (s: AlertStatus) => enumName('ALERT_STATUS', s);

/** The wire form of an alert (what proto-loader encodes). */
export function alertToProto(a: Alert) {
  return {
    alert_id: a.alert_id,
    status: statusToProto(a.status),
    severity: severityToProto(a.severity),
    region: a.region,
    cells: a.cells,
    opened_at: a.opened_at,
    updated_at: a.updated_at,
    users_at_risk: a.users_at_risk,
    expected_complaints: a.expected_complaints,
    vip_at_risk: a.vip_at_risk,
    suspected_cause: enumName('SUSPECTED_CAUSE', a.suspected_cause),
    evidence: a.evidence,
    model_version: a.model_version,
  };
}

export function alertEventToProto(e: AlertEvent) {
  return { sequence: e.sequence, alert: alertToProto(e.alert) };
}

/** Accepts an enum by its proto name; UNSPECIFIED (or absent) becomes undefined. */
function protoEnum<const T extends readonly string[]>(prefix: string, values: T) {
  const byName = new Map<string, T[number]>(values.map((v) => [enumName(prefix, v), v]));
  return z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx): T[number] | undefined => {
      if (v === undefined || v === `${prefix}_UNSPECIFIED` || v === 0) return undefined;
      const hit = typeof v === 'string' ? byName.get(v) : undefined;
      if (hit === undefined) {
        ctx.addIssue({ code: 'custom', message: `unknown value ${JSON.stringify(v)}; expected one of ${[...byName.keys()].join(', ')}` });
        return z.NEVER;
      }
      return hit;
    });
}

/** proto int64/uint64 arrive as decimal strings; they must fit a JS number exactly. */
const protoInt64 = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v, ctx): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isSafeInteger(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a non-negative integer below 2^53` });
      return z.NEVER;
    }
    return n;
  });

const regionName = z.string().min(1, 'region names must not be empty').max(200);
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
const pageSize = z
  .number()
  .int()
  .max(MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE}`)
  .optional()
  .transform((v) => (v === undefined || v === 0 ? DEFAULT_PAGE_SIZE : v));

export const streamAlertsRequest = z.object({
  regions: z.array(regionName).default([]),
  min_severity: protoEnum('SEVERITY', SEVERITIES),
  after_sequence: protoInt64,
});

export const listAlertsRequest = z
  .object({
    statuses: z.array(protoEnum('ALERT_STATUS', ALERT_STATUSES)).default([]),
    regions: z.array(regionName).default([]),
    from_time: protoInt64,
    to_time: protoInt64,
    page_size: pageSize,
    page_token: z.string().max(1000).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.from_time && r.to_time && r.to_time <= r.from_time) {
      ctx.addIssue({ code: 'custom', path: ['to_time'], message: 'must be after from_time' });
    }
  });

export const getAlertRequest = z.object({
  alert_id: z.string({ message: 'required' }).min(1, 'required'),
});

export const listOutreachRequest = z.object({
  alert_id: z.string({ message: 'required' }).min(1, 'required'),
  unmasked: z.boolean().optional().default(false),
  page_size: pageSize,
  page_token: z.string().max(100).optional(),
});

export const getRegionRiskRequest = z.object({
  regions: z.array(regionName).default([]),
});

export { SUSPECTED_CAUSES };

/** "field: message" for the first zod issue, e.g. "min_severity: unknown value ...". */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** MSISDNs are personal data: callers without the care role see only the last four digits. */
export function maskMsisdn(msisdn: string): string {
  if (msisdn.length <= 4) return '*'.repeat(msisdn.length);
  return '*'.repeat(msisdn.length - 4) + msisdn.slice(-4);
}
