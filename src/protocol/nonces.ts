/**
 * Signature nonces seen within the timestamp window, so a signed request cannot be replayed.
 *
 * O(1) per request and bounded, compact memory. A nonce is remembered as a 52-bit number made of two
 * independent 32-bit hashes of its text (no string, no crypto hash object per request, and nothing
 * that keeps a slice of the request alive): a `Map<number, number>` answers "seen?" (the value is
 * the expiry, in ms since the store's first use), and a ring of (hash, expiry) in two typed arrays,
 * in insertion order, lets each `use` drop the expired entries from its front. Expiry is
 * `now + retainMs`, so the ring is ordered by expiry as long as the wall clock does not step back (if
 * it does, entries just live a little longer). About 60 bytes a remembered nonce.
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
  /** Hash → expiry (ms after `base`: a small integer V8 stores unboxed for weeks of uptime). */
  private readonly seen = new Map<number, number>();
  /** The ring: hashes and absolute expiries, oldest at `head`, `length` entries. */
  private hashes = new Float64Array(INITIAL_RING);
  private expiries = new Float64Array(INITIAL_RING);
  private head = 0;
  private length = 0;
  private base: number | undefined;
  private readonly retainMs: number;
  private readonly maxEntries: number;

  constructor(options: NonceStoreOptions) {
    this.retainMs = options.retainMs;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_NONCES);
  }

  /** Records `key` at `now`; false if it was already used and has not expired. */
  use(key: string, now: number): boolean {
    this.base ??= now;
    const hash = nonceHash(key);
    this.expire(now);
    const expires = this.seen.get(hash);
    if (expires !== undefined && expires + this.base >= now) return false;
    while (this.length >= this.maxEntries) this.dropOldest();
    const until = now + this.retainMs;
    this.seen.set(hash, until - this.base);
    this.push(hash, until);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
    this.hashes = new Float64Array(INITIAL_RING);
    this.expiries = new Float64Array(INITIAL_RING);
    this.head = 0;
    this.length = 0;
    this.base = undefined;
  }

  private push(hash: number, until: number): void {
    if (this.length === this.hashes.length) this.resize(Math.min(this.hashes.length * 2, this.maxEntries));
    const at = (this.head + this.length) % this.hashes.length;
    this.hashes[at] = hash;
    this.expiries[at] = until;
    this.length++;
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
    // The same nonce may have been used again after it expired: only the newest entry counts.
    if (this.seen.get(hash) === (this.expiries[this.head] as number) - (this.base as number)) {
      this.seen.delete(hash);
    }
    this.head = (this.head + 1) % this.hashes.length;
    this.length--;
  }

  /** Copies the ring, oldest first, into arrays of `capacity` (at least `length`) entries. */
  private resize(capacity: number): void {
    const hashes = new Float64Array(Math.max(capacity, this.length, 1));
    const expiries = new Float64Array(hashes.length);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) % this.hashes.length;
      hashes[i] = this.hashes[from] as number;
      expiries[i] = this.expiries[from] as number;
    }
    this.hashes = hashes;
    this.expiries = expiries;
    this.head = 0;
  }
}
