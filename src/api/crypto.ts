import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { randomInt } from '../domain/random.js';
import { KmsError } from '../protocol/errors.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

const MAX_PLAINTEXT = 6 * 1024;

/**
 * Plaintext is an opaque string to the service: its UTF-8 bytes are encrypted and Decrypt gives the
 * same string back. (The docs ask for base64, but the service and its clients accept any text.)
 * A data key's Plaintext is its base64 text, so Decrypt of a data-key blob returns that text.
 */
function plaintextParam(params: Params): Buffer {
  const text = params.string('Plaintext');
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_PLAINTEXT) {
    throw new KmsError('InvalidParameter', 'The specified parameter "Plaintext" is too long: at most 6 KB.');
  }
  return bytes;
}

function context(params: Params, name = 'EncryptionContext'): Record<string, unknown> | undefined {
  const value = params.optObject(name);
  if (value && Object.values(value).some((v) => typeof v === 'object' && v !== null)) {
    throw new KmsError('InvalidParameter', `The specified parameter "${name}" must map strings to strings.`);
  }
  return value;
}

function dataKeySize(params: Params): number {
  const bytes = params.optInt('NumberOfBytes');
  if (bytes !== undefined) {
    if (bytes < 1 || bytes > 1024)
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "NumberOfBytes" is not valid: 1 to 1024.',
      );
    return bytes;
  }
  return params.optString('KeySpec')?.trim() === 'AES_128' ? 16 : 32;
}

/** Wraps a data key under the caller's RSA public key (ExportDataKey, GenerateAndExportDataKey). */
function exportUnder(params: Params, dataKey: Buffer): string {
  const spec = params.string('WrappingKeySpec');
  const algorithm = params.string('WrappingAlgorithm');
  if (spec.startsWith('EC_SM2') || algorithm === 'SM2PKE') {
    throw new KmsError(
      'UnsupportedOperation',
      'The emulator does not implement SM2PKE wrapping; use RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1.',
    );
  }
  const oaepHash = { RSAES_OAEP_SHA_256: 'sha256', RSAES_OAEP_SHA_1: 'sha1' }[algorithm];
  if (!oaepHash)
    throw new KmsError('InvalidParameter', 'The specified parameter "WrappingAlgorithm" is not valid.');
  if (!/^RSA_(2048|3072|4096)$/.test(spec))
    throw new KmsError('InvalidParameter', 'The specified parameter "WrappingKeySpec" is not valid.');
  let publicKey: ReturnType<typeof createPublicKey>;
  try {
    const der = Buffer.from(params.string('PublicKeyBlob'), 'base64');
    publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "PublicKeyBlob" is not a base64 DER (SPKI) RSA public key.',
    );
  }
  // RSAES-OAEP carries at most k - 2·hLen - 2 bytes (k: modulus bytes): a longer data key cannot be
  // wrapped under this public key.
  const modulusBytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const room = modulusBytes - 2 * (oaepHash === 'sha256' ? 32 : 20) - 2;
  if (publicKey.asymmetricKeyType !== 'rsa' || dataKey.length > room) {
    throw new KmsError(
      'InvalidParameter',
      publicKey.asymmetricKeyType !== 'rsa'
        ? 'The specified parameter "PublicKeyBlob" is not an RSA public key.'
        : `The data key (${dataKey.length} bytes) is longer than ${algorithm} under this public key can carry (${Math.max(room, 0)} bytes).`,
    );
  }
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
    dataKey,
  ).toString('base64');
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

