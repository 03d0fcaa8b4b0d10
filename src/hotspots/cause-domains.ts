// Feature name → fault domain (DOMAIN.md §4), as one declarative table of name patterns. The feature engine may
// rename or add features; only this table changes. First matching rule wins, so specific cause codes come before
// the catch-all of their family. Differential features (`d_prev_*`, `d_base_*`, `r_base_*`) map like the feature they compare.

export const FAULT_DOMAINS = ['radio', 'transport', 'core', 'pgw_apn', 'dns', 'subscription', 'congestion'] as const;
export type FaultDomain = (typeof FAULT_DOMAINS)[number];

export interface DomainRule {
  /** Matched against the feature name with any `d_prev_` / `d_base_` / `r_base_` prefix removed. */
  readonly pattern: RegExp;
  readonly domain: FaultDomain;
  /** Whether the feature is a cause code ("a code that moved" is evidence in itself). */
  readonly causeCode?: boolean;
  /** Why, for the reader: the DOMAIN.md §4 signature this rule encodes. */
  readonly why: string;
}

const ATTACH_LIKE = '(?:attach|tau|service_request|extended_service_request|paging|detach)';

export const DOMAIN_RULES: readonly DomainRule[] = [
  // S1AP causes as features/s1-v1.json buckets them (cnt_s1ap_<bucket>), TS 36.413
  { pattern: /^cnt_s1ap_(?:radio_resources|reduce_load)$/, domain: 'congestion', causeCode: true, why: 'radio resources not available, reduce load' },
  { pattern: /^cnt_s1ap_(?:radio_lost|radio_interface_failure|cell_not_available|no_resources_target)$/, domain: 'radio', causeCode: true, why: 'radio-connection-lost, radio interface failure, cell not available, handover target without resources' },
  { pattern: /^cnt_s1ap_transport$/, domain: 'transport', causeCode: true, why: 'transport-resource-unavailable' },
  { pattern: /^cnt_s1ap_overload$/, domain: 'core', causeCode: true, why: 'control-processing-overload (MME storm)' },
  // S1AP causes by group and value, TS 36.413
  { pattern: /^cnt_s1ap_radioNetwork_(?:12|19|22|25)$/, domain: 'congestion', causeCode: true, why: 'no/insufficient radio resources, reduce load, load balancing' },
  { pattern: /^cnt_s1ap_radioNetwork_/, domain: 'radio', causeCode: true, why: 'radio-connection-lost (21), radio interface failures, cell not available' },
  { pattern: /^cnt_s1ap_transport_/, domain: 'transport', causeCode: true, why: 'transport-resource-unavailable' },
  { pattern: /^cnt_s1ap_nas_1$/, domain: 'subscription', causeCode: true, why: 'authentication failure' },
  { pattern: /^cnt_s1ap_misc_0$/, domain: 'core', causeCode: true, why: 'control-processing-overload (MME storm)' },
  { pattern: /^cnt_s1ap_misc_1$/, domain: 'congestion', causeCode: true, why: 'not enough user-plane resources' },
  { pattern: /^cnt_s1ap_misc_2$/, domain: 'radio', causeCode: true, why: 'eNB hardware failure' },
  { pattern: /^cnt_s1ap_protocol_/, domain: 'core', causeCode: true, why: 'protocol errors between eNB and MME' },
  // EMM causes, TS 24.301
  { pattern: /^cnt_emm_(?:2|3|6|7|8|9|11|13|15)$/, domain: 'subscription', causeCode: true, why: 'HSS rejects: IMSI unknown, illegal UE/ME, EPS not allowed, roaming' },
  { pattern: /^cnt_emm_12$/, domain: 'radio', causeCode: true, why: 'TA not allowed: wrong TAC after a cut-over' },
  { pattern: /^cnt_emm_19$/, domain: 'pgw_apn', causeCode: true, why: 'ESM failure: the PDN connection failed' },
  { pattern: /^cnt_emm_/, domain: 'core', causeCode: true, why: 'congestion (22), network failure (17/42): the MME pool' },
  // ESM causes
  { pattern: /^cnt_esm_(?:8|29)$/, domain: 'subscription', causeCode: true, why: 'operator barring, user authentication failed' },
  { pattern: /^cnt_esm_/, domain: 'pgw_apn', causeCode: true, why: 'insufficient resources, unknown APN, rejected by SGW/PGW' },
  // Procedures
  { pattern: /^(?:cnt|ratio_fail)_(?:pdn_connect)(?:_|$)/, domain: 'pgw_apn', why: 'PDN connectivity fails at the PGW' },
  { pattern: /^(?:cnt|ratio_fail)_(?:x2_handover|s1_handover_out|s1_handover_in)(?:_|$)/, domain: 'radio', why: 'handover failures: coverage, neighbours' },
  { pattern: /^(?:cnt|ratio_fail)_(?:erab_setup|erab_release|ue_context_release)(?:_|$)/, domain: 'radio', why: 'bearer set-up failures and drops' },
  { pattern: new RegExp(`^(?:cnt|ratio_fail)_${ATTACH_LIKE}(?:_|$)`), domain: 'core', why: 'attach/TAU/service-request failures and timeouts: MME pool' },
  { pattern: /abnormal_release|release_abnormal|radio_lost|drop/, domain: 'radio', why: 'abnormal releases are drops' },
  { pattern: /^(?:mean|max|std)_(?:proc|sr)_duration_ms$/, domain: 'core', why: 'longer procedure delays: an overloaded MME pool' },
  { pattern: /^(?:mean|max)_ho_duration_ms$/, domain: 'radio', why: 'slow handovers: radio' },
  { pattern: /bearer/, domain: 'pgw_apn', why: 'failed bearers' },
  // User plane. DNS response codes (RFC 1035/6895) are cause codes like EMM/ESM causes: SERVFAIL, REFUSED and
  // queries left unanswered are the resolver failing; NXDOMAIN is most often the user's own typo (a steady ~3 %
  // of answers with or without a fault), so it stays a plain dns feature.
  { pattern: /^cnt_dns_(?:servfail|refused|no_answer)$/, domain: 'dns', causeCode: true, why: 'resolver SERVFAIL, REFUSED, no answer' },
  { pattern: /dns/, domain: 'dns', why: 'DNS SERVFAIL/REFUSED or no answer' },
  { pattern: /tcp_ack_delay/, domain: 'radio', why: 'SYN-ACK → ACK is the UE/radio side' },
  { pattern: /retrans|syn_ack_delay|first_response|out_of_order|throughput|tcp_conn|tcp_fail|http/, domain: 'transport', why: 'retransmissions, server-side delay, low throughput: backhaul' },
  { pattern: /users_per_cell|cell_load/, domain: 'congestion', why: 'many users per cell' },
];

