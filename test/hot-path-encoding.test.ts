import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBlob, encodeBlob, open, seal } from '../src/domain/crypto.js';
import { IdFactory } from '../src/domain/ids.js';
import { randomUuid, SeededRandom, SystemRandom } from '../src/domain/random.js';
import { readCall } from '../src/protocol/intake.js';
import { percentEncode, v1StringToSign } from '../src/protocol/signature.js';
import { Store } from '../src/store/store.js';

// The hot path's cheaper forms, each checked against the plain form it replaced.

/** The V1 string to sign as FACTS §2 states it: sort, encode each part, join, encode again. */
function referenceStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

describe('V1 string to sign in one pass', () => {
  it('equals the two-pass reference for names and values of every kind', () => {
    const random = new SeededRandom('v1-one-pass');
    const alphabet = [
      'a',
      'Z',
      '0',
      '_',
      '-',
      '.',
      '~',
      '%',
      '+',
      ' ',
      '&',
      '=',
      '*',
      "'",
      '(',
      '/',
      'é',
      '中',
      '😀',
    ];
    for (let round = 0; round < 300; round++) {
      const params: Record<string, string> = { Signature: 'ignored' };
      const count = 1 + ((random.bytes(1)[0] as number) % 14);
      for (let p = 0; p < count; p++) {
        const pick = (n: number) =>
          Array.from({ length: n }, () => alphabet[(random.bytes(1)[0] as number) % alphabet.length]).join(
            '',
          );
        params[pick(1 + ((random.bytes(1)[0] as number) % 6))] = pick((random.bytes(1)[0] as number) % 20);
      }
      expect(v1StringToSign('get', params)).toBe(referenceStringToSign('GET', params));
    }
  });

  it('orders names by code unit, upper case before lower case, as Array.prototype.sort does', () => {
    const params = { b: '1', B: '2', a: '3', _: '4', Z: '5', ab: '6', A: '7' };
    expect(v1StringToSign('GET', params)).toBe(
      'GET&%2F&A%3D7%26B%3D2%26Z%3D5%26_%3D4%26a%3D3%26ab%3D6%26b%3D1',
    );
  });
});

describe('UUIDs without a hex string', () => {
  it('formats the same 16 bytes as the hex-and-slice form did, in both cases', () => {
    const bytesOf = (seed: string) => new SeededRandom(seed).bytes(16);
    for (const seed of ['a', 'b', 'c', 'd']) {
      const b = bytesOf(seed);
      b[6] = ((b[6] as number) & 0x0f) | 0x40;
      b[8] = ((b[8] as number) & 0x3f) | 0x80;
      const h = b.toString('hex');
      const expected = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      expect(randomUuid(new SeededRandom(seed))).toBe(expected);
      expect(randomUuid(new SeededRandom(seed), true)).toBe(expected.toUpperCase());
    }
  });

  it('gives version 4 request IDs in upper case, a new one each call', () => {
    const ids = new IdFactory(new SystemRandom());
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = ids.requestId();
      expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
    expect(ids.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('ciphertext blobs made in one buffer', () => {
  it('decode to the key, version and sealed parts of each of many key versions', () => {
    const random = new SeededRandom('blobs');
    const material = random.bytes(32);
    // More key versions than the head cache keeps, each used twice: evicted heads are made again.
    for (let round = 0; round < 2; round++) {
      for (let v = 0; v < 300; v++) {
        const keyId = `key-hzz${v}`;
        const keyVersionId = `version-${v}-${'x'.repeat(v % 40)}`;
        const aad = Buffer.from(`${keyId}/${keyVersionId}`);
        const plaintext = Buffer.from(`secret ${v} ${round}`);
        const sealed = seal('Aliyun_AES_256', material, plaintext, aad, random);
        const blob = decodeBlob(encodeBlob({ ...sealed, keyId, keyVersionId }));
        expect(blob.keyId).toBe(keyId);
        expect(blob.keyVersionId).toBe(keyVersionId);
        expect(blob.iv.equals(sealed.iv)).toBe(true);
        expect(blob.tag.equals(sealed.tag)).toBe(true);
        expect(open('Aliyun_AES_256', material, blob, aad).toString()).toBe(`secret ${v} ${round}`);
      }
    }
  });
});

describe('readCall with node:http headers as they come', () => {
  it('reads lower-case headers without copying them, and still reads mixed-case ones', () => {
    const headers = { host: 'kms.cn-shanghai.aliyuncs.com', 'x-acs-action': 'Encrypt' };
    const call = readCall({ method: 'GET', url: '/?Version=2016-01-20', headers, body: Buffer.alloc(0) });
    expect(call.action).toBe('Encrypt');
    expect(call.headers).toBe(headers);
    const mixed = readCall({
      method: 'GET',
      url: '/?Version=2016-01-20&Format=xml',
      headers: { Host: 'h', 'X-Acs-Action': 'Decrypt', 'set-cookie': ['a', 'b'] },
      body: Buffer.alloc(0),
    });
    expect(mixed.action).toBe('Decrypt');
    expect(mixed.host).toBe('h');
    expect(mixed.headers['set-cookie']).toBe('a,b');
    expect(mixed.format).toBe('XML');
  });
});

describe('Store.durable', () => {
  it('is false from a write until its flush is on disk, and true for a store without a file', async () => {
    const memory = new Store({});
    await memory.open();
    memory.table<number>('t').put('p', 'a', 1);
    expect(memory.durable).toBe(true);

    const store = new Store({ file: join(mkdtempSync(join(tmpdir(), 'kms-durable-flag-')), 'state.json') });
    await store.open();
    expect(store.durable).toBe(true);
    store.transaction(() => store.table<number>('t').put('p', 'a', 1));
    expect(store.durable).toBe(false);
    const committed = store.commit();
    // The flush is under way: a reader must still wait for it.
    expect(store.durable).toBe(false);
    await committed;
    expect(store.durable).toBe(true);
    await store.close();
  });
});
