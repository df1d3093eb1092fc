import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  timingSafeEqual,
} from 'node:crypto';
import { lazyModule } from '../lazy.js';
import { KmsError } from '../protocol/errors.js';
import { ASYMMETRIC_SPECS, type AsymmetricSpec, ecKeyParts, isAsymmetric } from './key-specs.js';
import type { KeyRecord, KeyService } from './keys.js';
import type { Random } from './random.js';
import {
  sm2Decrypt,
  sm2Encrypt,
  sm2SignDigest,
  sm2SignMessage,
  sm2VerifyDigest,
  sm2VerifyMessage,
} from './sm2.js';

/**
 * Asymmetric cryptography on a private key held as PKCS#8 DER. The API signs a digest the client
 * computed (AsymmetricSign) and the certificate operations sign a message; both come here.
 * Encodings as the docs give them: RSA signatures as RFC 8017 octet strings (PSS with MGF1-SHA-256
 * and a 32-byte salt), ECDSA and SM2 signatures as DER SEQUENCE{r, s}, SM2PKE per GM/T 0009.
 */
export const DIGEST_BYTES = 32;

// ECDSA through @noble/curves, loaded on the first EC signature or verification, not at start-up.
const nist = lazyModule<typeof import('@noble/curves/nist.js')>('@noble/curves/nist.js');
const secp256k1 = lazyModule<typeof import('@noble/curves/secp256k1.js')>('@noble/curves/secp256k1.js');

function ecdsaCurve(spec: AsymmetricSpec) {
  return spec === 'EC_P256K' ? secp256k1().secp256k1 : nist().p256;
}

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function invalid(name: string, reason: string): KmsError {
  return new KmsError('InvalidParameter', `The specified parameter "${name}" is not valid: ${reason}`);
}

export function checkSigningAlgorithm(spec: AsymmetricSpec, algorithm: string): void {
  const allowed = ASYMMETRIC_SPECS[spec].signing;
  if (!allowed.includes(algorithm)) {
    throw invalid('Algorithm', `${spec} signs with ${allowed.join(' or ')}.`);
  }
}

export function checkEncryptionAlgorithm(spec: AsymmetricSpec, algorithm: string): void {
  const allowed = ASYMMETRIC_SPECS[spec].encryption;
  if (!allowed.includes(algorithm)) {
    throw invalid('Algorithm', `${spec} encrypts with ${allowed.length ? allowed.join(' or ') : 'nothing'}.`);
  }
}

function privateKey(pkcs8: Buffer): KeyObject {
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

/** The public key as GetPublicKey returns it: SubjectPublicKeyInfo PEM. */
export function publicKeyPem(pkcs8: Buffer): string {
  return createPublicKey(privateKey(pkcs8)).export({ format: 'pem', type: 'spki' }) as string;
}

export function publicKeyDer(pkcs8: Buffer): Buffer {
  return createPublicKey(privateKey(pkcs8)).export({ format: 'der', type: 'spki' });
}

/** Signs a 32-byte digest. `random` supplies the PSS salt. */
export function signDigest(
  spec: AsymmetricSpec,
  pkcs8: Buffer,
  algorithm: string,
  digest: Buffer,
  random: Random,
): Buffer {
  checkSigningAlgorithm(spec, algorithm);
  if (digest.length !== DIGEST_BYTES) throw invalid('Digest', `a ${algorithm} digest is 32 bytes.`);
  const key = privateKey(pkcs8);
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256':
      return privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, digest]),
      );
    case 'RSA_PSS_SHA_256': {
      const bits = key.asymmetricKeyDetails?.modulusLength as number;
      const encoded = pssEncode(digest, bits - 1, random.bytes(DIGEST_BYTES));
      const padded = Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - encoded.length), encoded]);
      return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, padded);
    }
    case 'ECDSA_SHA_256': {
      const curve = ecdsaCurve(spec);
      const { scalar } = ecKeyParts(pkcs8);
      return Buffer.from(curve.sign(digest, scalar, { prehash: false, format: 'der', lowS: false }));
    }
    default:
      return sm2SignDigest(ecKeyParts(pkcs8).scalar, digest, random);
  }
}

/** Signs a whole message (the certificate operations' MessageType RAW). */
export function signMessage(
  spec: AsymmetricSpec,
  pkcs8: Buffer,
  algorithm: string,
  message: Buffer,
  random: Random,
): Buffer {
  checkSigningAlgorithm(spec, algorithm);
  if (algorithm === 'SM2DSA') {
    const { scalar, publicPoint } = ecKeyParts(pkcs8);
    return sm2SignMessage(scalar, publicPoint, message, random);
  }
  return signDigest(spec, pkcs8, algorithm, createHash('sha256').update(message).digest(), random);
}

