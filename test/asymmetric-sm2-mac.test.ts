import { constants, createHash, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sm3 } from 'sm-crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * SM2 keys, HMAC keys, seeded key pairs and HMAC material, and data keys exported under a public key.
 * HMACs are checked with pure-JS implementations (@noble/hashes, sm-crypto's SM3) while the emulator
 * computes them with OpenSSL; seeded RSA material is checked against OpenSSL's public key. SM2
 * signatures and ciphertexts are cross-checked with Python gmssl in the Python conformance suite.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;

// Fixed material, generated once by OpenSSL for this test.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PEM = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const HMAC_MATERIAL = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const seed = {
  keys: [
    {
      keyId: 'a0000000-0000-4000-8000-0000000000a1',
      keySpec: 'RSA_2048',
      versions: [{ keyVersionId: 'v-rsa-1', material: RSA_PEM }],
    },
    ...(['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512', 'HMAC_SM3'] as const).map(
      (spec, i) => ({
        keyId: `a0000000-0000-4000-8000-0000000000b${i}`,
        keySpec: spec,
        versions: [{ keyVersionId: `v-mac-${i}`, material: HMAC_MATERIAL.toString('base64') }],
      }),
    ),
  ],
};

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
  const res = await request(emulator.app).post('/_emulator/seed').send(seed);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
});
afterAll(() => emulator.close());

