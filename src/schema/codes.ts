// 3GPP code tables of DOMAIN.md §3 with their names, plus the abnormal-release rule. Names are for reports,
// alert evidence and the dashboard; the feature engine uses the typed lookups (ABNORMAL_RELEASE,
// isAbnormalReleaseCode) in its hot loops, so those are flat typed arrays indexed by code.
import { S1AP_CAUSE_GROUPS, type S1apCauseGroup } from './record.js';

type CodeTable = ReadonlyMap<number, string>;
const table = (entries: Record<number, string>): CodeTable =>
  new Map(Object.entries(entries).map(([k, v]) => [Number(k), v]));

/** procedure_status (hotspot's own encoding; vendor encodings map onto it through vendor-codes.ts). */
export const PROCEDURE_STATUS = { success: 0, failure: 1, timeout: 2, abnormal: 3 } as const;
export const PROCEDURE_STATUS_NAMES: readonly string[] = ['success', 'failure', 'timeout', 'abnormal'];

/** RRC establishment cause (TS 36.331), the request cause of service requests. */
export const RRC_ESTABLISHMENT_CAUSES: CodeTable = table({
  0: 'emergency',
  1: 'highPriorityAccess',
  2: 'mt-Access',
  3: 'mo-Signalling',
  4: 'mo-Data',
  5: 'delayTolerantAccess',
  6: 'mo-VoiceCall',
});

/** EMM causes, TS 24.301 §9.9.3.9. */
export const EMM_CAUSES: CodeTable = table({
  2: 'IMSI unknown in HSS',
  3: 'illegal UE',
  5: 'IMEI not accepted',
  6: 'illegal ME',
  7: 'EPS services not allowed',
  8: 'EPS services and non-EPS services not allowed',
  9: 'UE identity cannot be derived by the network',
  10: 'implicitly detached',
  11: 'PLMN not allowed',
  12: 'tracking area not allowed',
  13: 'roaming not allowed in this tracking area',
  14: 'EPS services not allowed in this PLMN',
  15: 'no suitable cells in tracking area',
  16: 'MSC temporarily not reachable',
  17: 'network failure',
  18: 'CS domain not available',
  19: 'ESM failure',
  20: 'MAC failure',
  21: 'synch failure',
  22: 'congestion',
  23: 'UE security capabilities mismatch',
  24: 'security mode rejected, unspecified',
  25: 'not authorized for this CSG',
  26: 'non-EPS authentication unacceptable',
  35: 'requested service option not authorized in this PLMN',
  39: 'CS service temporarily not available',
  40: 'no EPS bearer context activated',
  42: 'severe network failure',
  95: 'semantically incorrect message',
  96: 'invalid mandatory information',
  97: 'message type non-existent or not implemented',
  98: 'message type not compatible with the protocol state',
  99: 'information element non-existent or not implemented',
  100: 'conditional IE error',
  101: 'message not compatible with the protocol state',
  111: 'protocol error, unspecified',
});

/** ESM causes, TS 24.301 §9.9.4.4. */
export const ESM_CAUSES: CodeTable = table({
  8: 'operator determined barring',
  26: 'insufficient resources',
  27: 'missing or unknown APN',
  28: 'unknown PDN type',
  29: 'user authentication failed',
  30: 'request rejected by Serving GW or PDN GW',
  31: 'request rejected, unspecified',
  32: 'service option not supported',
  33: 'requested service option not subscribed',
  34: 'service option temporarily out of order',
  35: 'PTI already in use',
  36: 'regular deactivation',
  37: 'EPS QoS not accepted',
  38: 'network failure',
  39: 'reactivation requested',
  41: 'semantic error in the TFT operation',
  42: 'syntactical error in the TFT operation',
  43: 'invalid EPS bearer identity',
  44: 'semantic errors in packet filter(s)',
  45: 'syntactical errors in packet filter(s)',
  47: 'PTI mismatch',
  49: 'last PDN disconnection not allowed',
  50: 'PDN type IPv4 only allowed',
  51: 'PDN type IPv6 only allowed',
  52: 'single address bearers only allowed',
  53: 'ESM information not received',
  54: 'PDN connection does not exist',
  55: 'multiple PDN connections for a given APN not allowed',
  56: 'collision with network initiated request',
  59: 'unsupported QCI value',
  60: 'bearer handling not supported',
  65: 'maximum number of EPS bearers reached',
  66: 'requested APN not supported in current RAT and PLMN combination',
  81: 'invalid PTI value',
  111: 'protocol error, unspecified',
  112: 'APN restriction value incompatible with active EPS bearer context',
});

