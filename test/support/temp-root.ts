// Vitest global setup: every test's temporary files (mkdtemp under os.tmpdir(), and those of the processes the tests
// start) go to one directory per run, removed at the end, so repeated runs do not fill /tmp with leftovers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'hotspot-tests-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