defineOperations({
  Encrypt: (params, { world, scope }) => {
    const out = world.keys.encrypt(scope, params.string('KeyId'), plaintextParam(params), context(params));
    return { KeyId: out.keyId, KeyVersionId: out.keyVersionId, CiphertextBlob: out.ciphertextBlob };
  },

  Decrypt: (params, { world, scope }) => {
    const out = world.keys.decrypt(scope, params.string('CiphertextBlob'), context(params));
    return { KeyId: out.keyId, KeyVersionId: out.keyVersionId, Plaintext: out.plaintext.toString('utf8') };
  },

  ReEncrypt: (params, { world, scope }) => {
    const source = world.keys.decrypt(
      scope,
      params.string('CiphertextBlob'),
      context(params, 'SourceEncryptionContext'),
    );
    const out = world.keys.encrypt(
      scope,
      params.string('DestinationKeyId'),
      source.plaintext,
      context(params, 'DestinationEncryptionContext'),
    );
    return { KeyId: out.keyId, KeyVersionId: out.keyVersionId, CiphertextBlob: out.ciphertextBlob };
  },

  GenerateDataKey: (params, { world, scope }) => {
    const dataKey = world.random.bytes(dataKeySize(params)).toString('base64');
    const out = world.keys.encrypt(scope, params.string('KeyId'), Buffer.from(dataKey), context(params));
    return {
      KeyId: out.keyId,
      KeyVersionId: out.keyVersionId,
      CiphertextBlob: out.ciphertextBlob,
      Plaintext: dataKey,
    };
  },

  GenerateDataKeyWithoutPlaintext: (params, { world, scope }) => {
    const out = world.keys.encrypt(
      scope,
      params.string('KeyId'),
      Buffer.from(world.random.bytes(dataKeySize(params)).toString('base64')),
      context(params),
    );
    return { KeyId: out.keyId, KeyVersionId: out.keyVersionId, CiphertextBlob: out.ciphertextBlob };
  },

  ExportDataKey: (params, { world, scope }) => {
    const out = world.keys.decrypt(scope, params.string('CiphertextBlob'), context(params));
    return {
      KeyId: out.keyId,
      KeyVersionId: out.keyVersionId,
      ExportedDataKey: exportUnder(params, Buffer.from(out.plaintext.toString('utf8'), 'base64')),
    };
  },

  GenerateAndExportDataKey: (params, { world, scope }) => {
    const dataKey = world.random.bytes(dataKeySize(params));
    const exported = exportUnder(params, dataKey);
    const out = world.keys.encrypt(
      scope,
      params.string('KeyId'),
      Buffer.from(dataKey.toString('base64')),
      context(params),
    );
    return {
      KeyId: out.keyId,
      KeyVersionId: out.keyVersionId,
      CiphertextBlob: out.ciphertextBlob,
      ExportedDataKey: exported,
    };
  },

  GetRandomPassword: (params, { world }) => {
    const length = Number(params.optString('PasswordLength') ?? '32');
    if (!Number.isInteger(length) || length < 8 || length > 128) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "PasswordLength" is not valid: 8 to 128.',
      );
    }
    const excluded = new Set(params.optString('ExcludeCharacters') ?? '');
    const yes = (name: string) => params.optBool(name) === true;
    const classes = [
      yes('ExcludeLowercase') ? '' : LOWER,
      yes('ExcludeUppercase') ? '' : UPPER,
      yes('ExcludeNumbers') ? '' : DIGITS,
      yes('ExcludePunctuation') ? '' : PUNCTUATION,
    ]
      .map((set) => [...set].filter((c) => !excluded.has(c)).join(''))
      .filter((set) => set.length > 0);
    if (classes.length === 0) throw new KmsError('InvalidParameter', 'Every character class is excluded.');
    const all = classes.join('');
    const pick = (set: string) => set[randomInt(world.random, set.length)] as string;
    const chars = Array.from({ length }, () => pick(all));
    // RequireEachIncludedType (default true): one character of each class at distinct random places.
    if (params.optBool('RequireEachIncludedType') !== false && classes.length <= length) {
      const places = [...Array(length).keys()];
      for (const set of classes) {
        const index = places.splice(randomInt(world.random, places.length), 1)[0] as number;
        chars[index] = pick(set);
      }
    }
    return { RandomPassword: chars.join('') };
  },
});