describe('seeded key pairs and HMAC material', () => {
  it('answers the public key of the seeded PKCS#8 private key', async () => {
    const out = await kms.call('GetPublicKey', {
      KeyId: 'a0000000-0000-4000-8000-0000000000a1',
      KeyVersionId: 'v-rsa-1',
    });
    expect(out.PublicKey).toBe(rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    const meta = (await kms.call('DescribeKey', { KeyId: 'a0000000-0000-4000-8000-0000000000a1' }))
      .KeyMetadata;
    expect(meta).toMatchObject({
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN/VERIFY',
      PrimaryKeyVersion: 'v-rsa-1',
    });
  });

  it('GenerateMac equals an independent HMAC of the seeded material, for every HMAC spec', async () => {
    const message = Buffer.from('webhook body {"id":42}');
    const independent: Record<string, () => Buffer> = {
      HMAC_SHA_224: () => Buffer.from(hmac(sha224, HMAC_MATERIAL, message)),
      HMAC_SHA_256: () => Buffer.from(hmac(sha256, HMAC_MATERIAL, message)),
      HMAC_SHA_384: () => Buffer.from(hmac(sha384, HMAC_MATERIAL, message)),
      HMAC_SHA_512: () => Buffer.from(hmac(sha512, HMAC_MATERIAL, message)),
      HMAC_SM3: () => Buffer.from(sm3([...message], { key: [...HMAC_MATERIAL], mode: 'hmac' }), 'hex'),
    };
    for (const [i, spec] of [
      'HMAC_SHA_224',
      'HMAC_SHA_256',
      'HMAC_SHA_384',
      'HMAC_SHA_512',
      'HMAC_SM3',
    ].entries()) {
      const keyId = `a0000000-0000-4000-8000-0000000000b${i}`;
      const out = await kms.call('GenerateMac', {
        KeyId: keyId,
        Algorithm: spec,
        Message: message.toString('base64'),
      });
      expect(out).toMatchObject({ KeyId: keyId, Algorithm: spec });
      expect(Buffer.from(out.Mac, 'base64').toString('hex'), spec).toBe(
        independent[spec]?.().toString('hex'),
      );
      const ok = await kms.call('VerifyMac', {
        KeyId: keyId,
        Algorithm: spec,
        Message: message.toString('base64'),
        Mac: out.Mac,
      });
      expect(ok).toMatchObject({ KeyId: keyId, Algorithm: spec, Value: true });
      const other = await kms.call('VerifyMac', {
        KeyId: keyId,
        Algorithm: spec,
        Message: Buffer.from('another body').toString('base64'),
        Mac: out.Mac,
      });
      expect(other.Value).toBe(false);
    }
  });

  it('exports key pairs and HMAC material (when secrets are asked for) and the export loads back', async () => {
    const full = (await request(emulator.app).get('/_emulator/export?secrets=true&format=json')).body;
    const exported = full.keys.find(
      (k: { keyId: string }) => k.keyId === 'a0000000-0000-4000-8000-0000000000a1',
    );
    expect(exported).toMatchObject({ keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY' });
    const der = Buffer.from(exported.versions[0].material, 'base64');
    expect(der).toEqual(rsa.privateKey.export({ format: 'der', type: 'pkcs8' }));
    const redacted = parseYaml((await request(emulator.app).get('/_emulator/export')).text);
    expect(JSON.stringify(redacted)).not.toContain(der.toString('base64'));
    const other = await startEmulator({ env: {} });
    try {
      expect((await request(other.app).post('/_emulator/seed').send(full)).status).toBe(200);
      const again = patientClient(other);
      const mac = await again.call('GenerateMac', {
        KeyId: 'a0000000-0000-4000-8000-0000000000b1',
        Algorithm: 'HMAC_SHA_256',
        Message: 'aGk=',
      });
      expect(Buffer.from(mac.Mac, 'base64')).toEqual(
        Buffer.from(hmac(sha256, HMAC_MATERIAL, Buffer.from('hi'))),
      );
    } finally {
      await other.close();
    }
  });

  it('refuses material that does not fit the spec', async () => {
    const bad = await request(emulator.app)
      .post('/_emulator/seed')
      .send({
        keys: [
          {
            keyId: 'a0000000-0000-4000-8000-0000000000c1',
            keySpec: 'EC_P256',
            versions: [{ keyVersionId: 'v1', material: RSA_PEM }],
          },
        ],
      });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('EC private key on prime256v1');
  });

  it('GenerateMac refuses the wrong algorithm, a non-HMAC key, a disabled key and bad base64', async () => {
    const keyId = 'a0000000-0000-4000-8000-0000000000b1';
    expect(await kms.fails('GenerateMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_512', Message: 'aGk=' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('GenerateMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_256', Message: '***' })).toBe(
      'InvalidParameter',
    );
    const aes = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    expect(await kms.fails('GenerateMac', { KeyId: aes, Algorithm: 'HMAC_SHA_256', Message: 'aGk=' })).toBe(
      'InvalidParameter',
    );
    expect(
      await kms.fails('VerifyMac', {
        KeyId: 'alias/none',
        Algorithm: 'HMAC_SHA_256',
        Message: 'aGk=',
        Mac: 'aGk=',
      }),
    ).toBe('Forbidden.AliasNotFound');
    expect(await kms.fails('GenerateMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_256' })).toBe(
      'MissingParameter',
    );
    await kms.call('DisableKey', { KeyId: keyId });
    expect(await kms.fails('GenerateMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_256', Message: 'aGk=' })).toBe(
      'Rejected.Disabled',
    );
    await kms.call('EnableKey', { KeyId: keyId });
  });

  it('CreateKey makes HMAC keys whose MACs verify', async () => {
    const meta = (await kms.call('CreateKey', { KeySpec: 'HMAC_SM3' })).KeyMetadata;
    expect(meta.KeyUsage).toBe('GENERATE/VERIFY_MAC');
    const mac = await kms.call('GenerateMac', { KeyId: meta.KeyId, Algorithm: 'HMAC_SM3', Message: 'aGk=' });
    expect(Buffer.from(mac.Mac, 'base64')).toHaveLength(32);
    expect(
      (
        await kms.call('VerifyMac', {
          KeyId: meta.KeyId,
          Algorithm: 'HMAC_SM3',
          Message: 'aGk=',
          Mac: mac.Mac,
        })
      ).Value,
    ).toBe(true);
  });
});

describe('EC_SM2 keys', () => {
  it('SM2DSA signs a digest; the signature verifies and is DER; a wrong digest does not verify', async () => {
    const meta = (await kms.call('CreateKey', { KeySpec: 'EC_SM2' })).KeyMetadata;
    const version = meta.PrimaryKeyVersion;
    const pem = (await kms.call('GetPublicKey', { KeyId: meta.KeyId, KeyVersionId: version })).PublicKey;
    const spki = createPublicKey(pem).export({ format: 'der', type: 'spki' });
    expect(spki.includes(Buffer.from('06082a811ccf5501822d', 'hex'))).toBe(true); // the SM2 curve OID
    const digest = createHash('sm3').update('message').digest().toString('base64');
    const base = { KeyId: meta.KeyId, KeyVersionId: version, Algorithm: 'SM2DSA', Digest: digest };
    const signed = await kms.call('AsymmetricSign', base);
    const der = Buffer.from(signed.Value, 'base64');
    expect(der[0]).toBe(0x30);
    expect((await kms.call('AsymmetricVerify', { ...base, Value: signed.Value })).Value).toBe(true);
    const other = createHash('sm3').update('other').digest().toString('base64');
    expect((await kms.call('AsymmetricVerify', { ...base, Digest: other, Value: signed.Value })).Value).toBe(
      false,
    );
    expect(await kms.fails('AsymmetricSign', { ...base, Algorithm: 'ECDSA_SHA_256' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreateKey', { KeySpec: 'EC_SM2', KeyUsage: 'GENERATE/VERIFY_MAC' })).toBe(
      'InvalidParameter',
    );
  });

  it('SM2PKE encrypts to GM/T 0009 DER that decrypts; tampering is detected', async () => {
    const meta = (await kms.call('CreateKey', { KeySpec: 'EC_SM2', KeyUsage: 'ENCRYPT/DECRYPT' }))
      .KeyMetadata;
    const base = { KeyId: meta.KeyId, KeyVersionId: meta.PrimaryKeyVersion, Algorithm: 'SM2PKE' };
    const plaintext = Buffer.from('国密 plaintext');
    const enc = await kms.call('AsymmetricEncrypt', { ...base, Plaintext: plaintext.toString('base64') });
    const blob = Buffer.from(enc.CiphertextBlob, 'base64');
    expect(blob[0]).toBe(0x30); // SEQUENCE
    const dec = await kms.call('AsymmetricDecrypt', { ...base, CiphertextBlob: enc.CiphertextBlob });
    expect(Buffer.from(dec.Plaintext, 'base64')).toEqual(plaintext);
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(
      await kms.fails('AsymmetricDecrypt', { ...base, CiphertextBlob: tampered.toString('base64') }),
    ).toBe('InvalidCiphertext');
    expect(
      await kms.fails('AsymmetricEncrypt', { ...base, Algorithm: 'RSAES_OAEP_SHA_256', Plaintext: 'aGk=' }),
    ).toBe('InvalidParameter');
  });
});

describe('ExportDataKey / GenerateAndExportDataKey under a public key', () => {
  it('SM2PKE: the exported data key decrypts with the SM2 key and equals the data key of the blob', async () => {
    const cmk = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    const sm2 = (await kms.call('CreateKey', { KeySpec: 'EC_SM2', KeyUsage: 'ENCRYPT/DECRYPT' })).KeyMetadata;
    const pem = (await kms.call('GetPublicKey', { KeyId: sm2.KeyId, KeyVersionId: sm2.PrimaryKeyVersion }))
      .PublicKey;
    const blob = createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('base64');
    const out = await kms.call('GenerateAndExportDataKey', {
      KeyId: cmk,
      PublicKeyBlob: blob,
      WrappingKeySpec: 'EC_SM2',
      WrappingAlgorithm: 'SM2PKE',
    });
    const unwrapped = await kms.call('AsymmetricDecrypt', {
      KeyId: sm2.KeyId,
      KeyVersionId: sm2.PrimaryKeyVersion,
      Algorithm: 'SM2PKE',
      CiphertextBlob: out.ExportedDataKey,
    });
    const dataKey = (await kms.call('Decrypt', { CiphertextBlob: out.CiphertextBlob })).Plaintext;
    expect(unwrapped.Plaintext).toBe(dataKey);
    expect(Buffer.from(dataKey, 'base64')).toHaveLength(32);

    const again = await kms.call('ExportDataKey', {
      CiphertextBlob: out.CiphertextBlob,
      PublicKeyBlob: blob,
      WrappingKeySpec: 'EC_SM2',
      WrappingAlgorithm: 'SM2PKE',
    });
    const second = await kms.call('AsymmetricDecrypt', {
      KeyId: sm2.KeyId,
      KeyVersionId: sm2.PrimaryKeyVersion,
      Algorithm: 'SM2PKE',
      CiphertextBlob: again.ExportedDataKey,
    });
    expect(second.Plaintext).toBe(dataKey);
    const rsaBlob = rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(
      await kms.fails('ExportDataKey', {
        CiphertextBlob: out.CiphertextBlob,
        PublicKeyBlob: rsaBlob,
        WrappingKeySpec: 'EC_SM2',
        WrappingAlgorithm: 'SM2PKE',
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('ExportDataKey', {
        CiphertextBlob: out.CiphertextBlob,
        PublicKeyBlob: blob,
        WrappingKeySpec: 'EC_SM2',
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
    ).toBe('InvalidParameter');
  });

  it('RSAES_OAEP_SHA_256 under an emulator RSA key: AsymmetricDecrypt unwraps it', async () => {
    const cmk = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    const pair = (await kms.call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' }))
      .KeyMetadata;
    const pem = (await kms.call('GetPublicKey', { KeyId: pair.KeyId, KeyVersionId: pair.PrimaryKeyVersion }))
      .PublicKey;
    const out = await kms.call('GenerateAndExportDataKey', {
      KeyId: cmk,
      PublicKeyBlob: createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('base64'),
      WrappingKeySpec: 'RSA_2048',
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    const unwrapped = await kms.call('AsymmetricDecrypt', {
      KeyId: pair.KeyId,
      KeyVersionId: pair.PrimaryKeyVersion,
      Algorithm: 'RSAES_OAEP_SHA_256',
      CiphertextBlob: out.ExportedDataKey,
    });
    expect(unwrapped.Plaintext).toBe(
      (await kms.call('Decrypt', { CiphertextBlob: out.CiphertextBlob })).Plaintext,
    );
    // And OpenSSL's own OAEP ciphertext under that key decrypts too.
    const foreign = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('x'),
    );
    expect(
      (
        await kms.call('AsymmetricDecrypt', {
          KeyId: pair.KeyId,
          KeyVersionId: pair.PrimaryKeyVersion,
          Algorithm: 'RSAES_OAEP_SHA_256',
          CiphertextBlob: foreign.toString('base64'),
        })
      ).Plaintext,
    ).toBe('eA==');
  });

  it('HMAC KeySpecs are spelled as the SDK names the algorithms (HMAC_SHA_256); a near miss is refused, naming them', async () => {
    for (const spec of ['HMAC_SM3', 'HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']) {
      const meta = (await kms.call('CreateKey', { KeySpec: spec })).KeyMetadata;
      expect(meta).toMatchObject({ KeySpec: spec, KeyUsage: 'GENERATE/VERIFY_MAC' });
      expect(
        (await kms.call('GenerateMac', { KeyId: meta.KeyId, Algorithm: spec, Message: 'aGk=' })).Algorithm,
      ).toBe(spec);
    }
    for (const spec of ['HMAC_SHA256', 'hmac_sha_256', 'HMAC_256']) {
      const error = await kms.call('CreateKey', { KeySpec: spec }).then(
        () => undefined,
        (e: { code?: string; message?: string }) => e,
      );
      expect(error?.code).toBe('InvalidParameter');
      expect(error?.message).toContain('HMAC_SM3, HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512');
    }
  });
});
