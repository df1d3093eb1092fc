import { createHash } from 'node:crypto';

/**
 * Signature nonces seen within the timestamp window, so a signed request cannot be replayed.
 *
 * O(1) per request and bounded memory: a Map answers "seen?", and a FIFO of (key, expiry) in
 * insertion order lets each `use` drop the entries that have expired from the front. Expiry is
 * `now + retainMs`, so the FIFO is ordered by expiry as long as the wall clock does not step back
 * (if it does, entries just live a little longer). `maxEntries` is a hard cap for pathological
 * rates: past it the oldest nonce is forgotten first (a replay of that one request could then pass).
 */
export interface NonceStoreOptions {
  /** How long a nonce is remembered (ms). */
  retainMs: number;
  /** Hard cap on remembered nonces. */
  maxEntries?: number;
}

export const DEFAULT_MAX_NONCES = 250_000;

export class NonceStore {
  private readonly seen = new Map<string, number>();
  private keys: string[] = [];
  private expiries: number[] = [];
  private head = 0;
  private readonly retainMs: number;
  private readonly maxEntries: number;

  constructor(options: NonceStoreOptions) {
    this.retainMs = options.retainMs;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_NONCES);
  }

  /** Records `key` at `now`; false if it was already used and has not expired. */
  use(rawKey: string, now: number): boolean {
    // A fixed-size digest, not the text itself: a nonce is a slice of the request's URL or body,
    // and keeping the slice would keep the whole request text alive for the window.
    const key = createHash('sha256').update(rawKey).digest('base64');
    this.expire(now);
    const expires = this.seen.get(key);
    if (expires !== undefined && expires >= now) return false;
    while (this.seen.size >= this.maxEntries) this.dropOldest();
    const until = now + this.retainMs;
    this.seen.set(key, until);
    this.keys.push(key);
    this.expiries.push(until);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
    this.keys = [];
    this.expiries = [];
    this.head = 0;
  }

  private expire(now: number): void {
    while (this.head < this.keys.length && (this.expiries[this.head] as number) < now) this.dropOldest();
  }

  private dropOldest(): void {
    if (this.head >= this.keys.length) return;
    const key = this.keys[this.head] as string;
    const until = this.expiries[this.head] as number;
    // The same key may have been used again after it expired: only the newest entry counts.
    if (this.seen.get(key) === until) this.seen.delete(key);
    this.head++;
    // Compact the queue once its dead front is large, keeping each step amortised O(1).
    if (this.head >= 4096 && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.expiries = this.expiries.slice(this.head);
      this.head = 0;
    }
  }
}
