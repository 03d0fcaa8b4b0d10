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
 * user. Numeric IMSIs (the hot path: ScoredWindow.imsi) go through an open-addressing table on the float64 bits,
 * several times faster than a Map keyed by non-small-integer numbers; strings use a Map. `maxEntries` bounds
 * memory; past it the caches are cleared (ids stay identical, only recomputed).
 */
export function createMasker(key: string = DEFAULT_MASK_KEY, maxEntries = 2_000_000): Masker {
  const byText = new Map<string, string>();
  const byNumber = new NumberKeyedStrings();
  return (id) => {
    if (typeof id === 'number') {
      let masked = byNumber.get(id);
      if (masked === undefined) {
        masked = maskIdentifier(id, key);
        if (byNumber.size >= maxEntries) byNumber.clear();
        byNumber.set(id, masked);
      }
      return masked;
    }
    let masked = byText.get(id);
    if (masked === undefined) {
      masked = maskIdentifier(id, key);
      if (byText.size >= maxEntries) byText.clear();
      byText.set(id, masked);
    }
    return masked;
  };
}

/** float64 → string, open addressing with linear probing over the key's bit pattern. */
class NumberKeyedStrings {
  private keys = new Float64Array(1 << 16);
  private values: (string | undefined)[] = new Array(1 << 16);
  private used = new Uint8Array(1 << 16);
  size = 0;
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);

  private slot(key: number): number {
    this.bits[0] = key;
    const h = Math.imul(this.words[0] ^ Math.imul(this.words[1], 0x9e3779b1), 0x85ebca6b);
    return (h ^ (h >>> 15)) & (this.keys.length - 1);
  }

  get(key: number): string | undefined {
    const mask = this.keys.length - 1;
    for (let i = this.slot(key); this.used[i]; i = (i + 1) & mask) if (this.keys[i] === key) return this.values[i];
    return undefined;
  }

  set(key: number, value: string): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let i = this.slot(key);
    while (this.used[i] && this.keys[i] !== key) i = (i + 1) & mask;
    if (!this.used[i]) this.size++;
    this.used[i] = 1;
    this.keys[i] = key;
    this.values[i] = value;
  }

  clear(): void {
    this.used.fill(0);
    this.values.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const { keys, values, used } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Array(keys.length * 2);
    this.used = new Uint8Array(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (used[i]) this.set(keys[i], values[i]!);
  }
}

/** For human-facing text only (never a join key): `46000*******789`. */
export function partiallyMaskedImsi(id: string | number): string {
  const text = identifierText(id);
  if (text.length <= 8) return '*'.repeat(text.length);
  return text.slice(0, 5) + '*'.repeat(text.length - 8) + text.slice(-3);
}
