// The report in a real browser: Debian's headless chromium loads the file from disk, renders it to a PNG and dumps
// the DOM after load. Skipped (with the reason) only when no chromium binary is installed (`apt-get install chromium`).
// Set HOTSPOT_REPORT_KEEP_DIR=<dir> to keep the HTML and screenshots for a look.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReplayReport } from '../../src/replay/report-html.js';
import { eventsA, eventsB, reportInput, run } from './fixtures.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const chromium = [process.env.CHROMIUM_BIN, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));

const work = mkdtempSync(join(tmpdir(), 'hotspot-report-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function browse(htmlFile: string, extra: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(join(work, 'profile-'));
  const res = spawnSync(
    chromium!,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars',
      // Finish layout and raster before the screenshot is taken (a loaded machine otherwise yields half-painted tiles).
      '--run-all-compositor-stages-before-draw', '--virtual-time-budget=5000',
      // Nothing may be fetched: any attempt to resolve a host fails, so a remote resource would be missing.
      '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${profile}`, ...extra, `file://${htmlFile}`,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { stdout: res.stdout ?? '', stderr: res.stderr ?? '', status: res.status };
}

/** Width and height from the PNG header. */
function pngSize(file: string): { width: number; height: number } {
  const buf = readFileSync(file);
  expect(buf.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe.skipIf(!chromium)('replay report in headless chromium', () => {
  for (const [name, runs] of [
    ['single', () => [run('default', eventsA(), 11, 2.5)]],
    ['comparison', () => [run('default', eventsA(), 11, 2.5), run('candidate', eventsB(), 12, 3.5)]],
  ] as const) {
    it(`renders the ${name} report: DOM after load holds the plots, the screenshot is drawn`, () => {
      const html = renderReplayReport(reportInput(runs()));
      const file = join(work, `report-${name}.html`);
      writeFileSync(file, html);

      // One browser start does both: the DOM after load on stdout, and the screenshot.
      const png = join(work, `report-${name}.png`);
      const dom = browse(file, ['--dump-dom', `--screenshot=${png}`, '--window-size=1400,2400']);
      expect(dom.status, dom.stderr.slice(-2000)).toBe(0);
      for (const plot of ['timeline', 'lead-times', 'pr-curve']) expect(dom.stdout).toMatch(new RegExp(`<svg[^>]*data-plot="${plot}"`));
      const timelines = dom.stdout.match(/data-plot="timeline"/g) ?? [];
      expect(timelines).toHaveLength(name === 'comparison' ? 2 : 1);
      // The browser parsed the markup as intended: the escaped region name is text, not a <b> element.
      expect(dom.stdout).not.toContain('<b>&amp;');
      expect(dom.stdout).toContain('south &lt;b&gt;&amp;amp; "coast"&lt;/b&gt;');
      expect(dom.stdout.match(/class="alert-bar"/g)?.length).toBe(html.match(/class="alert-bar"/g)?.length);
      expect(dom.stdout.match(/class="complaint"/g)?.length).toBe(html.match(/class="complaint"/g)?.length);

      expect(existsSync(png)).toBe(true);
      expect(pngSize(png)).toEqual({ width: 1400, height: 2400 });
      // A blank page compresses to a few KB; a page with tables and plots does not.
      expect(statSync(png).size).toBeGreaterThan(60_000);

      const keep = process.env.HOTSPOT_REPORT_KEEP_DIR;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        writeFileSync(join(keep, `report-${name}.html`), html);
        writeFileSync(join(keep, `report-${name}.png`), readFileSync(png));
      }
    });
  }
});

if (!chromium) {
  describe('replay report in headless chromium', () => {
    it.skip('skipped: no chromium binary found (apt-get install -y chromium, or set CHROMIUM_BIN)', () => {});
  });
}
