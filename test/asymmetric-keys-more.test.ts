import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';
import { control } from './helpers/client.js';

/**
 * Asymmetric keys as keys like any other: in KMS instances (quota), with tags and aliases, through
 * the domain API the instance gateway uses, and refused for callers the gateway does not know.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

const digest = createHash('sha256').update('m').digest().toString('base64');

describe('asymmetric keys as keys', () => {
  it('lives in a KMS instance, counts against its key quota, and lists by KeySpec', async () => {
    expect(
      (await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-asym01', keyQuota: 1 })).status,
    ).toBe(200);
    const meta = (await kms.call('CreateKey', { KeySpec: 'EC_P256K', DKMSInstanceId: 'kst-asym01' }))
      .KeyMetadata;
    expect(meta).toMatchObject({ KeyId: expect.stringMatching(/^key-/), DKMSInstanceId: 'kst-asym01' });
    expect(await kms.fails('CreateKey', { KeySpec: 'HMAC_SHA_256', DKMSInstanceId: 'kst-asym01' })).toBe(
      'Rejected.LimitExceeded',
    );
    const listed = await kms.call('ListKeys', {
      Filters: JSON.stringify([{ Key: 'KeySpec', Values: ['EC_P256K'] }]),
    });
    expect(listed.Keys.Key.map((k: { KeyId: string }) => k.KeyId)).toEqual([meta.KeyId]);
    await kms.call('TagResource', {
      KeyId: meta.KeyId,
      Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'pay' }]),
    });
    const signed = await kms.call('AsymmetricSign', {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digest,
    });
    expect(signed.KeyId).toBe(meta.KeyId);
  });

  it('answers InvalidAccessKeyId.NotFound to an unknown caller', async () => {
    const RPCClient = (await import('@alicloud/pop-core')).default;
    const stranger = new RPCClient({
      accessKeyId: 'LTAIStrangerKey',
      accessKeySecret: 'x',
      endpoint: emulator.url,
      apiVersion: '2016-01-20',
    });
    for (const action of [
      'AsymmetricSign',
      'GetPublicKey',
      'AsymmetricVerify',
      'GenerateMac',
      'DescribeCertificate',
    ]) {
      const code = await stranger
        .request(action, { KeyId: 'k', CertificateId: 'c' }, { method: 'POST' })
        .then(
          () => 'success',
          (error: { code?: string }) => error.code,
        );
      expect(code, action).toBe('InvalidAccessKeyId.NotFound');
    }
  });
});

describe('the domain API (what the instance gateway calls)', () => {
  it('signs digests and messages of a key record + version; OpenSSL verifies both', async () => {
    const meta = (await kms.call('CreateKey', { KeySpec: 'RSA_2048' })).KeyMetadata;
    const scope = { accountId: meta.Arn.split(':')[3], regionId: 'cn-hangzhou' };
    const key = emulator.world.keys.usableKey(scope, meta.KeyId);
    const message = Buffer.from('gateway message');
    const publicKey = createPublicKey(emulator.world.asymmetric.publicKeyPem(key, meta.PrimaryKeyVersion));
    const fromMessage = emulator.world.asymmetric.signMessage(
      key,
      meta.PrimaryKeyVersion,
      'RSA_PKCS1_SHA_256',
      message,
    );
    expect(verify('sha256', message, publicKey, fromMessage)).toBe(true);
    const fromDigest = emulator.world.asymmetric.sign(
      key,
      meta.PrimaryKeyVersion,
      'RSA_PKCS1_SHA_256',
      createHash('sha256').update(message).digest(),
    );
    expect(fromDigest).toEqual(fromMessage); // PKCS#1 v1.5 is deterministic
    expect(
      emulator.world.asymmetric.verifyMessage(
        key,
        meta.PrimaryKeyVersion,
        'RSA_PKCS1_SHA_256',
        message,
        fromDigest,
      ),
    ).toBe(true);
  });
});

describe('reproducible and seeded key pairs', () => {
  it('the same random seed gives the same EC key pairs (and different seeds different ones)', async () => {
    const publicKeys = async (seed: string) => {
      const e = await startEmulator({ env: {}, randomSeed: seed });
      try {
        const client = patientClient(e);
        const out: string[] = [];
        for (const spec of ['EC_P256', 'EC_P256K', 'EC_SM2']) {
          const meta = (await client.call('CreateKey', { KeySpec: spec })).KeyMetadata;
          out.push(
            (await client.call('GetPublicKey', { KeyId: meta.KeyId, KeyVersionId: meta.PrimaryKeyVersion }))
              .PublicKey,
          );
        }
        return out;
      } finally {
        await e.close();
      }
    };
    const a = await publicKeys('asym-1');
    expect(await publicKeys('asym-1')).toEqual(a);
    expect((await publicKeys('asym-2'))[0]).not.toBe(a[0]);
  });

  it('loads an SM2 and a P-256 private key made by OpenSSL from a seed', async () => {
    const sm2 = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const res = await request(emulator.app)
      .post('/_emulator/seed')
      .send({
        keys: [
          {
            keyId: 'a0000000-0000-4000-8000-00000000d001',
            keySpec: 'EC_SM2',
            keyUsage: 'ENCRYPT/DECRYPT',
            versions: [
              { keyVersionId: 'sm2-v1', material: sm2.privateKey.export({ format: 'pem', type: 'pkcs8' }) },
            ],
          },
          {
            keyId: 'a0000000-0000-4000-8000-00000000d002',
            keySpec: 'EC_P256',
            versions: [
              {
                keyVersionId: 'p256-v1',
                material: p256.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
              },
            ],
          },
        ],
      });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sm2Meta = (await kms.call('DescribeKey', { KeyId: 'a0000000-0000-4000-8000-00000000d001' }))
      .KeyMetadata;
    expect(sm2Meta).toMatchObject({ KeySpec: 'EC_SM2', KeyUsage: 'ENCRYPT/DECRYPT' });
    const pem = (
      await kms.call('GetPublicKey', {
        KeyId: 'a0000000-0000-4000-8000-00000000d002',
        KeyVersionId: 'p256-v1',
      })
    ).PublicKey;
    expect(pem).toBe(p256.publicKey.export({ format: 'pem', type: 'spki' }));
    const smPem = (
      await kms.call('GetPublicKey', {
        KeyId: 'a0000000-0000-4000-8000-00000000d001',
        KeyVersionId: 'sm2-v1',
      })
    ).PublicKey;
    expect(createPublicKey(smPem).export({ format: 'der', type: 'spki' })).toEqual(
      sm2.publicKey.export({ format: 'der', type: 'spki' }),
    );
  });
});
