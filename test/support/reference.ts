// Where LightGBM's reference models live: ../shared/reference/lightgbm beside the repository (as in CI), or
// HOTSPOT_REFERENCE_DIR. Tests that need it skip with a message when it is absent.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REFERENCE_DIR = process.env.HOTSPOT_REFERENCE_DIR ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'lightgbm');
export const HAVE_REFERENCE = existsSync(join(REFERENCE_DIR, 'README.md'));
if (!HAVE_REFERENCE) console.warn(`LightGBM reference set not found at ${REFERENCE_DIR}: reference tests skipped (set HOTSPOT_REFERENCE_DIR)`);
