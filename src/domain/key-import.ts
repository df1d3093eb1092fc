import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { unwrapMaterial, wrapMaterial } from './crypto.js';
import { DAY } from './time.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * Import parameters for bring-your-own-key: a real RSA wrapping key pair and an import token valid
 * for 24 hours. (RSA key generation uses OpenSSL's own randomness — the one place a seed does not
 * reach; the token and everything else come from the injected source.)
 */
interface ImportToken {
  token: string;
  keyId: string;
  algorithm: string;
  /** PKCS#8 DER of the wrapping private key, wrapped under the master key. */
  wrappedPrivateKey: string;
  expires: number;
}

const ALGORITHMS: Record<string, { padding: number; oaepHash?: string }> = {
  RSAES_OAEP_SHA_256: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  RSAES_OAEP_SHA_1: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  RSAES_PKCS1_V1_5: { padding: constants.RSA_PKCS1_PADDING },
};

export class KeyImport {
  private readonly tokens: Table<ImportToken>;

  constructor(
    private readonly world: World,
    private readonly masterKey: Buffer,
  ) {
    this.tokens = world.store.table<ImportToken>('import-tokens');
  }

  parameters(scope: Scope, keyRef: string, algorithm: string, keySpec: string) {
    const key = this.world.keys.available(scope, keyRef);
    if (key.origin !== 'EXTERNAL') throw new KmsError('Unsupported.Origin');
    if (!ALGORITHMS[algorithm]) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "WrappingAlgorithm" is not valid: ${Object.keys(ALGORITHMS).join(', ')}.`,
      );
    }
    if (keySpec !== 'RSA_2048')
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "WrappingKeySpec" is not valid: RSA_2048.',
      );
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = this.world.random.bytes(32).toString('base64');
    const expires = this.world.now() + DAY;
    const privateDer = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    this.tokens.put(partitionOf(scope), token, {
      token,
      keyId: key.keyId,
      algorithm,
      wrappedPrivateKey: wrapMaterial(this.masterKey, privateDer, this.world.random),
      expires,
    });
    return {
      keyId: key.keyId,
      token,
      expires,
      publicKey: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    };
  }

  importMaterial(scope: Scope, keyRef: string, encrypted: string, token: string, expireUnix: number): void {
    const key = this.world.keys.available(scope, keyRef);
    if (key.origin !== 'EXTERNAL') throw new KmsError('Unsupported.Origin');
    const record = this.tokens.get(partitionOf(scope), token);
    if (!record || record.keyId !== key.keyId) throw new KmsError('InvalidImportToken');
    if (record.expires < this.world.now()) throw new KmsError('ExpiredImportToken');
    const spec = ALGORITHMS[record.algorithm];
    if (!spec) throw new KmsError('InvalidImportToken');
    let material: Buffer;
    try {
      const privateKey = createPrivateKey({
        key: unwrapMaterial(this.masterKey, record.wrappedPrivateKey),
        format: 'der',
        type: 'pkcs8',
      });
      material = privateDecrypt({ key: privateKey, ...spec }, Buffer.from(encrypted, 'base64'));
    } catch {
      throw new KmsError(
        'InvalidKeyMaterial',
        'EncryptedKeyMaterial could not be unwrapped with the import parameters.',
      );
    }
    if (expireUnix < 0)
      throw new KmsError('InvalidParameter', 'The specified parameter "KeyMaterialExpireUnix" is not valid.');
    const expireAt = expireUnix === 0 ? undefined : expireUnix * 1000;
    if (expireAt !== undefined && expireAt <= this.world.now()) {
      throw new KmsError(
        'InvalidParameter',
        'KeyMaterialExpireUnix must be in the future, or 0 for no expiry.',
      );
    }
    this.world.keys.importMaterial(scope, key.keyId, material, expireAt);
  }
}
