import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;
let keyId: string;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = kmsClient(emulator);
  keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
});
afterAll(() => emulator.close());

describe('Encrypt / Decrypt', () => {
  it('round-trips with the EncryptionContext as authenticated data, in any key order', async () => {
    const enc = await kms.call('Encrypt', {
      KeyId: keyId,
      Plaintext: 'aGVsbG8gd29ybGQ=',
      EncryptionContext: JSON.stringify({ app: 'orders', tenant: 't1' }),
    });
    expect(enc.KeyId).toBe(keyId);
    const dec = await kms.call('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: JSON.stringify({ tenant: 't1', app: 'orders' }),
    });
    expect(dec).toMatchObject({
      Plaintext: 'aGVsbG8gd29ybGQ=',
      KeyId: keyId,
      KeyVersionId: enc.KeyVersionId,
    });
    expect(await kms.fails('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).toBe('InvalidCiphertext');
    expect(
      await kms.fails('Decrypt', {
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: JSON.stringify({ app: 'orders' }),
      }),
    ).toBe('InvalidCiphertext');
  });

  it('is non-deterministic and detects tampering', async () => {
    const a = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'same' })).CiphertextBlob;
    const b = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'same' })).CiphertextBlob;
    expect(a).not.toBe(b);
    const bytes = Buffer.from(a, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(await kms.fails('Decrypt', { CiphertextBlob: bytes.toString('base64') })).toBe(
      'InvalidCiphertext',
    );
    expect(await kms.fails('Decrypt', { CiphertextBlob: 'bm90IGEgYmxvYg==' })).toBe('InvalidCiphertext');
  });

  it('limits plaintext to 6 KB and validates the context', async () => {
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'x'.repeat(6 * 1024 + 1) })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'x', EncryptionContext: '{bad' })).toBe(
      'InvalidParameter',
    );
  });

  it('works with every key spec, SM4 included', async () => {
    for (const spec of ['Aliyun_AES_128', 'Aliyun_AES_192', 'Aliyun_SM4']) {
      const id = (await kms.call('CreateKey', { KeySpec: spec })).KeyMetadata.KeyId;
      const enc = await kms.call('Encrypt', {
        KeyId: id,
        Plaintext: `via ${spec}`,
        EncryptionContext: '{"k":"v"}',
      });
      expect(
        (await kms.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: '{"k":"v"}' }))
          .Plaintext,
      ).toBe(`via ${spec}`);
      expect(
        await kms.fails('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: '{"k":"w"}' }),
      ).toBe('InvalidCiphertext');
    }
  });

  it('ReEncrypt moves a ciphertext to another key and context', async () => {
    const other = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    const enc = await kms.call('Encrypt', {
      KeyId: keyId,
      Plaintext: 'move me',
      EncryptionContext: '{"a":"1"}',
    });
    const re = await kms.call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: '{"a":"1"}',
      DestinationKeyId: other,
      DestinationEncryptionContext: '{"b":"2"}',
    });
    expect(re.KeyId).toBe(other);
    expect(
      (await kms.call('Decrypt', { CiphertextBlob: re.CiphertextBlob, EncryptionContext: '{"b":"2"}' }))
        .Plaintext,
    ).toBe('move me');
  });
});

