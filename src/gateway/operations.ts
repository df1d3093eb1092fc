import { createCipheriv, createDecipheriv, createPrivateKey } from 'node:crypto';
import { KEY_USER, SECRET_USER } from '../domain/access-points.js';
import {
  publicKeyDer,
  publicKeyPem,
  signDigest,
  signMessage,
  verifyDigest,
  verifyMessage,
} from '../domain/asymmetric.js';
import type { ClientKey } from '../domain/client-keys.js';
import { ADVANCE_HEAD, decodeBlob, invalidCiphertext, type KeySpec, open, seal } from '../domain/crypto.js';
import { type AsymmetricSpec, generateMaterial, isAsymmetric, isSymmetric } from '../domain/key-specs.js';
import type { KeyRecord } from '../domain/keys.js';
import { isoSeconds } from '../domain/time.js';
import type { Scope, World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import type { Message } from './messages.js';

/**
 * The operations of the KMS Instance API. Keys and secrets are the OpenAPI's own objects; every call
 * is allowed only by a policy of the client key's application access point (`allow`).
 *
 * Ciphertexts: Encrypt/Decrypt/GenerateDataKey use the instance format — AES-GCM with the key's
 * primary version, `CiphertextBlob` = ciphertext ‖ tag, `Iv` apart, `Aad` as authenticated data —
 * which only this API decrypts (Decrypt takes KeyId and Iv). The Advance… variants answer the
 * OpenAPI's self-describing ciphertext blob (key and version inside, the raw bytes of its base64),
 * so OpenAPI Decrypt reads them too (with EncryptionContext {"Aad": base64(Aad)} when Aad was given)
 * and they survive key rotation.
 */
export interface GatewayContext {
  world: World;
  scope: Scope;
  clientKey: ClientKey;
  /** The instance the connection named by SNI (`<kst-id>.cryptoservice…`); undefined for loopback. */
  instanceId: string | undefined;
  sourceIp: string;
  requestId: string;
}

type Operation = (request: Message, ctx: GatewayContext) => Message | Promise<Message>;

const MAX_PLAINTEXT = 6 * 1024;
const GCM_IV = 12;
const TAG = 16;

function bytes(request: Message, name: string): Buffer {
  const value = request[name];
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
}

function text(request: Message, name: string): string {
  const value = request[name];
  return typeof value === 'string' ? value : '';
}

function required(request: Message, name: string): string {
  const value = text(request, name);
  if (value === '') throw new KmsError('MissingParameter', `The parameter ${name} is required.`);
  return value;
}

function instanceOf(ctx: GatewayContext, id: string | undefined): string {
  return id ?? ctx.world.instances.defaultInstance(ctx.scope).kmsInstanceId;
}

/** The one authorization rule of the gateway: a policy of the AAP covers this use. */
function allow(ctx: GatewayContext, kmsInstanceId: string, permission: string, resource: string): void {
  ctx.world.accessPoints.authorize(ctx.scope, ctx.clientKey.aapName, {
    kmsInstanceId,
    permission,
    resource,
    sourceIp: ctx.sourceIp,
  });
}

/** A usable key of the instance, which the AAP may use for cryptography. */
function usableKey(ctx: GatewayContext, keyRef: string): KeyRecord {
  const key = ctx.world.keys.resolve(ctx.scope, keyRef);
  const instanceId = instanceOf(ctx, key.dkmsInstanceId);
  if (key.managed || (ctx.instanceId !== undefined && ctx.instanceId !== instanceId)) {
    throw new KmsError('Forbidden.KeyNotFound');
  }
  allow(ctx, instanceId, KEY_USER, `key/${key.keyId}`);
  return ctx.world.keys.usableKey(ctx.scope, key.keyId);
}

function symmetric(key: KeyRecord): KeySpec {
  if (!isSymmetric(key.keySpec)) {
    throw new KmsError('InvalidParameter', `The key ${key.keyId} (${key.keySpec}) is not a symmetric key.`);
  }
  return key.keySpec as KeySpec;
}

function checkAlgorithm(key: KeyRecord, algorithm: string): string {
  const expected = symmetric(key) === 'Aliyun_SM4' ? 'SM4_GCM' : 'AES_GCM';
  if (algorithm !== '' && algorithm !== expected) {
    throw new KmsError(
      'InvalidParameter',
      `The Algorithm ${algorithm} is not valid for a ${key.keySpec} key: use ${expected}.`,
    );
  }
  return expected;
}

function checkPlaintext(plaintext: Buffer): Buffer {
  if (plaintext.length === 0) throw new KmsError('MissingParameter', 'The parameter Plaintext is required.');
  if (plaintext.length > MAX_PLAINTEXT)
    throw new KmsError('InvalidParameter', 'The Plaintext is too long: at most 6 KB.');
  return plaintext;
}

function keyMaterial(ctx: GatewayContext, key: KeyRecord, keyVersionId: string): Buffer {
  const material = ctx.world.keys.versionMaterial(key, keyVersionId);
  if (!material) throw invalidCiphertext();
  return material;
}

/** Instance-format encryption under the key's primary version; a caller's Iv is used as given. */
function encryptRaw(ctx: GatewayContext, key: KeyRecord, plaintext: Buffer, aad: Buffer, iv: Buffer) {
  const material = keyMaterial(ctx, key, key.primaryKeyVersion);
  if (iv.length > 0 && key.keySpec !== 'Aliyun_SM4') {
    if (iv.length !== GCM_IV) throw new KmsError('InvalidParameter', 'The Iv must be 12 bytes.');
    const cipher = createCipheriv(`aes-${material.length * 8}-gcm` as 'aes-256-gcm', material, iv);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { iv, blob: Buffer.concat([ciphertext, cipher.getAuthTag()]) };
  }
  const sealed = seal(symmetric(key), material, plaintext, aad, ctx.world.random);
  return { iv: sealed.iv, blob: Buffer.concat([sealed.ciphertext, sealed.tag]) };
}

function decryptRaw(key: KeyRecord, ctx: GatewayContext, blob: Buffer, aad: Buffer, iv: Buffer): Buffer {
  if (blob.length <= TAG || iv.length === 0) {
    throw new KmsError('InvalidParameter', 'The CiphertextBlob or Iv is not valid.');
  }
  const sealed = {
    iv,
    tag: blob.subarray(blob.length - TAG),
    ciphertext: blob.subarray(0, blob.length - TAG),
  };
  // The instance format names no version: the primary first, then the older ones.
  const versions = [
    key.primaryKeyVersion,
    ...key.versions
      .map((v) => v.keyVersionId)
      .filter((v) => v !== key.primaryKeyVersion)
      .reverse(),
  ];
  if (key.keySpec !== 'Aliyun_SM4' && iv.length !== GCM_IV)
    throw new KmsError('InvalidParameter', 'The Iv must be 12 bytes.');
  for (const version of versions) {
    const material = keyMaterial(ctx, key, version);
    try {
      if (key.keySpec === 'Aliyun_SM4') return open('Aliyun_SM4', material, sealed, aad);
      const decipher = createDecipheriv(`aes-${material.length * 8}-gcm` as 'aes-256-gcm', material, iv);
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      // next version
    }
  }
  throw new KmsError(
    'InvalidCiphertext',
    'The specified CiphertextBlob is invalid: it was altered, or the Aad or Iv does not match.',
  );
}

function aadContext(aad: Buffer): Record<string, string> | undefined {
  return aad.length > 0 ? { Aad: aad.toString('base64') } : undefined;
}

function advanceEncrypt(ctx: GatewayContext, key: KeyRecord, plaintext: Buffer, aad: Buffer) {
  const out = ctx.world.keys.encrypt(ctx.scope, key.keyId, plaintext, aadContext(aad));
  return {
    keyVersionId: out.keyVersionId,
    // '$' 0x00 0x02, then the OpenAPI's blob: the form the KMS SDK's TransferClient strips to hand
    // an OpenAPI ciphertext to its caller (and puts back before AdvanceDecrypt).
    blob: Buffer.concat([ADVANCE_HEAD, Buffer.from(out.ciphertextBlob, 'base64')]),
    iv: decodeBlob(out.ciphertextBlob).iv,
  };
}

function dataKeyLength(value: unknown): number {
  const n = typeof value === 'number' && value !== 0 ? value : 32;
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new KmsError('InvalidParameter', 'The NumberOfBytes is not valid: 1 to 1024.');
  }
  return n;
}

