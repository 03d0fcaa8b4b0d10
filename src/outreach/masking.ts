// The one masking function for subscriber identifiers. MSISDNs and full IMSIs appear only in outreach output;
// every other sink (store, alerts, logs, API) carries the masked id. A keyed hash (HMAC-SHA-256) rather than a
// plain hash, because IMSIs live in a small, enumerable space: without the key a plain hash is reversible by
// brute force. The same key gives the same id in every table, so ops can join a user across tables and runs.
import { createHmac } from 'node:crypto';

/** Development key; production sets HOTSPOT_MASK_KEY (or passes a key) so ids cannot be reversed. */
export const DEFAULT_MASK_KEY = 'hotspot-dev-mask-key';
/** Hex characters of the HMAC kept: 64 bits, collision-free in practice for an operator's subscriber base. */
export const MASKED_ID_HEX_CHARS = 16;
export const MASKED_ID_PREFIX = 'u_';

export type Masker = (id: string | number) => string;

export function maskKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const key = env.HOTSPOT_MASK_KEY;
  return key && key.length > 0 ? key : DEFAULT_MASK_KEY;
}

/** Canonical text of an identifier: IMSIs arrive as 15-digit strings or as numbers (exact in float64). */
export function identifierText(id: string | number): string {
  return typeof id === 'number' ? (Number.isFinite(id) ? id.toFixed(0) : '') : id.trim();
}

/** Masks one identifier (IMSI or MSISDN) with `key`: `u_` + 16 hex chars of HMAC-SHA-256. */
export function maskIdentifier(id: string | number, key: string = DEFAULT_MASK_KEY): string {
  const text = identifierText(id);
  return MASKED_ID_PREFIX + createHmac('sha256', key).update(text).digest('hex').slice(0, MASKED_ID_HEX_CHARS);
}

/**
 * A memoising masker: scored windows repeat the same users every 15 minutes, so the HMAC is computed once per
 * user. `maxEntries` bounds memory; past it the cache is cleared (ids stay identical, only recomputed).
 */
export function createMasker(key: string = DEFAULT_MASK_KEY, maxEntries = 2_000_000): Masker {
  const cache = new Map<string | number, string>();
  return (id) => {
    let masked = cache.get(id);
    if (masked === undefined) {
      masked = maskIdentifier(id, key);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(id, masked);
    }
    return masked;
  };
}

/** For human-facing text only (never a join key): `46000*******789`. */
export function partiallyMaskedImsi(id: string | number): string {
  const text = identifierText(id);
  if (text.length <= 8) return '*'.repeat(text.length);
  return text.slice(0, 5) + '*'.repeat(text.length - 8) + text.slice(-3);
}
