import { createHash, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * Regression: one EC private scalar in 256 starts with a zero byte. OpenSSL hands such a scalar back
 * as 31 bytes and the ECDSA library refused it, so AsymmetricSign (and CreateCertificate's CSR)
 * failed with InternalFailure for those keys. Keys with such scalars, made by OpenSSL, are seeded;
 * the official pop-core client signs with them and Node's crypto verifies.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

/** An OpenSSL key pair on the curve whose private scalar's first byte is zero. */
function leadingZeroKey(namedCurve: string): { privateKey: KeyObject; publicKey: KeyObject } {
  for (;;) {
    const pair = generateKeyPairSync('ec', { namedCurve });
    const d = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    if (d.length === 32 && d[0] === 0) return pair;
  }
}

describe('EC keys whose private scalar starts with a zero byte', () => {
  for (const [keySpec, namedCurve, n] of [
    ['EC_P256', 'prime256v1', 1],
    ['EC_P256K', 'secp256k1', 2],
  ] as const) {
    it(`${keySpec}: AsymmetricSign answers a DER ECDSA signature that OpenSSL verifies`, async () => {
      const pair = leadingZeroKey(namedCurve);
      const keyId = `a0000000-0000-4000-8000-00000000e00${n}`;
      const res = await request(emulator.app)
        .post('/_emulator/seed')
        .send({
          keys: [
            {
              keyId,
              keySpec,
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
      const message = Buffer.from(`leading zero ${keySpec}`);
      const digest = createHash('sha256').update(message).digest();
      const signed = await kms.call('AsymmetricSign', {
        KeyId: keyId,
        KeyVersionId: 'v1',
        Algorithm: 'ECDSA_SHA_256',
        Digest: digest.toString('base64'),
      });
      const signature = Buffer.from(String(signed.Value), 'base64');
      expect(verify('sha256', message, pair.publicKey, signature)).toBe(true);
    });
  }
});