/**
 * The signing material of an asymmetric key's primary version. MessageType RAW (the default: the SDKs
 * send the data as Message) or DIGEST (the SDKs send the digest as Message; Digest is read too).
 */
function signingKey(ctx: GatewayContext, key: KeyRecord, request: Message) {
  if (!isAsymmetric(key.keySpec)) {
    throw new KmsError('InvalidParameter', `The key ${key.keyId} (${key.keySpec}) is not an asymmetric key.`);
  }
  const messageType = text(request, 'MessageType') || 'RAW';
  if (messageType !== 'RAW' && messageType !== 'DIGEST') {
    throw new KmsError('InvalidParameter', 'The MessageType is not valid: RAW or DIGEST.');
  }
  return {
    spec: key.keySpec as AsymmetricSpec,
    pkcs8: keyMaterial(ctx, key, key.primaryKeyVersion),
    algorithm: required(request, 'Algorithm'),
    messageType,
  };
}

function digestOf(request: Message): Buffer {
  const digest = bytes(request, 'Digest').length > 0 ? bytes(request, 'Digest') : bytes(request, 'Message');
  if (digest.length === 0) throw new KmsError('MissingParameter', 'The parameter Digest is required.');
  return digest;
}

const KEY_PAIR_SPECS = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P256K', 'EC_SM2']);

