import { describe, expect, it } from 'vitest';
import { Authenticator, type SignedRequest } from '../src/protocol/auth.js';
import { Credentials } from '../src/protocol/credentials.js';
import { NonceStore, nonceHash } from '../src/protocol/nonces.js';
import { v1Query } from './helpers/rpc.js';

describe('NonceStore (bounded, O(1) replay memory)', () => {
  it('refuses a nonce used again within its window and accepts it after', () => {
    const store = new NonceStore({ retainMs: 1000 });
    expect(store.use('ak\nn1', 0)).toBe(true);
    expect(store.use('ak\nn1', 999)).toBe(false);
    expect(store.use('ak\nn1', 1000)).toBe(false);
    expect(store.use('ak\nn1', 1001)).toBe(true);
    expect(store.use('ak\nn1', 1500)).toBe(false);
  });

  it('forgets expired nonces as time passes, so memory follows the request rate, not the total', () => {
    const store = new NonceStore({ retainMs: 1000 });
    for (let i = 0; i < 100_000; i++) store.use(`ak\n${i}`, i);
    // Only the nonces of the last 1,000 ms (one per ms) are still remembered.
    expect(store.size).toBeLessThanOrEqual(1001);
    expect(store.use('ak\n99999', 100_000)).toBe(false);
    expect(store.use('ak\n0', 100_000)).toBe(true);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const store = new NonceStore({ retainMs: 60_000, maxEntries: 100 });
    for (let i = 0; i < 1000; i++) store.use(`k${i}`, 5);
    expect(store.size).toBe(100);
    expect(store.use('k999', 6)).toBe(false);
    expect(store.use('k0', 6)).toBe(true);
  });

  it('keeps a 52-bit number per nonce in typed arrays, never the text (a slice would keep the request alive)', () => {
    const store = new NonceStore({ retainMs: 1000 });
    const request = `${'x'.repeat(100_000)}&SignatureNonce=abc`;
    store.use(`ak\n${request.slice(100_000)}`, 0);
    const inside = store as unknown as Record<string, unknown>;
    // Nothing but numbers and typed arrays: no Map, Set, string or object per nonce.
    for (const [name, value] of Object.entries(inside)) {
      expect(
        typeof value === 'number' || value instanceof Float64Array || value instanceof Uint32Array,
        name,
      ).toBe(true);
    }
    const hashes = inside.hashes as Float64Array;
    expect(hashes[0]).toBe(nonceHash(`ak\n${request.slice(100_000)}`));
    expect(Number.isSafeInteger(hashes[0])).toBe(true);
    expect(hashes[0] as number).toBeLessThan(2 ** 52);
    expect(inside.slots).toBeInstanceOf(Uint32Array);
    expect(store.use(`ak\n${request.slice(100_000)}`, 1)).toBe(false);
  });

  it('answers like a plain Map model over 200,000 seeded uses (bursts, repeats, clock steps back, the cap)', () => {
    // A small linear congruential generator: the same sequence every run.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const retainMs = 500;
    const maxEntries = 3000;
    const store = new NonceStore({ retainMs, maxEntries });
    // The model: key → expiry, insertion-ordered, the oldest dropped past the cap.
    const model = new Map<string, number>();
    let now = 0;
    let refused = 0;
    for (let i = 0; i < 200_000; i++) {
      const r = next();
      if (r < 0.001)
        now -= Math.floor(next() * 300); // the wall clock steps back
      else if (r < 0.3) now += Math.floor(next() * 3);
      // Mostly fresh nonces; some repeats of recent ones (replays) and of old ones (after expiry).
      const key = next() < 0.8 ? `n${i}` : `n${Math.max(0, i - Math.floor(next() * 5000))}`;
      for (const [k, until] of model) {
        if (until >= now) break;
        model.delete(k);
      }
      const until = model.get(key);
      let expected: boolean;
      if (until !== undefined && until >= now) expected = false;
      else {
        model.delete(key);
        while (model.size >= maxEntries) model.delete(model.keys().next().value as string);
        model.set(key, now + retainMs);
        expected = true;
      }
      const got = store.use(key, now);
      if (got !== expected)
        throw new Error(`use #${i} (${key} at ${now}): ${got}, the model says ${expected}`);
      if (!got) refused++;
      if (i % 997 === 0) expect(store.size).toBe(model.size);
    }
    expect(refused).toBeGreaterThan(10_000);
    expect(store.size).toBe(model.size);
  });

  it('hashes 300,000 distinct nonces to 300,000 distinct 52-bit numbers, both halves varying', () => {
    const seen = new Set<number>();
    const high = new Set<number>();
    const low = new Set<number>();
    for (let i = 0; i < 300_000; i++) {
      // UUID-like nonces that differ in a single character, and ones that differ only in length.
      const h = nonceHash(
        i % 2
          ? `LTAI\n${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`
          : `n${'a'.repeat(i % 97)}${i}`,
      );
      seen.add(h);
      high.add(Math.floor(h / 2 ** 20));
      low.add(h % 2 ** 20);
    }
    expect(seen.size).toBe(300_000);
    expect(high.size).toBeGreaterThan(299_000);
    // 2^20 values: 300,000 draws fill about a quarter of them when uniform.
    expect(low.size).toBeGreaterThan(240_000);
    // The access key is part of what is hashed: the same nonce of two keys are two entries.
    expect(nonceHash('ak1\nsame')).not.toBe(nonceHash('ak2\nsame'));
  });

  it('grows its ring with the rate and gives it back when the rate falls, staying ordered', () => {
    const store = new NonceStore({ retainMs: 10_000 });
    for (let i = 0; i < 20_000; i++) expect(store.use(`burst-${i}`, i / 2)).toBe(true);
    const ring = () => (store as unknown as { hashes: Float64Array }).hashes.length;
    expect(ring()).toBeGreaterThanOrEqual(20_000);
    // Well after the burst expired: one nonce a second.
    for (let i = 0; i < 50; i++) store.use(`slow-${i}`, 30_000 + i * 1000);
    expect(store.size).toBeLessThanOrEqual(11);
    expect(ring()).toBeLessThanOrEqual(1024);
    expect(store.use('slow-49', 80_000)).toBe(false);
    expect(store.use('slow-30', 80_000)).toBe(true);
  });

  it('stays correct when a key is reused after expiry and the old queue entry is dropped', () => {
    const store = new NonceStore({ retainMs: 10 });
    store.use('a', 0);
    store.use('a', 11); // expired, used again: new entry
    store.use('b', 15); // drops the first 'a' entry from the queue, must keep the second
    expect(store.use('a', 16)).toBe(false);
  });
});

describe('Authenticator nonce memory', () => {
  function signedV1(nonce: string): SignedRequest {
    const query = Object.fromEntries(new URLSearchParams(v1Query('DescribeRegions', {}, { nonce })));
    return { method: 'GET', path: '/', headers: {}, query, params: query, body: Buffer.alloc(0) };
  }

  it('remembers at most maxNonces and still refuses a recent replay', () => {
    const auth = new Authenticator(new Credentials(), {
      enabled: true,
      wallNow: () => Date.now(),
      maxNonces: 50,
    });
    for (let i = 0; i < 500; i++) auth.authenticate(signedV1(`n-${i}`));
    expect(auth.rememberedNonces).toBe(50);
    expect(() => auth.authenticate(signedV1('n-499'))).toThrow(/nonce was used/);
  });
});