/** S1AP causes per group, TS 36.413 §9.2.1.3 (values are the positions in each group's enumeration). */
export const S1AP_CAUSES: Readonly<Record<S1apCauseGroup, CodeTable>> = {
  radioNetwork: table({
    0: 'unspecified',
    1: 'tx2relocoverall-expiry',
    2: 'successful-handover',
    3: 'release-due-to-eutran-generated-reason',
    4: 'handover-cancelled',
    5: 'partial-handover',
    6: 'ho-failure-in-target-EPC-eNB-or-target-system',
    7: 'ho-target-not-allowed',
    8: 'tS1relocoverall-expiry',
    9: 'tS1relocprep-expiry',
    10: 'cell-not-available',
    11: 'unknown-targetID',
    12: 'no-radio-resources-available-in-target-cell',
    13: 'unknown-mme-ue-s1ap-id',
    14: 'unknown-enb-ue-s1ap-id',
    15: 'unknown-pair-ue-s1ap-id',
    16: 'handover-desirable-for-radio-reason',
    17: 'time-critical-handover',
    18: 'resource-optimisation-handover',
    19: 'reduce-load-in-serving-cell',
    20: 'user-inactivity',
    21: 'radio-connection-with-ue-lost',
    22: 'load-balancing-tau-required',
    23: 'cs-fallback-triggered',
    24: 'ue-not-available-for-ps-service',
    25: 'radio-resources-not-available',
    26: 'failure-in-radio-interface-procedure',
    27: 'invalid-qos-combination',
    28: 'interrat-redirection',
    29: 'interaction-with-other-procedure',
    30: 'unknown-E-RAB-ID',
    31: 'multiple-E-RAB-ID-instances',
    32: 'encryption-and-or-integrity-protection-algorithms-not-supported',
    33: 's1-intra-system-handover-triggered',
    34: 's1-inter-system-handover-triggered',
    35: 'x2-handover-triggered',
    36: 'redirection-towards-1xRTT',
    37: 'not-supported-QCI-value',
    38: 'invalid-CSG-Id',
  }),
  transport: table({ 0: 'transport-resource-unavailable', 1: 'unspecified' }),
  nas: table({ 0: 'normal-release', 1: 'authentication-failure', 2: 'detach', 3: 'unspecified', 4: 'csg-subscription-expiry' }),
  protocol: table({
    0: 'transfer-syntax-error',
    1: 'abstract-syntax-error-reject',
    2: 'abstract-syntax-error-ignore-and-notify',
    3: 'message-not-compatible-with-receiver-state',
    4: 'semantic-error',
    5: 'abstract-syntax-error-falsely-constructed-message',
    6: 'unspecified',
  }),
  misc: table({
    0: 'control-processing-overload',
    1: 'not-enough-user-plane-processing-resources',
    2: 'hardware-failure',
    3: 'om-intervention',
    4: 'unspecified',
    5: 'unknown-PLMN',
  }),
};

/** The classic drop: radioNetwork / radio-connection-with-ue-lost. */
export const S1AP_RADIO_CONNECTION_LOST = 21;

/**
 * Release causes that are NOT drops (DOMAIN.md §3): normal release, detach, user inactivity, O&M, CSFB,
 * UE-not-available-for-PS, inter-RAT redirection and the handover-related normal causes (a context released
 * because the UE moved on: successful or cancelled handover, handover triggers, load-balancing TAU).
 * Everything else — including causes hotspot has no name for — counts as abnormal.
 */
