import { describe, expect, it } from 'vitest';
import { leadHistogram } from '../../src/replay/lead-time-plot.js';
import { esc, linearTicks, timeTicks, utcTime } from '../../src/replay/svg.js';

describe('leadHistogram', () => {
  it.each([
    { leads: [[0, 4.9, 5]], bin: 5, counts: [[2, 1]] },
    { leads: [[79.9]], bin: 5, counts: [[...new Array(15).fill(0), 1]] }, // 16 bins of 5 min fit
    { leads: [[80]], bin: 10, counts: [[0, 0, 0, 0, 0, 0, 0, 0, 1]] }, // 17 bins of 5 would not
    { leads: [[200, 15, 14.99]], bin: 15, counts: [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]] },
    { leads: [[], [30, 31]], bin: 5, counts: [[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 2]] },
    { leads: [[]], bin: 5, counts: [[0]] },
  ])('bins $leads into $bin-minute bins', ({ leads, bin, counts }) => {
    const h = leadHistogram(leads);
    expect(h.binMinutes).toBe(bin);
    expect(h.counts).toEqual(counts);
  });

  it('never loses a lead: every run’s counts sum to its number of finite leads', () => {
    const leads = [[1, 2, 3, 700, 1439.5], [0, 2000]];
    const h = leadHistogram(leads);
    expect(h.counts.map((c) => c.reduce((s, x) => s + x, 0))).toEqual([5, 2]);
    expect(h.counts[0].length).toBeLessThanOrEqual(16);
  });
});

describe('svg helpers', () => {
  it('escapes the five HTML specials', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('time ticks fall on whole UTC steps inside the range, at most maxTicks', () => {
    const start = Date.UTC(2026, 2, 2, 10, 7);
    const end = Date.UTC(2026, 2, 2, 22, 0);
    const ticks = timeTicks(start, end, 12);
    expect(ticks.length).toBeLessThanOrEqual(12);
    expect(ticks.map((t) => utcTime(t))).toEqual(['11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00', '21:00', '22:00']);
    expect(timeTicks(start, start + 30 * 60_000, 6).map((t) => utcTime(t))).toEqual(['10:10', '10:15', '10:20', '10:25', '10:30', '10:35']);
    expect(utcTime(Date.UTC(2026, 2, 3, 0, 0), true)).toBe('03-03 00:00');
  });

  it('linear ticks are 1/2/5 steps covering the range', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0, 7, 5)).toEqual([0, 2, 4, 6]);
  });
});