/**
 * Codes only an overloaded MME answers with: EMM 22 congestion (with back-off) and S1AP control-processing-overload.
 * Wherever they come from they name the MME pool, so they keep an incident core even when it looks local.
 */
export const MME_OVERLOAD_CODES = /^cnt_(?:emm_22|s1ap_overload|s1ap_misc_0)$/;

const DIFFERENTIAL_PREFIX = /^(?:d_prev_|d_base_|r_base_)+/;

export function baseFeatureName(feature: string): string {
  return feature.replace(DIFFERENTIAL_PREFIX, '');
}

/** Domain index (into FAULT_DOMAINS) of one feature, or -1 when no rule matches (e.g. plain volume). */
export function domainOfFeature(feature: string, rules: readonly DomainRule[] = DOMAIN_RULES): number {
  const name = baseFeatureName(feature);
  for (const rule of rules) if (rule.pattern.test(name)) return FAULT_DOMAINS.indexOf(rule.domain);
  return -1;
}

export function isCauseCodeFeature(feature: string, rules: readonly DomainRule[] = DOMAIN_RULES): boolean {
  const name = baseFeatureName(feature);
  for (const rule of rules) if (rule.pattern.test(name)) return rule.causeCode === true;
  return false;
}

/** Per-feature domain indices and cause-code flags for one feature list; computed once per model, not per row. */
export interface FeatureDomainMap {
  readonly featureNames: readonly string[];
  readonly domain: Int8Array;
  readonly causeCode: Uint8Array;
  /** Indices of the cause-code features that have a domain: the codes whose movement is evidence. */
  readonly codeFeatures: Int32Array;
  /** 1 for the MME's own overload codes (MME_OVERLOAD_CODES). */
  readonly mmeOverload: Uint8Array;
}

export function mapFeatureDomains(featureNames: readonly string[], rules: readonly DomainRule[] = DOMAIN_RULES): FeatureDomainMap {
  const domain = new Int8Array(featureNames.length);
  const causeCode = new Uint8Array(featureNames.length);
  featureNames.forEach((f, i) => {
    domain[i] = domainOfFeature(f, rules);
    causeCode[i] = isCauseCodeFeature(f, rules) ? 1 : 0;
  });
  const codeFeatures = Int32Array.from(featureNames.keys()).filter((i) => causeCode[i] === 1 && domain[i] >= 0);
  const mmeOverload = Uint8Array.from(featureNames, (f, i) => (causeCode[i] === 1 && MME_OVERLOAD_CODES.test(baseFeatureName(f)) ? 1 : 0));
  return { featureNames, domain, causeCode, codeFeatures, mmeOverload };
}