export function verifyDigest(
  spec: AsymmetricSpec,
  spki: Buffer,
  algorithm: string,
  digest: Buffer,
  signature: Buffer,
): boolean {
  checkSigningAlgorithm(spec, algorithm);
  if (digest.length !== DIGEST_BYTES) throw invalid('Digest', `a ${algorithm} digest is 32 bytes.`);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  try {
    switch (algorithm) {
      case 'RSA_PKCS1_SHA_256': {
        const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
        const expected = Buffer.concat([SHA256_DIGEST_INFO, digest]);
        return recovered.length === expected.length && timingSafeEqual(recovered, expected);
      }
      case 'RSA_PSS_SHA_256': {
        const bits = key.asymmetricKeyDetails?.modulusLength as number;
        if (signature.length !== Math.ceil(bits / 8)) return false;
        const em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
        return pssVerify(digest, em.subarray(em.length - Math.ceil((bits - 1) / 8)), bits - 1);
      }
      case 'ECDSA_SHA_256': {
        const curve = ecdsaCurve(spec);
        return curve.verify(signature, digest, spkiPoint(spki), {
          prehash: false,
          format: 'der',
          lowS: false,
        });
      }
      default:
        return sm2VerifyDigest(spkiPoint(spki), digest, signature);
    }
  } catch {
    return false;
  }
}

export function verifyMessage(
  spec: AsymmetricSpec,
  spki: Buffer,
  algorithm: string,
  message: Buffer,
  signature: Buffer,
): boolean {
  checkSigningAlgorithm(spec, algorithm);
  if (algorithm === 'SM2DSA') return sm2VerifyMessage(spkiPoint(spki), message, signature);
  return verifyDigest(spec, spki, algorithm, createHash('sha256').update(message).digest(), signature);
}

const OAEP_HASH: Record<string, string> = { RSAES_OAEP_SHA_256: 'sha256', RSAES_OAEP_SHA_1: 'sha1' };

/**
 * Public-key encryption; `spki` is the recipient's SubjectPublicKeyInfo DER. The OAEP seed comes from
 * `random` when given (so a random seed reproduces RSA ciphertexts), else from OpenSSL; SM2PKE's k is
 * sm-crypto's own.
 */
export function encryptWith(
  spec: AsymmetricSpec,
  spki: Buffer,
  algorithm: string,
  plaintext: Buffer,
  random?: Random,
): Buffer {
  checkEncryptionAlgorithm(spec, algorithm);
  if (algorithm === 'SM2PKE') {
    if (plaintext.length > 6047) throw invalid('Plaintext', 'SM2PKE encrypts at most 6047 bytes.');
    return sm2Encrypt(spkiPoint(spki), plaintext);
  }
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const hash = OAEP_HASH[algorithm] as string;
  const bytes = (key.asymmetricKeyDetails?.modulusLength as number) / 8;
  const max = bytes - 2 * (hash === 'sha256' ? 32 : 20) - 2;
  if (plaintext.length > max)
    throw invalid('Plaintext', `${algorithm} with ${spec} encrypts at most ${max} bytes.`);
  if (!random)
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
  const seed = random.bytes(hash === 'sha256' ? 32 : 20);
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, oaepEncode(plaintext, bytes, hash, seed));
}

/** Private-key decryption; InvalidCiphertext when it does not decrypt. */
export function decryptWith(
  spec: AsymmetricSpec,
  pkcs8: Buffer,
  algorithm: string,
  ciphertext: Buffer,
): Buffer {
  checkEncryptionAlgorithm(spec, algorithm);
  const fail = () =>
    new KmsError('InvalidCiphertext', 'The specified CiphertextBlob cannot be decrypted with this key.', {
      status: 400,
    });
  if (algorithm === 'SM2PKE') {
    const out = sm2Decrypt(ecKeyParts(pkcs8).scalar, ciphertext);
    if (!out) throw fail();
    return out;
  }
  try {
    return privateDecrypt(
      { key: privateKey(pkcs8), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] },
      ciphertext,
    );
  } catch {
    throw fail();
  }
}

/** The uncompressed EC point of an EC SubjectPublicKeyInfo (the BIT STRING's last 65 bytes). */
function spkiPoint(spki: Buffer): Buffer {
  const point = spki.subarray(spki.length - 65);
  if (point[0] !== 0x04) throw new Error('not an uncompressed EC point');
  return point;
}

function mgf1(seed: Buffer, length: number, hash = 'sha256'): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0, have = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    blocks.push(block);
    have += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EME-OAEP-ENCODE (RFC 8017 §7.1.1), empty label, MGF1 with the OAEP hash; `seed` is hLen bytes. */