const NORMAL_RELEASE_CAUSES: Readonly<Record<S1apCauseGroup, readonly number[]>> = {
  radioNetwork: [2, 4, 16, 17, 18, 19, 20, 22, 23, 24, 28, 33, 34, 35, 36],
  transport: [],
  nas: [0, 2],
  protocol: [],
  misc: [3],
};

/** Cause values are 0..255 inside a group (TS 36.413 enumerations are far smaller). */
export const S1AP_CAUSE_SPACE = 256;

/**
 * ABNORMAL_RELEASE[groupCode * 256 + cause] is 1 when a release with that S1AP cause is a drop. groupCode is the
 * s1ap_cause_group vocabulary code (index in S1AP_CAUSE_GROUPS), i.e. what enumColumn() yields.
 */
export const ABNORMAL_RELEASE: Uint8Array = (() => {
  const t = new Uint8Array(S1AP_CAUSE_GROUPS.length * S1AP_CAUSE_SPACE).fill(1);
  S1AP_CAUSE_GROUPS.forEach((g, gi) => {
    for (const c of NORMAL_RELEASE_CAUSES[g]) t[gi * S1AP_CAUSE_SPACE + c] = 0;
  });
  return t;
})();

/**
 * Whether a release with this S1AP cause is abnormal (a drop). A null group (code < 0) means the record carries
 * no S1AP cause, which is not a drop. Causes outside 0..255 are abnormal (unknown is never "normal").
 */
export function isAbnormalRelease(groupCode: number, cause: number): boolean {
  if (groupCode < 0 || groupCode >= S1AP_CAUSE_GROUPS.length) return false;
  if (cause < 0 || cause >= S1AP_CAUSE_SPACE) return true;
  return ABNORMAL_RELEASE[groupCode * S1AP_CAUSE_SPACE + cause] === 1;
}

/** DNS response codes (RFC 1035 / 6895). 0 is success; null in the record means no answer. */
export const DNS_RCODES: CodeTable = table({
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
});

/** HTTP status class: 0 for "no answer" (status 0), else the hundreds digit (1..5); -1 when out of range. */
export function httpStatusClass(status: number): number {
  if (status === 0) return 0;
  if (status < 100 || status > 599) return -1;
  return (status / 100) | 0;
}

export const HTTP_STATUS_CLASS_NAMES: readonly string[] = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** DOMAIN.md §3: 2xx/3xx succeed; 4xx/5xx and no answer (0) fail. 1xx is interim, counted as failure here. */
export function isHttpFailure(status: number): boolean {
  const c = httpStatusClass(status);
  return c !== 2 && c !== 3;
}

export function isDnsFailure(rcode: number): boolean {
  return rcode !== 0;
}

const nameOr = (t: CodeTable, code: number, what: string): string => t.get(code) ?? `${what} ${code}`;

export const procedureStatusName = (code: number): string => PROCEDURE_STATUS_NAMES[code] ?? `status ${code}`;
export const rrcCauseName = (code: number): string => nameOr(RRC_ESTABLISHMENT_CAUSES, code, 'RRC cause');
export const emmCauseName = (code: number): string => nameOr(EMM_CAUSES, code, 'EMM cause');
export const esmCauseName = (code: number): string => nameOr(ESM_CAUSES, code, 'ESM cause');
export const dnsRcodeName = (code: number): string => nameOr(DNS_RCODES, code, 'rcode');

/** "radioNetwork/radio-connection-with-ue-lost" style name from a group code and cause. */
export function s1apCauseName(groupCode: number, cause: number): string {
  const g = S1AP_CAUSE_GROUPS[groupCode];
  if (g === undefined) return `s1ap cause ${cause}`;
  return `${g}/${S1AP_CAUSES[g].get(cause) ?? `cause ${cause}`}`;
}
