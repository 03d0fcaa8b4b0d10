import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_FEATURES, DEFAULT_SPEC_PATH, compileSpec, loadFeatureSpec, parseFeatureSpec } from '../../src/features/index.js';

const raw = JSON.parse(readFileSync(DEFAULT_SPEC_PATH, 'utf8'));

/** The same object with its keys in reverse order at every level. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

describe('feature spec', () => {
  it('loads the default s1-v1 spec with its families and a hash', async () => {
    const spec = await loadFeatureSpec();
    expect(spec.name).toBe('s1-v1');
    expect(spec.windowMs).toBe(900_000);
    expect(spec.hash).toMatch(/^[0-9a-f]{64}$/);
    const names = compileSpec(spec).featureNames;
    expect(names.length).toBeGreaterThanOrEqual(100);
    expect(names.length).toBeLessThanOrEqual(230);
    expect(names.slice(0, BUILTIN_FEATURES.length)).toEqual([...BUILTIN_FEATURES]);
    for (const n of ['cnt_service_request_fail', 'cnt_attach_timeout', 'ratio_fail_attach', 'mean_tcp_syn_ack_delay_ms',
      'std_first_response_delay_ms', 'cnt_release_abnormal', 'cnt_emm_22', 'cnt_s1ap_radio_lost', 'cnt_dns_no_answer',
      'cnt_http_5xx', 'cnt_qci_1', 'ratio_retrans', 'throughput_dl_kbps', 'd_prev_cnt_records', 'd_base_ratio_fail_all',
      'r_base_mean_tcp_syn_ack_delay_ms'])
      expect(names).toContain(n);
  });

  it('hashes the canonical form: key order and whitespace do not change it, content does', () => {
    const a = parseFeatureSpec(raw);
    const b = parseFeatureSpec(JSON.parse(JSON.stringify(reverseKeys(raw), null, 7)));
    expect(b.hash).toBe(a.hash);
    const c = parseFeatureSpec({ ...raw, baseline: { ...raw.baseline, alpha: 0.2 } });
    expect(c.hash).not.toBe(a.hash);
  });

  it.each([
    ['unknown field', { onehot: [{ name: 'x', field: 'no_such_column' }] }, /unknown field 'no_such_column'/],
    ['bad enum bucket value', { onehot: [{ name: 'x', field: 'app_type', buckets: { a: ['telnet'] } }] }, /'telnet' is not a app_type value/],
    ['value in two buckets', { onehot: [{ name: 'x', field: 'emm_cause', buckets: { a: [3], b: [3] } }] }, /in two buckets/],
    ['free-text field', { stats: [{ name: 'x', field: 'apn', stats: ['sum'] }] }, /free text/],
    ['categorical as numeric', { stats: [{ name: 'x', field: 'app_type', stats: ['sum'] }] }, /categorical, not numeric/],
    ['ratio of unknown quantity', { ratios: [{ name: 'x', num: ['cnt_nothing'], den: ['cnt_records'] }] }, /unknown quantity 'cnt_nothing'/],
    ['glob matching nothing', { ratios: [{ name: 'x', num: ['zz_*'], den: ['cnt_records'] }] }, /matches no quantity/],
    ['differential of unknown feature', { differential: { features: ['nope'] } }, /differential: unknown feature 'nope'/],
    ['bad s1ap value', { onehot: [{ name: 'x', field: 's1ap', buckets: { a: ['radio/21'] } }] }, /not group\/cause/],
    ['silence bins too many', { window: { lengthMs: 900000, silenceBins: 31 } }, /silenceBins/],
    ['unknown key', { extra: 1 }, /extra/],
  ])('rejects a spec with %s, naming the problem', (_what, patch, message) => {
    const bad = { ...raw, onehot: [], stats: [], ratios: [], differential: { features: [] }, ...patch };
    expect(() => parseFeatureSpec(bad, 'bad.json')).toThrow(message);
  });

  it('reports a missing or non-JSON spec file clearly', async () => {
    await expect(loadFeatureSpec('/nonexistent/spec.json')).rejects.toThrow(/cannot read feature spec/);
    await expect(loadFeatureSpec(new URL(import.meta.url).pathname)).rejects.toThrow(/is not JSON/);
  });
});