/** A fresh key pair; the private key encrypted under the (symmetric) key named by KeyId. */
function dataKeyPair(
  request: Message,
  ctx: GatewayContext,
  kind: { plaintext: boolean; advance: boolean },
): Message {
  const key = usableKey(ctx, required(request, 'KeyId'));
  const algorithm = checkAlgorithm(key, kind.advance ? '' : text(request, 'Algorithm'));
  const spec = text(request, 'KeyPairSpec') || 'RSA_2048';
  if (!KEY_PAIR_SPECS.has(spec)) {
    throw new KmsError(
      'InvalidParameter',
      `The KeyPairSpec ${spec} is not valid: ${[...KEY_PAIR_SPECS].join(', ')}.`,
    );
  }
  const format = text(request, 'KeyFormat') || 'PEM';
  if (format !== 'PEM' && format !== 'DER')
    throw new KmsError('InvalidParameter', 'The KeyFormat is not valid: PEM or DER.');
  const pkcs8 = generateMaterial(spec as AsymmetricSpec, ctx.world.random);
  const privateKey =
    format === 'PEM'
      ? Buffer.from(
          createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
            format: 'pem',
            type: 'pkcs8',
          }),
        )
      : pkcs8;
  const publicKey = format === 'PEM' ? Buffer.from(publicKeyPem(pkcs8)) : publicKeyDer(pkcs8);
  const aad = bytes(request, 'Aad');
  const sealed = kind.advance
    ? advanceEncrypt(ctx, key, privateKey, aad)
    : { ...encryptRaw(ctx, key, privateKey, aad, Buffer.alloc(0)), keyVersionId: undefined };
  return {
    KeyId: key.keyId,
    Iv: sealed.iv,
    KeyPairSpec: spec,
    ...(kind.plaintext ? { PrivateKeyPlaintext: privateKey } : {}),
    PrivateKeyCiphertextBlob: sealed.blob,
    PublicKey: publicKey,
    Algorithm: algorithm,
    ...(kind.advance ? { KeyVersionId: sealed.keyVersionId } : {}),
  };
}

