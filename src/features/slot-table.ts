// Open-addressing hash from a numeric key (an IMSI as a float64, exact below 2^53) to a dense slot id. Per-user
// state lives in struct-of-arrays typed arrays indexed by slot, so the table holds no objects per user.

const EMPTY = -1;

export function hashKey(key: number): number {
  // IMSIs are < 2^50: mix the low and high 32-bit halves (murmur-style finaliser).
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface SlotTableParts {
  keys: Float64Array;
  free: Int32Array;
  next: number;
}

export class SlotTable {
  /** keys[slot]; NaN when the slot is free. */
  keys: Float64Array;
  private index: Int32Array; // hash position → slot, EMPTY when unused
  private mask: number;
  private free: Int32Array;
  private freeCount = 0;
  /** Slots ever handed out (the high-water mark); slots below it may be free. */
  next = 0;
  size = 0;
  /** Called with the new slot capacity after the key array grew, so owners grow their per-slot arrays. */
  onGrow: (capacity: number) => void = () => {};

  constructor(capacity = 1024) {
    const cap = Math.max(16, capacity);
    this.keys = new Float64Array(cap).fill(NaN);
    this.free = new Int32Array(cap);
    this.index = new Int32Array(tableSizeFor(cap)).fill(EMPTY);
    this.mask = this.index.length - 1;
  }

  get capacity(): number {
    return this.keys.length;
  }

  find(key: number): number {
    const keys = this.keys;
    const index = this.index;
    let p = hashKey(key) & this.mask;
    for (;;) {
      const s = index[p];
      if (s === EMPTY) return -1;
      if (keys[s] === key) return s;
      p = (p + 1) & this.mask;
    }
  }

  /** Inserts a key known to be absent and returns its new slot. */
  insert(key: number): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.free[--this.freeCount];
    else {
      if (this.next === this.keys.length) this.grow();
      slot = this.next++;
    }
    this.keys[slot] = key;
    this.size++;
    this.place(key, slot);
    return slot;
  }

  /** Removes a slot; linear probing with backward-shift deletion keeps lookups tombstone-free. */
  remove(slot: number): void {
    const key = this.keys[slot];
    if (Number.isNaN(key)) return;
    const index = this.index;
    const mask = this.mask;
    let p = hashKey(key) & mask;
    while (index[p] !== slot) p = (p + 1) & mask;
    let hole = p;
    let q = (p + 1) & mask;
    for (;;) {
      const s = index[q];
      if (s === EMPTY) break;
      const home = hashKey(this.keys[s]) & mask;
      // Move s into the hole unless its home lies cyclically in (hole, q].
      const inRange = hole <= q ? home > hole && home <= q : home > hole || home <= q;
      if (!inRange) {
        index[hole] = s;
        hole = q;
      }
      q = (q + 1) & mask;
    }
    index[hole] = EMPTY;
    this.keys[slot] = NaN;
    this.free[this.freeCount++] = slot;
    this.size--;
  }

  bytes(): number {
    return this.keys.byteLength + this.index.byteLength + this.free.byteLength;
  }

  toParts(): SlotTableParts {
    return { keys: this.keys.slice(0, this.next), free: this.free.slice(0, this.freeCount), next: this.next };
  }

  static fromParts(parts: SlotTableParts): SlotTable {
    const t = new SlotTable(Math.max(parts.next, 16));
    t.keys.set(parts.keys);
    t.next = parts.next;
    t.free.set(parts.free);
    t.freeCount = parts.free.length;
    for (let s = 0; s < parts.next; s++) {
      if (!Number.isNaN(t.keys[s])) {
        t.size++;
        t.place(t.keys[s], s);
      }
    }
    return t;
  }

  private place(key: number, slot: number): void {
    let p = hashKey(key) & this.mask;
    while (this.index[p] !== EMPTY) p = (p + 1) & this.mask;
    this.index[p] = slot;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const keys = new Float64Array(cap).fill(NaN);
    keys.set(this.keys);
    this.keys = keys;
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeCount));
    this.free = free;
    this.index = new Int32Array(tableSizeFor(cap)).fill(EMPTY);
    this.mask = this.index.length - 1;
    for (let s = 0; s < this.next; s++) if (!Number.isNaN(keys[s])) this.place(keys[s], s);
    this.onGrow(cap);
  }
}

/** Power of two ≥ 2 × capacity: load factor ≤ 0.5 keeps probe chains short. */
function tableSizeFor(capacity: number): number {
  let n = 16;
  while (n < capacity * 2) n *= 2;
  return n;
}

/** Grows a typed array to `length`, filling new space with `fill`. */
export function growFloat64(a: Float64Array, length: number, fill: number): Float64Array {
  if (a.length >= length) return a;
  const b = new Float64Array(length);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growInt32(a: Int32Array, length: number, fill: number): Int32Array {
  if (a.length >= length) return a;
  const b = new Int32Array(length);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