describe('data keys', () => {
  it('GenerateDataKey returns a real random key and a blob that decrypts to it', async () => {
    const dk = await kms.call('GenerateDataKey', { KeyId: keyId, EncryptionContext: '{"file":"a.txt"}' });
    expect(Buffer.from(dk.Plaintext, 'base64')).toHaveLength(32);
    const again = await kms.call('GenerateDataKey', { KeyId: keyId });
    expect(again.Plaintext).not.toBe(dk.Plaintext);
    const back = await kms.call('Decrypt', {
      CiphertextBlob: dk.CiphertextBlob,
      EncryptionContext: '{"file":"a.txt"}',
    });
    expect(back.Plaintext).toBe(dk.Plaintext);
    expect(
      Buffer.from(
        (await kms.call('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_128' })).Plaintext,
        'base64',
      ),
    ).toHaveLength(16);
    expect(
      Buffer.from(
        (await kms.call('GenerateDataKey', { KeyId: keyId, NumberOfBytes: 7 })).Plaintext,
        'base64',
      ),
    ).toHaveLength(7);
    expect(await kms.fails('GenerateDataKey', { KeyId: keyId, NumberOfBytes: 1025 })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_512' })).toBe('InvalidParameter');
  });

  it('GenerateDataKeyWithoutPlaintext returns only the blob', async () => {
    const dk = await kms.call('GenerateDataKeyWithoutPlaintext', { KeyId: keyId });
    expect(dk.Plaintext).toBeUndefined();
    expect(
      Buffer.from((await kms.call('Decrypt', { CiphertextBlob: dk.CiphertextBlob })).Plaintext, 'base64'),
    ).toHaveLength(32);
  });

  it('ExportDataKey and GenerateAndExportDataKey wrap the data key under the caller RSA key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const blob = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_256', 'sha256'],
      ['RSAES_OAEP_SHA_1', 'sha1'],
    ]) {
      const generated = await kms.call('GenerateAndExportDataKey', {
        KeyId: keyId,
        PublicKeyBlob: blob,
        WrappingKeySpec: 'RSA_2048',
        WrappingAlgorithm: algorithm,
      });
      const unwrapped = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        Buffer.from(generated.ExportedDataKey, 'base64'),
      );
      expect(unwrapped).toHaveLength(32);
      const viaKms = Buffer.from(
        (await kms.call('Decrypt', { CiphertextBlob: generated.CiphertextBlob })).Plaintext,
        'base64',
      );
      expect(viaKms.equals(unwrapped)).toBe(true);
      const exported = await kms.call('ExportDataKey', {
        CiphertextBlob: generated.CiphertextBlob,
        PublicKeyBlob: blob,
        WrappingKeySpec: 'RSA_2048',
        WrappingAlgorithm: algorithm,
      });
      const again = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        Buffer.from(exported.ExportedDataKey, 'base64'),
      );
      expect(createHash('sha256').update(again).digest('hex')).toBe(
        createHash('sha256').update(unwrapped).digest('hex'),
      );
    }
    expect(
      await kms.fails('ExportDataKey', {
        CiphertextBlob: (await kms.call('GenerateDataKey', { KeyId: keyId })).CiphertextBlob,
        PublicKeyBlob: blob,
        WrappingKeySpec: 'EC_SM2',
        WrappingAlgorithm: 'SM2PKE',
      }),
    ).toBe('InvalidParameter'); // an RSA PublicKeyBlob is no SM2 key (SM2PKE: test/asymmetric-sm2-mac.test.ts)
    expect(
      await kms.fails('GenerateAndExportDataKey', {
        KeyId: keyId,
        PublicKeyBlob: 'bm90IGEga2V5',
        WrappingKeySpec: 'RSA_2048',
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
    ).toBe('InvalidParameter');
  });
});

describe('GetRandomPassword', () => {
  it('honours length, exclusions and the each-type requirement', async () => {
    const plain = (await kms.call('GetRandomPassword', {})).RandomPassword as string;
    expect(plain).toHaveLength(32);
    for (const [pattern] of [[/[a-z]/], [/[A-Z]/], [/[0-9]/], [/[^A-Za-z0-9]/]] as const)
      expect(plain).toMatch(pattern);
    const digitsOnly = (
      await kms.call('GetRandomPassword', {
        PasswordLength: '20',
        ExcludeLowercase: 'true',
        ExcludeUppercase: 'true',
        ExcludePunctuation: 'true',
        ExcludeCharacters: '0123',
      })
    ).RandomPassword as string;
    expect(digitsOnly).toMatch(/^[4-9]{20}$/);
    expect(await kms.fails('GetRandomPassword', { PasswordLength: '7' })).toBe('InvalidParameter');
    expect(
      await kms.fails('GetRandomPassword', {
        ExcludeLowercase: 'true',
        ExcludeUppercase: 'true',
        ExcludeNumbers: 'true',
        ExcludePunctuation: 'true',
      }),
    ).toBe('InvalidParameter');
  });
});
