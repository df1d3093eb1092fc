import { describe, expect, it } from 'vitest';
import { Authenticator, type SignedRequest } from '../src/protocol/auth.js';
import { Credentials } from '../src/protocol/credentials.js';
import { NonceStore } from '../src/protocol/nonces.js';
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

  it('keeps a fixed-size digest, not the nonce text (a slice would keep the whole request alive)', () => {
    const store = new NonceStore({ retainMs: 1000 });
    const request = `${'x'.repeat(100_000)}&SignatureNonce=abc`;
    store.use(`ak\n${request.slice(100_000)}`, 0);
    const held = (store as unknown as { keys: string[] }).keys;
    expect(held).toHaveLength(1);
    expect((held[0] as string).length).toBeLessThanOrEqual(64);
    expect(store.use(`ak\n${request.slice(100_000)}`, 1)).toBe(false);
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