export const operations: Record<string, Operation> = {
  Encrypt: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    if (isAsymmetric(key.keySpec)) {
      const algorithm = required(request, 'Algorithm');
      const plaintext = checkPlaintext(bytes(request, 'Plaintext'));
      const blob = ctx.world.asymmetric.encrypt(key, key.primaryKeyVersion, algorithm, plaintext);
      return { KeyId: key.keyId, CiphertextBlob: blob, Algorithm: algorithm };
    }
    const algorithm = checkAlgorithm(key, text(request, 'Algorithm'));
    const plaintext = checkPlaintext(bytes(request, 'Plaintext'));
    const out = encryptRaw(ctx, key, plaintext, bytes(request, 'Aad'), bytes(request, 'Iv'));
    return {
      KeyId: key.keyId,
      CiphertextBlob: out.blob,
      Iv: out.iv,
      Algorithm: algorithm,
      PaddingMode: text(request, 'PaddingMode'),
    };
  },

  Decrypt: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    if (isAsymmetric(key.keySpec)) {
      const algorithm = required(request, 'Algorithm');
      const plaintext = ctx.world.asymmetric.decrypt(
        key,
        key.primaryKeyVersion,
        algorithm,
        bytes(request, 'CiphertextBlob'),
      );
      return { KeyId: key.keyId, Plaintext: plaintext, Algorithm: algorithm };
    }
    const algorithm = checkAlgorithm(key, text(request, 'Algorithm'));
    const plaintext = decryptRaw(
      key,
      ctx,
      bytes(request, 'CiphertextBlob'),
      bytes(request, 'Aad'),
      bytes(request, 'Iv'),
    );
    return {
      KeyId: key.keyId,
      Plaintext: plaintext,
      Algorithm: algorithm,
      PaddingMode: text(request, 'PaddingMode'),
    };
  },

  GenerateDataKey: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    const algorithm = checkAlgorithm(key, text(request, 'Algorithm'));
    const plaintext = ctx.world.random.bytes(dataKeyLength(request.NumberOfBytes));
    const out = encryptRaw(ctx, key, plaintext, bytes(request, 'Aad'), Buffer.alloc(0));
    return {
      KeyId: key.keyId,
      Iv: out.iv,
      Plaintext: plaintext,
      CiphertextBlob: out.blob,
      Algorithm: algorithm,
    };
  },

  AdvanceEncrypt: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    const algorithm = checkAlgorithm(key, text(request, 'Algorithm'));
    const out = advanceEncrypt(ctx, key, checkPlaintext(bytes(request, 'Plaintext')), bytes(request, 'Aad'));
    return {
      KeyId: key.keyId,
      CiphertextBlob: out.blob,
      Iv: out.iv,
      Algorithm: algorithm,
      PaddingMode: text(request, 'PaddingMode'),
      KeyVersionId: out.keyVersionId,
    };
  },

  AdvanceDecrypt: (request, ctx) => {
    const blob = bytes(request, 'CiphertextBlob');
    if (blob.length === 0)
      throw new KmsError('MissingParameter', 'The parameter CiphertextBlob is required.');
    const encoded = blob.toString('base64');
    const key = usableKey(ctx, decodeBlob(encoded).keyId);
    const algorithm = checkAlgorithm(key, text(request, 'Algorithm'));
    const out = ctx.world.keys.decrypt(ctx.scope, encoded, aadContext(bytes(request, 'Aad')));
    return {
      KeyId: key.keyId,
      Plaintext: out.plaintext,
      Algorithm: algorithm,
      PaddingMode: text(request, 'PaddingMode'),
      KeyVersionId: out.keyVersionId,
    };
  },

  AdvanceGenerateDataKey: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    const algorithm = checkAlgorithm(key, '');
    const plaintext = ctx.world.random.bytes(dataKeyLength(request.NumberOfBytes));
    const out = advanceEncrypt(ctx, key, plaintext, bytes(request, 'Aad'));
    return {
      KeyId: key.keyId,
      Iv: out.iv,
      Plaintext: plaintext,
      CiphertextBlob: out.blob,
      Algorithm: algorithm,
      KeyVersionId: out.keyVersionId,
    };
  },

  Sign: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    const { spec, pkcs8, algorithm, messageType } = signingKey(ctx, key, request);
    const signature =
      messageType === 'RAW'
        ? signMessage(spec, pkcs8, algorithm, bytes(request, 'Message'), ctx.world.random)
        : signDigest(spec, pkcs8, algorithm, digestOf(request), ctx.world.random);
    return { KeyId: key.keyId, Signature: signature, Algorithm: algorithm, MessageType: messageType };
  },

  Verify: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    const { spec, pkcs8, algorithm, messageType } = signingKey(ctx, key, request);
    const signature = bytes(request, 'Signature');
    const spki = publicKeyDer(pkcs8);
    const value =
      messageType === 'RAW'
        ? verifyMessage(spec, spki, algorithm, bytes(request, 'Message'), signature)
        : verifyDigest(spec, spki, algorithm, digestOf(request), signature);
    return { KeyId: key.keyId, Value: value, Algorithm: algorithm, MessageType: messageType };
  },

  GetPublicKey: (request, ctx) => {
    const key = usableKey(ctx, required(request, 'KeyId'));
    return { KeyId: key.keyId, PublicKey: ctx.world.asymmetric.publicKeyPem(key, key.primaryKeyVersion) };
  },

  GenerateDataKeyPair: (request, ctx) => dataKeyPair(request, ctx, { plaintext: true, advance: false }),
  GenerateDataKeyPairWithoutPlaintext: (request, ctx) =>
    dataKeyPair(request, ctx, { plaintext: false, advance: false }),
  AdvanceGenerateDataKeyPair: (request, ctx) => dataKeyPair(request, ctx, { plaintext: true, advance: true }),
  AdvanceGenerateDataKeyPairWithoutPlaintext: (request, ctx) =>
    dataKeyPair(request, ctx, { plaintext: false, advance: true }),

  GenerateRandom: (request, ctx) => {
    const length = typeof request.Length === 'number' ? request.Length : 0;
    if (!Number.isInteger(length) || length < 1 || length > 1024) {
      throw new KmsError('InvalidParameter', 'The Length is not valid: 1 to 1024.');
    }
    return { Random: ctx.world.random.bytes(length) };
  },

  GetSecretValue: (request, ctx) => {
    const name = required(request, 'SecretName');
    const secret = ctx.world.secrets.get(ctx.scope, name);
    const instanceId = instanceOf(ctx, secret.dkmsInstanceId);
    if (ctx.instanceId !== undefined && ctx.instanceId !== instanceId) {
      throw new KmsError('Forbidden.ResourceNotFound', `The secret "${name}" is not found.`);
    }
    allow(ctx, instanceId, SECRET_USER, `secret/${secret.name}`);
    // The domain's read rule, as the OpenAPI's GetSecretValue: the same stages, versions and refusals.
    const {
      secret: read,
      version,
      data,
    } = ctx.world.secrets.readValue(ctx.scope, {
      name: secret.name,
      stage: text(request, 'VersionStage') || undefined,
      versionId: text(request, 'VersionId') || undefined,
    });
    return {
      SecretName: read.name,
      SecretType: read.type,
      SecretData: data,
      SecretDataType: version.dataType,
      VersionStages: [...version.stages],
      VersionId: version.versionId,
      CreateTime: isoSeconds(version.createTime),
      LastRotationDate: read.lastRotationDate === undefined ? '' : isoSeconds(read.lastRotationDate),
      NextRotationDate: read.nextRotationDate === undefined ? '' : isoSeconds(read.nextRotationDate),
      ExtendedConfig:
        request.FetchExtendedConfig === true && read.extendedConfig
          ? JSON.stringify(read.extendedConfig)
          : '',
      AutomaticRotation: read.automaticRotation,
      RotationInterval: read.rotationIntervalSeconds === undefined ? '' : `${read.rotationIntervalSeconds}s`,
    };
  },
};
