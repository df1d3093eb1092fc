import { KmsError } from '../protocol/errors.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

/**
 * Asymmetric keys (AsymmetricSign/Verify/Encrypt/Decrypt, GetPublicKey) and HMAC keys
 * (GenerateMac/VerifyMac). The cryptography is the domain's (world.asymmetric, world.macs); the
 * key-state rules are `usableKey`'s, as for every cryptographic operation.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A base64 parameter as bytes; InvalidParameter when it is not base64. */
export function base64Param(params: Params, name: string): Buffer {
  const text = params.string(name).replace(/\s+/g, '');
  if (text === '' || !BASE64.test(text)) {
    throw new KmsError(
      'InvalidParameter',
      `The specified parameter "${name}" is not valid: it must be base64.`,
    );
  }
  return Buffer.from(text, 'base64');
}

defineOperations({
  GetPublicKey: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const keyVersionId = params.string('KeyVersionId');
    return {
      KeyId: key.keyId,
      KeyVersionId: keyVersionId,
      PublicKey: world.asymmetric.publicKeyPem(key, keyVersionId),
    };
  },

  AsymmetricSign: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const keyVersionId = params.string('KeyVersionId');
    const signature = world.asymmetric.sign(
      key,
      keyVersionId,
      params.string('Algorithm'),
      base64Param(params, 'Digest'),
    );
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, Value: signature.toString('base64') };
  },

  AsymmetricVerify: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const keyVersionId = params.string('KeyVersionId');
    const valid = world.asymmetric.verify(
      key,
      keyVersionId,
      params.string('Algorithm'),
      base64Param(params, 'Digest'),
      base64Param(params, 'Value'),
    );
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, Value: valid };
  },

  AsymmetricEncrypt: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const keyVersionId = params.string('KeyVersionId');
    const ciphertext = world.asymmetric.encrypt(
      key,
      keyVersionId,
      params.string('Algorithm'),
      base64Param(params, 'Plaintext'),
    );
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, CiphertextBlob: ciphertext.toString('base64') };
  },

  AsymmetricDecrypt: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const keyVersionId = params.string('KeyVersionId');
    const plaintext = world.asymmetric.decrypt(
      key,
      keyVersionId,
      params.string('Algorithm'),
      base64Param(params, 'CiphertextBlob'),
    );
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, Plaintext: plaintext.toString('base64') };
  },

  GenerateMac: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const algorithm = params.string('Algorithm');
    const mac = world.macs.generate(key, algorithm, base64Param(params, 'Message'));
    return { KeyId: key.keyId, Algorithm: algorithm, Mac: mac.toString('base64') };
  },

  VerifyMac: (params, { world, scope }) => {
    const key = world.keys.usableKey(scope, params.string('KeyId'));
    const algorithm = params.string('Algorithm');
    const valid = world.macs.verify(
      key,
      algorithm,
      base64Param(params, 'Message'),
      base64Param(params, 'Mac'),
    );
    return { KeyId: key.keyId, Algorithm: algorithm, Value: valid };
  },
});
