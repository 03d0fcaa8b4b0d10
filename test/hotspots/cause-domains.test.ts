import { describe, expect, it } from 'vitest';
import { domainOfFeature, FAULT_DOMAINS, isCauseCodeFeature, mapFeatureDomains } from '../../src/hotspots/cause-domains.js';
import { poissonUpperTail } from '../../src/hotspots/poisson.js';

describe('feature → fault domain table', () => {
  it.each([
    ['cnt_s1ap_radioNetwork_21', 'radio', true],
    ['d_base_cnt_s1ap_radioNetwork_21', 'radio', true],
    ['cnt_s1ap_radioNetwork_25', 'congestion', true],
    ['cnt_s1ap_transport_0', 'transport', true],
    ['cnt_s1ap_misc_0', 'core', true],
    ['cnt_emm_22', 'core', true],
    ['cnt_emm_7', 'subscription', true],
    ['cnt_emm_19', 'pgw_apn', true],
    ['cnt_esm_27', 'pgw_apn', true],
    ['cnt_esm_8', 'subscription', true],
    ['ratio_fail_attach', 'core', false],
    ['cnt_service_request_2', 'core', false],
    ['ratio_fail_x2_handover', 'radio', false],
    ['ratio_fail_erab_setup', 'radio', false],
    ['ratio_fail_pdn_connect', 'pgw_apn', false],
    ['ratio_abnormal_release', 'radio', false],
    ['d_prev_ratio_tcp_retrans', 'transport', false],
    ['mean_tcp_syn_ack_delay_ms', 'transport', false],
    ['mean_tcp_ack_delay_ms', 'radio', false],
    ['ratio_dns_fail', 'dns', false],
    // resolver failures are the DNS domain's cause codes; NXDOMAIN (the user's typo most of the time) is not
    ['cnt_dns_servfail', 'dns', true],
    ['cnt_dns_refused', 'dns', true],
    ['d_base_cnt_dns_no_answer', 'dns', true],
    ['cnt_dns_nxdomain', 'dns', false],
    // the names features/s1-v1.json produces
    ['cnt_s1ap_radio_lost', 'radio', true],
    ['cnt_s1ap_cell_not_available', 'radio', true],
    ['cnt_s1ap_radio_resources', 'congestion', true],
    ['cnt_s1ap_reduce_load', 'congestion', true],
    ['cnt_s1ap_transport', 'transport', true],
    ['cnt_s1ap_overload', 'core', true],
    ['r_base_ratio_fail_service_request', 'core', false],
    ['r_base_mean_tcp_syn_ack_delay_ms', 'transport', false],
    ['cnt_release_abnormal', 'radio', false],
    ['mean_sr_duration_ms', 'core', false],
    ['ratio_tcp_fail', 'transport', false],
  ])('%s → %s', (feature, domain, code) => {
    expect(FAULT_DOMAINS[domainOfFeature(feature)]).toBe(domain);
    expect(isCauseCodeFeature(feature)).toBe(code);
  });

  it('leaves features with no fault meaning unmapped', () => {
    expect(domainOfFeature('sum_dl_bytes')).toBe(-1);
  });
});

describe('poissonUpperTail', () => {
  const exact = (k: number, l: number) => {
    let term = Math.exp(-l);
    let below = 0;
    for (let i = 0; i < k; i++) {
      below += term;
      term *= l / (i + 1);
    }
    return 1 - below;
  };
  it.each([
    [0, 2],
    [1, 0.5],
    [3, 0.5],
    [5, 1],
    [10, 12],
    [30, 2],
  ])('P(X ≥ %d | λ = %d) agrees with direct summation', (k, l) => {
    const want = exact(k, l);
    expect(Math.abs(poissonUpperTail(k, l) - want)).toBeLessThan(1e-12 + want * 1e-9);
  });
  it('is tiny far in the tail and never NaN', () => {
    const p = poissonUpperTail(100, 1);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-150);
    expect(poissonUpperTail(5, 0)).toBe(0);
  });
});

describe('the MME\'s own overload codes', () => {
  it('flags EMM 22 and S1AP overload (also as differentials), not other core codes or failure ratios', () => {
    const names = ['cnt_emm_22', 'd_prev_cnt_emm_22', 'cnt_s1ap_overload', 'cnt_s1ap_misc_0', 'cnt_emm_17', 'cnt_emm_other', 'ratio_fail_tau', 'cnt_emm_15'];
    const map = mapFeatureDomains(names);
    expect(names.filter((_, i) => map.mmeOverload[i] === 1)).toEqual(['cnt_emm_22', 'd_prev_cnt_emm_22', 'cnt_s1ap_overload', 'cnt_s1ap_misc_0']);
  });
});
