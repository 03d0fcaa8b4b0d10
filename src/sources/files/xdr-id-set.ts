// Duplicate xdr_id detection with bounded memory.
//
// Memory bound: each xdr_id is reduced to a 64-bit fingerprint (two independent 32-bit hashes) kept in an
// open-addressing table. Two generations are kept: when the current one holds GENERATION_IDS fingerprints it
// becomes the previous one and the older generation is dropped. So duplicates are detected within the last
// 2–4 M distinct records (probes repeat records close together — retransmitted exports, overlapping files), at a
// fixed cost of at most 2 × 4 M slots × 8 bytes = 64 MB, however large the input. A false positive needs a full
// 64-bit collision: about 1 in 4·10^12 for 4 M ids.

const MIN_SLOTS = 1 << 16;
/** Slots per generation at most (load factor ≤ 0.5 → at most GENERATION_IDS ids). */
const MAX_SLOTS = 1 << 22;
export const GENERATION_IDS = MAX_SLOTS >>> 1;

class FingerprintTable {
  hi: Uint32Array;
  lo: Uint32Array;
  size = 0;
  constructor(slots: number) {
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
  }

  has(h1: number, h2: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const a = this.hi[i];
      const b = this.lo[i];
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
    }
  }

  /** Inserts if absent; returns false when it was already present. */
  insert(h1: number, h2: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const a = this.hi[i];
      const b = this.lo[i];
      if (a === 0 && b === 0) {
        this.hi[i] = h1;
        this.lo[i] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  grow(): FingerprintTable {
    const t = new FingerprintTable(this.hi.length * 2);
    for (let i = 0; i < this.hi.length; i++) if (this.hi[i] !== 0 || this.lo[i] !== 0) t.insert(this.hi[i], this.lo[i]);
    return t;
  }
}

export class XdrIdSet {
  private current = new FingerprintTable(MIN_SLOTS);
  private previous: FingerprintTable | null = null;
  private h1 = 0;
  private h2 = 0;

  /** Records an id given as UTF-8 bytes; returns true when it was seen before (a duplicate). */
  seenBytes(src: Uint8Array, start: number, end: number): boolean {
    // FNV-1a and a multiplicative hash with a different seed: independent enough for a 64-bit fingerprint.
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = start; i < end; i++) {
      const c = src[i];
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.finish(a, b, end - start);
    return this.seenFingerprint();
  }

  /** Records an id given as a string (hashes UTF-16 code units; use one form consistently per set). */
  seenText(s: string): boolean {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.finish(a, b, s.length);
    return this.seenFingerprint();
  }

  private finish(a: number, b: number, len: number): void {
    // Final avalanche (murmur3 fmix32) so short ids spread over the table.
    a ^= len;
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    b ^= b >>> 16;
    b = Math.imul(b, 0x85ebca6b);
    b ^= b >>> 13;
    this.h1 = a >>> 0;
    this.h2 = (b >>> 0) || 1; // (0, 0) marks an empty slot
  }

  private seenFingerprint(): boolean {
    const { h1, h2 } = this;
    if (this.previous?.has(h1, h2)) return true;
    if (!this.current.insert(h1, h2)) return true;
    if (this.current.size * 2 >= this.current.hi.length) {
      if (this.current.hi.length < MAX_SLOTS) this.current = this.current.grow();
      else {
        this.previous = this.current;
        this.current = new FingerprintTable(MAX_SLOTS);
      }
    }
    return false;
  }
}
