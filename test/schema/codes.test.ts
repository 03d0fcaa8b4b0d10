import { describe, expect, it } from 'vitest';
import {
  ABNORMAL_RELEASE,
  EMM_CAUSES,
  ESM_CAUSES,
  S1AP_CAUSES,
  S1AP_CAUSE_SPACE,
  emmCauseName,
  esmCauseName,
  httpStatusClass,
  isAbnormalRelease,
  isHttpFailure,
  procedureStatusName,
  rrcCauseName,
  s1apCauseName,
  dnsRcodeName,
} from '../../src/schema/codes.js';
import { S1AP_CAUSE_GROUPS } from '../../src/schema/record.js';

const g = (name: (typeof S1AP_CAUSE_GROUPS)[number]) => S1AP_CAUSE_GROUPS.indexOf(name);

describe('isAbnormalRelease (DOMAIN.md §3)', () => {
  const cases: [string, number, number, boolean][] = [
    ['radio connection with UE lost — the classic drop', g('radioNetwork'), 21, true],
    ['radio resources not available', g('radioNetwork'), 25, true],
    ['failure in radio interface procedure', g('radioNetwork'), 26, true],
    ['unspecified radio cause', g('radioNetwork'), 0, true],
    ['user inactivity', g('radioNetwork'), 20, false],
    ['CS fallback triggered', g('radioNetwork'), 23, false],
    ['UE not available for PS', g('radioNetwork'), 24, false],
    ['inter-RAT redirection', g('radioNetwork'), 28, false],
    ['successful handover', g('radioNetwork'), 2, false],
    ['handover desirable for radio reason', g('radioNetwork'), 16, false],
    ['x2 handover triggered', g('radioNetwork'), 35, false],
    ['relocation timer expiry', g('radioNetwork'), 8, true],
    ['normal release', g('nas'), 0, false],
    ['detach', g('nas'), 2, false],
    ['authentication failure', g('nas'), 1, true],
    ['O&M intervention', g('misc'), 3, false],
    ['control processing overload', g('misc'), 0, true],
    ['transport resource unavailable', g('transport'), 0, true],
    ['protocol error', g('protocol'), 4, true],
    ['a cause hotspot has no name for', g('radioNetwork'), 200, true],
    ['a cause beyond the table', g('nas'), 999, true],
    ['no S1AP cause (null group)', -1, 0, false],
  ];
  for (const [what, group, cause, abnormal] of cases) {
    it(`${what}: ${abnormal ? 'abnormal' : 'normal'}`, () => expect(isAbnormalRelease(group, cause)).toBe(abnormal));
  }

  it('the typed table agrees with the function for every group and cause', () => {
    expect(ABNORMAL_RELEASE.length).toBe(S1AP_CAUSE_GROUPS.length * S1AP_CAUSE_SPACE);
    for (let gi = 0; gi < S1AP_CAUSE_GROUPS.length; gi++) {
      for (let c = 0; c < S1AP_CAUSE_SPACE; c++) {
        expect(ABNORMAL_RELEASE[gi * S1AP_CAUSE_SPACE + c] === 1).toBe(isAbnormalRelease(gi, c));
      }
    }
  });
});

describe('code names', () => {
  it('names the DOMAIN.md §3 codes', () => {
    expect(procedureStatusName(2)).toBe('timeout');
    expect(rrcCauseName(4)).toBe('mo-Data');
    expect(emmCauseName(22)).toBe('congestion');
    expect(emmCauseName(19)).toBe('ESM failure');
    expect(esmCauseName(27)).toBe('missing or unknown APN');
    expect(s1apCauseName(g('radioNetwork'), 21)).toBe('radioNetwork/radio-connection-with-ue-lost');
    expect(s1apCauseName(g('misc'), 3)).toBe('misc/om-intervention');
    expect(dnsRcodeName(3)).toBe('NXDOMAIN');
    expect(emmCauseName(250)).toBe('EMM cause 250');
  });

  it('holds every cause DOMAIN.md lists', () => {
    for (const c of [2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 19, 20, 21, 22, 40, 42, 111]) expect(EMM_CAUSES.has(c)).toBe(true);
    for (const c of [8, 26, 27, 29, 30, 31, 33, 34, 36, 38, 65]) expect(ESM_CAUSES.has(c)).toBe(true);
    for (const c of [0, 2, 4, 8, 9, 10, 12, 16, 17, 19, 20, 21, 22, 23, 24, 25, 26, 28]) expect(S1AP_CAUSES.radioNetwork.has(c)).toBe(true);
    expect([...S1AP_CAUSES.protocol.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('classes HTTP statuses', () => {
    expect([0, 101, 204, 302, 404, 503, 42].map(httpStatusClass)).toEqual([0, 1, 2, 3, 4, 5, -1]);
    expect([0, 200, 301, 404, 500].map(isHttpFailure)).toEqual([true, false, false, true, true]);
  });
});