function oaepEncode(message: Buffer, k: number, hash: string, seed: Buffer): Buffer {
  const lHash = createHash(hash).digest();
  const hLen = lHash.length;
  const db = Buffer.concat([
    lHash,
    Buffer.alloc(k - message.length - 2 * hLen - 2),
    Buffer.from([1]),
    message,
  ]);
  const dbMask = mgf1(seed, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (dbMask[i] as number);
  const seedMask = mgf1(db, hLen, hash);
  const maskedSeed = Buffer.from(seed);
  for (let i = 0; i < hLen; i++) maskedSeed[i] = (maskedSeed[i] as number) ^ (seedMask[i] as number);
  return Buffer.concat([Buffer.from([0]), maskedSeed, db]);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-256, MGF1-SHA-256. */
function pssEncode(digest: Buffer, emBits: number, salt: Buffer): Buffer {
  const emLen = Math.ceil(emBits / 8);
  const h = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - DIGEST_BYTES - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), any salt length. */
function pssVerify(digest: Buffer, em: Buffer, emBits: number): boolean {
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - DIGEST_BYTES - 1));
  const h = em.subarray(emLen - DIGEST_BYTES - 1, emLen - 1);
  if (((db[0] as number) & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  const one = db.indexOf(1);
  if (one < 0 || db.subarray(0, one).some((b) => b !== 0)) return false;
  const salt = db.subarray(one + 1);
  const expected = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(expected, h);
}

/**
 * The asymmetric operations on a key record and one of its versions — what both the OpenAPI and
 * the instance gateway call. The key-state rules are the caller's (`KeyService.usableKey`); this
 * checks the key's spec, its usage and the version.
 */
export class AsymmetricKeys {
  constructor(
    private readonly keys: KeyService,
    private readonly random: Random,
  ) {}

  private material(
    key: KeyRecord,
    keyVersionId: string,
    usage: string | undefined,
    usageError: string,
  ): { spec: AsymmetricSpec; pkcs8: Buffer } {
    const spec = key.keySpec;
    if (!isAsymmetric(spec)) {
      throw new KmsError(usageError, `The key ${key.keyId} is not an asymmetric key (KeySpec ${spec}).`);
    }
    if (usage && key.keyUsage !== usage) {
      throw new KmsError(usageError, `The key ${key.keyId} has KeyUsage ${key.keyUsage}, not ${usage}.`);
    }
    const pkcs8 = this.keys.versionMaterial(key, keyVersionId);
    if (!pkcs8) throw invalid('KeyVersionId', `the key ${key.keyId} has no version ${keyVersionId}.`);
    return { spec, pkcs8 };
  }

  publicKeyPem(key: KeyRecord, keyVersionId: string): string {
    return publicKeyPem(this.material(key, keyVersionId, undefined, 'InvalidParameter').pkcs8);
  }

  sign(key: KeyRecord, keyVersionId: string, algorithm: string, digest: Buffer): Buffer {
    const { spec, pkcs8 } = this.material(key, keyVersionId, 'SIGN/VERIFY', 'InvalidParameter');
    return signDigest(spec, pkcs8, algorithm, digest, this.random);
  }

  verify(
    key: KeyRecord,
    keyVersionId: string,
    algorithm: string,
    digest: Buffer,
    signature: Buffer,
  ): boolean {
    const { spec, pkcs8 } = this.material(key, keyVersionId, 'SIGN/VERIFY', 'InvalidParameter');
    return verifyDigest(spec, publicKeyDer(pkcs8), algorithm, digest, signature);
  }

  /** Signs a whole message (hashing it as the algorithm says; SM2DSA: SM3(Z_A || M)). */
  signMessage(key: KeyRecord, keyVersionId: string, algorithm: string, message: Buffer): Buffer {
    const { spec, pkcs8 } = this.material(key, keyVersionId, 'SIGN/VERIFY', 'InvalidParameter');
    return signMessage(spec, pkcs8, algorithm, message, this.random);
  }

  verifyMessage(
    key: KeyRecord,
    keyVersionId: string,
    algorithm: string,
    message: Buffer,
    signature: Buffer,
  ): boolean {
    const { spec, pkcs8 } = this.material(key, keyVersionId, 'SIGN/VERIFY', 'InvalidParameter');
    return verifyMessage(spec, publicKeyDer(pkcs8), algorithm, message, signature);
  }

  encrypt(key: KeyRecord, keyVersionId: string, algorithm: string, plaintext: Buffer): Buffer {
    const { spec, pkcs8 } = this.material(
      key,
      keyVersionId,
      'ENCRYPT/DECRYPT',
      'Rejected.UnsupportedOperation',
    );
    return encryptWith(spec, publicKeyDer(pkcs8), algorithm, plaintext, this.random);
  }

  decrypt(key: KeyRecord, keyVersionId: string, algorithm: string, ciphertext: Buffer): Buffer {
    const { spec, pkcs8 } = this.material(
      key,
      keyVersionId,
      'ENCRYPT/DECRYPT',
      'Rejected.UnsupportedOperation',
    );
    return decryptWith(spec, pkcs8, algorithm, ciphertext);
  }
}
