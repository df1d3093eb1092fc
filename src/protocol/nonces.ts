/**
 * Signature nonces seen within the timestamp window, so a signed request cannot be replayed.
 *
 * O(1) per request and bounded, compact memory, all of it in three typed arrays (no object, string
 * or boxed number per nonce, so nothing for the GC to trace and nothing that keeps a slice of the
 * request alive). A nonce is remembered as a 52-bit number made of two independent 32-bit hashes of
 * its text:
 * - a ring of (hash, expiry), in insertion order, lets each `use` drop the expired entries from its
 *   front. Expiry is `now + retainMs`, so the ring is ordered by expiry as long as the wall clock does
 *   not step back (if it does, entries just live a little longer);
 * - an open-addressing index (linear probing, at most half full, deletion by backward shift: no
 *   tombstones) maps a hash to its ring position and answers "seen?".
 * About 24 bytes a remembered nonce (16 in the ring, 4–8 in the index); a `Map` cost ~70.
 *
 * A hash collision can only make a fresh nonce look used (a false "replay" refusal, never a replay
 * let through): with n nonces remembered the chance per request is about n / 2^52 — below 6e-11 at
 * the 250,000 cap. `maxEntries` is a hard cap for pathological rates: past it the oldest nonce is
 * forgotten first (a replay of that one request could then pass).
 */
export interface NonceStoreOptions {
  /** How long a nonce is remembered (ms). */
  retainMs: number;
  /** Hard cap on remembered nonces. */
  maxEntries?: number;
}

export const DEFAULT_MAX_NONCES = 250_000;
const INITIAL_RING = 1024;

/**
 * 52 bits of two 32-bit string hashes over the UTF-16 code units (FNV-1a and a Murmur-style
 * multiply-xorshift), each finished with Murmur3's avalanche: exact in a double, no allocation.
 */
export function nonceHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = avalanche(a);
  b = avalanche(b);
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class NonceStore {
  /** The ring: hashes (NaN once superseded) and absolute expiries, oldest at `head`, `length` entries. */
  private hashes = new Float64Array(INITIAL_RING);
  private expiries = new Float64Array(INITIAL_RING);
  private head = 0;
  private length = 0;
  /** Ring entries whose hash is NaN (a nonce used again after it expired, out of clock order). */
  private dead = 0;
  /** The index: ring position + 1 per slot, 0 for an empty slot; a power of two, ≥ 2 × the ring. */
  private slots = new Uint32Array(2 * INITIAL_RING);
  private mask = 2 * INITIAL_RING - 1;
  private readonly retainMs: number;
  private readonly maxEntries: number;

  constructor(options: NonceStoreOptions) {
    this.retainMs = options.retainMs;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_NONCES);
  }

  /** Records `key` at `now`; false if it was already used and has not expired. */
  use(key: string, now: number): boolean {
    const hash = nonceHash(key);
    this.expire(now);
    const slot = this.find(hash);
    const at = this.slots[slot] as number;
    if (at !== 0) {
      if ((this.expiries[at - 1] as number) >= now) return false;
      // Expired but not yet at the front (the clock stepped back): supersede it.
      this.hashes[at - 1] = Number.NaN;
      this.dead++;
      this.unslot(slot);
    }
    while (this.length - this.dead >= this.maxEntries) this.dropOldest();
    this.push(hash, now + this.retainMs);
    return true;
  }

  /** Nonces remembered now. */
  get size(): number {
    return this.length - this.dead;
  }

  clear(): void {
    this.hashes = new Float64Array(INITIAL_RING);
    this.expiries = new Float64Array(INITIAL_RING);
    this.head = 0;
    this.length = 0;
    this.dead = 0;
    this.slots = new Uint32Array(2 * INITIAL_RING);
    this.mask = 2 * INITIAL_RING - 1;
  }

  /** The slot holding `hash`, else the empty slot where it would go. */
  private find(hash: number): number {
    const slots = this.slots;
    let slot = (hash >>> 0) & this.mask;
    for (;;) {
      const at = slots[slot] as number;
      if (at === 0 || this.hashes[at - 1] === hash) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Empties `slot` and shifts back the entries after it that probed past it (no tombstones). */
  private unslot(slot: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = slot;
    let next = slot;
    slots[hole] = 0;
    for (;;) {
      next = (next + 1) & mask;
      const at = slots[next] as number;
      if (at === 0) return;
      const home = ((this.hashes[at - 1] as number) >>> 0) & mask;
      // The entry stays if its home lies cyclically in (hole, next]; otherwise it moves into the hole.
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!stays) {
        slots[hole] = at;
        slots[next] = 0;
        hole = next;
      }
    }
  }

  private push(hash: number, until: number): void {
    if (this.length === this.hashes.length) this.resize(Math.min(this.hashes.length * 2, this.maxEntries));
    const at = (this.head + this.length) % this.hashes.length;
    this.hashes[at] = hash;
    this.expiries[at] = until;
    this.length++;
    this.slots[this.find(hash)] = at + 1;
  }

  private expire(now: number): void {
    while (this.length > 0 && (this.expiries[this.head] as number) < now) this.dropOldest();
    // After a burst, give the ring back (amortised O(1): it halves only at a quarter full).
    if (this.hashes.length > INITIAL_RING && this.length * 4 < this.hashes.length) {
      this.resize(this.hashes.length / 2);
    }
  }

  private dropOldest(): void {
    if (this.length === 0) return;
    const hash = this.hashes[this.head] as number;
    if (Number.isNaN(hash)) this.dead--;
    else {
      // The slot that points at this ring position (the same hash may be elsewhere in the ring only
      // as a superseded, NaN entry, so the first slot with this hash is this one).
      this.unslot(this.find(hash));
    }
    this.head = (this.head + 1) % this.hashes.length;
    this.length--;
  }

  /**
   * Copies the live ring entries, oldest first, into arrays of `capacity` (at least the live count)
   * entries, and rebuilds the index for the new positions.
   */
  private resize(capacity: number): void {
    const live = this.length - this.dead;
    const hashes = new Float64Array(Math.max(capacity, live, 1));
    const expiries = new Float64Array(hashes.length);
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) % this.hashes.length;
      const hash = this.hashes[from] as number;
      if (Number.isNaN(hash)) continue;
      hashes[n] = hash;
      expiries[n] = this.expiries[from] as number;
      n++;
    }
    this.hashes = hashes;
    this.expiries = expiries;
    this.head = 0;
    this.length = n;
    this.dead = 0;
    let size = 2 * INITIAL_RING;
    while (size < 2 * hashes.length) size *= 2;
    this.slots = new Uint32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < n; i++) this.slots[this.find(hashes[i] as number)] = i + 1;
  }
}
