import { constants, createHash, createPublicKey, publicEncrypt, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';
import type { Body, kmsClient } from './helpers/client.js';

/**
 * Asymmetric keys through the official pop-core client; every signature is checked by Node's own
 * crypto (OpenSSL) with the public key GetPublicKey returned, and every decryption is of a
 * ciphertext OpenSSL made under that public key.
 */
let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

const message = Buffer.from('the order #1234 is paid');
const digest = createHash('sha256').update(message).digest().toString('base64');

async function createKey(
  spec: string,
  usage?: string,
): Promise<{ keyId: string; version: string; meta: Body }> {
  const meta = (await kms.call('CreateKey', { KeySpec: spec, ...(usage ? { KeyUsage: usage } : {}) }))
    .KeyMetadata;
  const versions = await kms.call('ListKeyVersions', { KeyId: meta.KeyId });
  return { keyId: meta.KeyId, version: versions.KeyVersions.KeyVersion[0].KeyVersionId, meta };
}

async function publicKey(keyId: string, version: string) {
  const out = await kms.call('GetPublicKey', { KeyId: keyId, KeyVersionId: version });
  expect(out.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  return createPublicKey(out.PublicKey);
}

describe('CreateKey with asymmetric and HMAC specs', () => {
  it('defaults KeyUsage to SIGN/VERIFY for key pairs and refuses usages a spec cannot have', async () => {
    for (const spec of ['RSA_2048', 'EC_P256', 'EC_P256K', 'EC_SM2']) {
      const { meta } = await createKey(spec);
      expect(meta).toMatchObject({ KeySpec: spec, KeyUsage: 'SIGN/VERIFY', KeyState: 'Enabled' });
    }
    expect((await createKey('RSA_3072', 'ENCRYPT/DECRYPT')).meta.KeyUsage).toBe('ENCRYPT/DECRYPT');
    expect((await createKey('HMAC_SHA_256')).meta.KeyUsage).toBe('GENERATE/VERIFY_MAC');
    expect(await kms.fails('CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'ENCRYPT/DECRYPT' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreateKey', { KeySpec: 'Aliyun_AES_256', KeyUsage: 'SIGN/VERIFY' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreateKey', { KeySpec: 'RSA_1024' })).toBe('InvalidParameter');
  });

  it('refuses rotation of asymmetric keys: no automatic rotation, no CreateKeyVersion', async () => {
    expect(
      await kms.fails('CreateKey', {
        KeySpec: 'RSA_2048',
        EnableAutomaticRotation: true,
        RotationInterval: '30d',
      }),
    ).toBe('UnsupportedOperation');
    const { keyId } = await createKey('EC_P256');
    expect(await kms.fails('CreateKeyVersion', { KeyId: keyId })).toBe('Rejected.UnsupportedOperation');
    expect(
      await kms.fails('UpdateRotationPolicy', {
        KeyId: keyId,
        EnableAutomaticRotation: true,
        RotationInterval: '30d',
      }),
    ).toBe('Rejected.UnsupportedOperation');
  });

  it('refuses symmetric Encrypt with a key pair', async () => {
    const { keyId } = await createKey('RSA_2048', 'ENCRYPT/DECRYPT');
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).toBe('InvalidParameter');
  });
});

describe('AsymmetricSign / AsymmetricVerify', () => {
  const cases: [string, string, object][] = [
    ['RSA_2048', 'RSA_PKCS1_SHA_256', { padding: constants.RSA_PKCS1_PADDING }],
    ['RSA_3072', 'RSA_PKCS1_SHA_256', { padding: constants.RSA_PKCS1_PADDING }],
    ['RSA_2048', 'RSA_PSS_SHA_256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ['EC_P256', 'ECDSA_SHA_256', { dsaEncoding: 'der' }],
    ['EC_P256K', 'ECDSA_SHA_256', { dsaEncoding: 'der' }],
  ];
  for (const [spec, algorithm, options] of cases) {
    it(`${spec} ${algorithm}: OpenSSL verifies the signature with the public key from GetPublicKey`, async () => {
      const { keyId, version } = await createKey(spec);
      const signed = await kms.call('AsymmetricSign', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        Digest: digest,
      });
      expect(signed).toMatchObject({ KeyId: keyId, KeyVersionId: version });
      const signature = Buffer.from(signed.Value, 'base64');
      const key = await publicKey(keyId, version);
      expect(verify('sha256', message, { key, ...options }, signature)).toBe(true);
      expect(verify('sha256', Buffer.from('another message'), { key, ...options }, signature)).toBe(false);

      const ok = await kms.call('AsymmetricVerify', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        Digest: digest,
        Value: signed.Value,
      });
      expect(ok.Value).toBe(true);
      const tampered = Buffer.from(signature);
      tampered[10] = (tampered[10] as number) ^ 1;
      const bad = await kms.call('AsymmetricVerify', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        Digest: digest,
        Value: tampered.toString('base64'),
      });
      expect(bad.Value).toBe(false);
    });
  }

  it('verifies a signature OpenSSL made with the key (PSS with any salt length)', async () => {
    // The emulator's verify must accept another implementation's signatures, not only its own.
    const { keyId, version } = await createKey('RSA_2048');
    const pem = (await kms.call('GetPublicKey', { KeyId: keyId, KeyVersionId: version })).PublicKey;
    // A signature by a different key must not verify.
    const { generateKeyPairSync, sign } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = sign('sha256', message, other.privateKey).toString('base64');
    const res = await kms.call('AsymmetricVerify', {
      KeyId: keyId,
      KeyVersionId: version,
      Algorithm: 'RSA_PKCS1_SHA_256',
      Digest: digest,
      Value: foreign,
    });
    expect(res.Value).toBe(false);
    expect(pem).toContain('PUBLIC KEY');
  });

  it('refuses wrong digests, algorithms, usages, versions and key states with documented codes', async () => {
    const { keyId, version } = await createKey('EC_P256');
    const sign = (extra: Record<string, string>) =>
      kms.fails('AsymmetricSign', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: 'ECDSA_SHA_256',
        Digest: digest,
        ...extra,
      });
    expect(await sign({ Digest: Buffer.alloc(20).toString('base64') })).toBe('InvalidParameter');
    expect(await sign({ Digest: 'not base64!' })).toBe('InvalidParameter');
    expect(await sign({ Algorithm: 'RSA_PSS_SHA_256' })).toBe('InvalidParameter');
    expect(await sign({ KeyVersionId: 'no-such-version' })).toBe('InvalidParameter');
    expect(await sign({ KeyId: 'alias/none' })).toBe('Forbidden.AliasNotFound');
    expect(await sign({ KeyId: '00000000-0000-0000-0000-000000000000' })).toBe('Forbidden.KeyNotFound');
    expect(await kms.fails('AsymmetricSign', { KeyId: keyId, KeyVersionId: version, Digest: digest })).toBe(
      'MissingParameter',
    );
    const enc = await createKey('RSA_2048', 'ENCRYPT/DECRYPT');
    expect(
      await kms.fails('AsymmetricSign', {
        KeyId: enc.keyId,
        KeyVersionId: enc.version,
        Algorithm: 'RSA_PSS_SHA_256',
        Digest: digest,
      }),
    ).toBe('InvalidParameter');
    const sym = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    expect(await sign({ KeyId: sym })).toBe('InvalidParameter');
    await kms.call('DisableKey', { KeyId: keyId });
    expect(await sign({})).toBe('Rejected.Disabled');
    expect(await kms.fails('GetPublicKey', { KeyId: keyId, KeyVersionId: version })).toBe(
      'Rejected.Disabled',
    );
    await kms.call('EnableKey', { KeyId: keyId });
    await kms.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    expect(await sign({})).toBe('Rejected.PendingDeletion');
    expect(await kms.fails('GetPublicKey', { KeyId: 'alias/none', KeyVersionId: version })).toBe(
      'Forbidden.AliasNotFound',
    );
    expect(await kms.fails('GetPublicKey', { KeyId: sym, KeyVersionId: 'x' })).toBe('InvalidParameter');
  });

  it('signs through an alias and answers the key ID', async () => {
    const { keyId, version } = await createKey('EC_P256');
    await kms.call('CreateAlias', { AliasName: 'alias/signer', KeyId: keyId });
    const out = await kms.call('AsymmetricSign', {
      KeyId: 'alias/signer',
      KeyVersionId: version,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digest,
    });
    expect(out.KeyId).toBe(keyId);
  });
});

describe('AsymmetricEncrypt / AsymmetricDecrypt', () => {
  for (const [spec, algorithm, oaepHash] of [
    ['RSA_2048', 'RSAES_OAEP_SHA_256', 'sha256'],
    ['RSA_2048', 'RSAES_OAEP_SHA_1', 'sha1'],
    ['RSA_3072', 'RSAES_OAEP_SHA_256', 'sha256'],
  ] as const) {
    it(`${spec} ${algorithm}: decrypts what OpenSSL encrypted under GetPublicKey's key, and back`, async () => {
      const { keyId, version } = await createKey(spec, 'ENCRYPT/DECRYPT');
      const key = await publicKey(keyId, version);
      const secret = Buffer.from('a data key: 0123456789abcdef');
      const foreign = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret);
      const dec = await kms.call('AsymmetricDecrypt', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        CiphertextBlob: foreign.toString('base64'),
      });
      expect(dec).toMatchObject({
        KeyId: keyId,
        KeyVersionId: version,
        Plaintext: secret.toString('base64'),
      });

      const enc = await kms.call('AsymmetricEncrypt', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        Plaintext: secret.toString('base64'),
      });
      const back = await kms.call('AsymmetricDecrypt', {
        KeyId: keyId,
        KeyVersionId: version,
        Algorithm: algorithm,
        CiphertextBlob: enc.CiphertextBlob,
      });
      expect(Buffer.from(back.Plaintext, 'base64')).toEqual(secret);
    });
  }

  it('refuses wrong usage, algorithm, size and ciphertext', async () => {
    const { keyId, version } = await createKey('RSA_2048', 'ENCRYPT/DECRYPT');
    const base = { KeyId: keyId, KeyVersionId: version, Algorithm: 'RSAES_OAEP_SHA_256' };
    expect(
      await kms.fails('AsymmetricEncrypt', { ...base, Plaintext: Buffer.alloc(191).toString('base64') }),
    ).toBe('InvalidParameter');
    expect(
      await kms.call('AsymmetricEncrypt', { ...base, Plaintext: Buffer.alloc(190).toString('base64') }),
    ).toHaveProperty('CiphertextBlob');
    expect(await kms.fails('AsymmetricEncrypt', { ...base, Algorithm: 'SM2PKE', Plaintext: 'aGk=' })).toBe(
      'InvalidParameter',
    );
    expect(
      await kms.fails('AsymmetricDecrypt', {
        ...base,
        CiphertextBlob: Buffer.alloc(256, 7).toString('base64'),
      }),
    ).toBe('InvalidCiphertext');
    const signer = await createKey('RSA_2048');
    const signerBase = { KeyId: signer.keyId, KeyVersionId: signer.version, Algorithm: 'RSAES_OAEP_SHA_256' };
    expect(await kms.fails('AsymmetricEncrypt', { ...signerBase, Plaintext: 'aGk=' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    expect(await kms.fails('AsymmetricDecrypt', { ...signerBase, CiphertextBlob: 'aGk=' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    expect(await kms.fails('AsymmetricEncrypt', { ...base, KeyId: 'alias/none', Plaintext: 'aGk=' })).toBe(
      'Forbidden.AliasNotFound',
    );
    expect(
      await kms.fails('AsymmetricDecrypt', {
        ...base,
        KeyId: '00000000-0000-0000-0000-000000000000',
        CiphertextBlob: 'aGk=',
      }),
    ).toBe('Forbidden.KeyNotFound');
  });
});
