import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * --random-seed reproduces RSAES-OAEP ciphertexts: the OAEP seed comes from the world's random
 * source. Two emulators with one seed and one seeded RSA key answer the same AsymmetricEncrypt
 * values through the official pop-core client; OpenSSL (Node's privateDecrypt) decrypts them.
 */
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyId = 'a0000000-0000-4000-8000-00000000f001';

async function ciphertexts(seed: string, algorithm: string): Promise<string[]> {
  const emulator = await startEmulator({ env: {}, randomSeed: seed });
  try {
    const res = await request(emulator.app)
      .post('/_emulator/seed')
      .send({
        keys: [
          {
            keyId,
            keySpec: 'RSA_2048',
            keyUsage: 'ENCRYPT/DECRYPT',
            versions: [
              {
                keyVersionId: 'v1',
                material: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
              },
            ],
          },
        ],
      });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const kms = patientClient(emulator);
    const out: string[] = [];
    for (let i = 0; i < 2; i++) {
      const encrypted = await kms.call('AsymmetricEncrypt', {
        KeyId: keyId,
        KeyVersionId: 'v1',
        Algorithm: algorithm,
        Plaintext: Buffer.from('seeded plaintext').toString('base64'),
      });
      out.push(String(encrypted.CiphertextBlob));
    }
    return out;
  } finally {
    await emulator.close();
  }
}

describe('RSAES-OAEP under a random seed', () => {
  for (const [algorithm, oaepHash] of [
    ['RSAES_OAEP_SHA_256', 'sha256'],
    ['RSAES_OAEP_SHA_1', 'sha1'],
  ] as const) {
    it(`${algorithm}: the same seed gives the same ciphertexts, which OpenSSL decrypts`, async () => {
      const first = await ciphertexts('oaep-1', algorithm);
      expect(await ciphertexts('oaep-1', algorithm)).toEqual(first);
      expect(first[0]).not.toBe(first[1]);
      expect((await ciphertexts('oaep-2', algorithm))[0]).not.toBe(first[0]);
      for (const blob of first) {
        const plaintext = privateDecrypt(
          { key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
          Buffer.from(blob, 'base64'),
        );
        expect(plaintext.toString()).toBe('seeded plaintext');
      }
    });
  }
});
