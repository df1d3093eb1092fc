import {
  createECDH,
  createPrivateKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { lazyModule } from '../lazy.js';
import { KmsError } from '../protocol/errors.js';
import { KEY_SPECS as SYMMETRIC_SPECS, type KeySpec as SymmetricSpec } from './crypto.js';
import type { Random } from './random.js';

// ASN.1 (PKCS#8, RFC 5915) only for EC keys: loaded on first use, not at start-up.
const asn1Ecc = lazyModule<typeof import('@peculiar/asn1-ecc')>('@peculiar/asn1-ecc');
const asn1Pkcs8 = lazyModule<typeof import('@peculiar/asn1-pkcs8')>('@peculiar/asn1-pkcs8');
const asn1Schema = lazyModule<typeof import('@peculiar/asn1-schema')>('@peculiar/asn1-schema');
const asn1X509 = lazyModule<typeof import('@peculiar/asn1-x509')>('@peculiar/asn1-x509');

/**
 * The key specs of CreateKey and what each allows: symmetric (crypto.ts), asymmetric key pairs and
 * HMAC keys. Asymmetric material is the private key as PKCS#8 DER; HMAC material is raw bytes. Both
 * are wrapped at rest under the master key like symmetric material.
 */
export type AsymmetricSpec = 'RSA_2048' | 'RSA_3072' | 'EC_P256' | 'EC_P256K' | 'EC_SM2';
export type MacSpec = 'HMAC_SM3' | 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type AnyKeySpec = SymmetricSpec | AsymmetricSpec | MacSpec;

export const ENCRYPT_DECRYPT = 'ENCRYPT/DECRYPT';
export const SIGN_VERIFY = 'SIGN/VERIFY';
export const GENERATE_VERIFY_MAC = 'GENERATE/VERIFY_MAC';

interface AsymmetricInfo {
  kind: 'rsa' | 'ec';
  bits?: number;
  /** OpenSSL curve name and its OID, for EC keys. */
  curve?: 'prime256v1' | 'secp256k1' | 'SM2';
  curveOid?: string;
  usages: string[];
  signing: string[];
  encryption: string[];
}

const RSA_SIGNING = ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'];
const RSA_ENCRYPTION = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'];

export const ASYMMETRIC_SPECS: Record<AsymmetricSpec, AsymmetricInfo> = {
  RSA_2048: {
    kind: 'rsa',
    bits: 2048,
    usages: [SIGN_VERIFY, ENCRYPT_DECRYPT],
    signing: RSA_SIGNING,
    encryption: RSA_ENCRYPTION,
  },
  RSA_3072: {
    kind: 'rsa',
    bits: 3072,
    usages: [SIGN_VERIFY, ENCRYPT_DECRYPT],
    signing: RSA_SIGNING,
    encryption: RSA_ENCRYPTION,
  },
  EC_P256: {
    kind: 'ec',
    curve: 'prime256v1',
    curveOid: '1.2.840.10045.3.1.7',
    usages: [SIGN_VERIFY],
    signing: ['ECDSA_SHA_256'],
    encryption: [],
  },
  EC_P256K: {
    kind: 'ec',
    curve: 'secp256k1',
    curveOid: '1.3.132.0.10',
    usages: [SIGN_VERIFY],
    signing: ['ECDSA_SHA_256'],
    encryption: [],
  },
  EC_SM2: {
    kind: 'ec',
    curve: 'SM2',
    curveOid: '1.2.156.10197.1.301',
    usages: [SIGN_VERIFY, ENCRYPT_DECRYPT],
    signing: ['SM2DSA'],
    encryption: ['SM2PKE'],
  },
};

/**
 * HMAC specs: the one algorithm each allows, the digest behind it and the key length (bytes).
 * The spellings, checked for #26 §3 (underscores: `HMAC_SHA_256`, not `HMAC_SHA256`):
 * - the newest SDK's models (alibabacloud_kms20160120 3.3.1, GenerateMacRequest/VerifyMacRequest and
 *   their responses, `Algorithm`): "Valid values vary based on the key specification: HMAC_SM3,
 *   HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512" — one algorithm per spec, named alike;
 * - CreateKey's `KeySpec` docstring (same SDK) lists no values and points to the product page "Key
 *   management types and key specifications" (help.aliyun.com document 480161), which says HMAC keys
 *   need instance version 4.1.0 or later and do not rotate; the bundled api-docs (June 2024), the
 *   seed documents and the Terraform provider's `alicloud_kms_key` `key_spec` list (Aliyun_AES_*,
 *   Aliyun_SM4, RSA_*, EC_*) name no HMAC spec at all.
 * No source spells a KeySpec otherwise, so these are the names accepted; a near miss
 * (`HMAC_SHA256`, `hmac_sha_256`) answers InvalidParameter listing them.
 */
export const MAC_SPECS: Record<MacSpec, { algorithm: string; digest: string; bytes: number }> = {
  HMAC_SM3: { algorithm: 'HMAC_SM3', digest: 'sm3', bytes: 32 },
  HMAC_SHA_224: { algorithm: 'HMAC_SHA_224', digest: 'sha224', bytes: 28 },
  HMAC_SHA_256: { algorithm: 'HMAC_SHA_256', digest: 'sha256', bytes: 32 },
  HMAC_SHA_384: { algorithm: 'HMAC_SHA_384', digest: 'sha384', bytes: 48 },
  HMAC_SHA_512: { algorithm: 'HMAC_SHA_512', digest: 'sha512', bytes: 64 },
};

export function isAsymmetric(spec: string): spec is AsymmetricSpec {
  return Object.hasOwn(ASYMMETRIC_SPECS, spec);
}

export function isMac(spec: string): spec is MacSpec {
  return Object.hasOwn(MAC_SPECS, spec);
}

export function isSymmetric(spec: string): spec is SymmetricSpec {
  return Object.hasOwn(SYMMETRIC_SPECS, spec);
}

export function isKeySpec(spec: string): spec is AnyKeySpec {
  return isSymmetric(spec) || isAsymmetric(spec) || isMac(spec);
}

export function usagesOf(spec: AnyKeySpec): string[] {
  if (isAsymmetric(spec)) return ASYMMETRIC_SPECS[spec].usages;
  if (isMac(spec)) return [GENERATE_VERIFY_MAC];
  return [ENCRYPT_DECRYPT];
}

/** CreateKey's KeySpec and KeyUsage: "if the key can sign, SIGN/VERIFY by default, else ENCRYPT/DECRYPT". */
export function checkSpecAndUsage(
  spec: string,
  usage: string | undefined,
): { spec: AnyKeySpec; usage: string } {
  if (!isKeySpec(spec)) {
    const hint = /^hmac/i.test(spec) ? ` The HMAC key specs are ${Object.keys(MAC_SPECS).join(', ')}.` : '';
    throw new KmsError('InvalidParameter', `The specified parameter "KeySpec" is not valid: ${spec}.${hint}`);
  }
  const allowed = usagesOf(spec);
  const chosen = usage || (allowed[0] as string);
  if (!allowed.includes(chosen)) {
    throw new KmsError(
      'InvalidParameter',
      `The specified parameter "KeyUsage" is not valid for KeySpec ${spec}: ${allowed.join(' or ')}.`,
    );
  }
  return { spec, usage: chosen };
}

/** New material for a key version of this spec. */
export function generateMaterial(spec: AnyKeySpec, random: Random): Buffer {
  if (isSymmetric(spec)) return random.bytes(SYMMETRIC_SPECS[spec]);
  if (isMac(spec)) return random.bytes(MAC_SPECS[spec].bytes);
  const info = ASYMMETRIC_SPECS[spec];
  if (info.kind === 'rsa') {
    return rsaMaterial(info.bits as number);
  }
  return ecPrivateKeyInfo(spec, ecScalar(spec, random));
}

/**
 * RSA key generation uses OpenSSL's randomness (as the import wrapping keys do); seeds fix RSA
 * material through PKCS#8 when a test needs it reproducible. A 3072-bit key takes seconds on a busy
 * machine — longer than some clients' default read timeout — so after the first key of a size one
 * spare is generated in the background (libuv's pool, off the event loop) for the next CreateKey.
 */
const spareRsa = new Map<number, Buffer>();
const generatingRsa = new Set<number>();

function rsaMaterial(bits: number): Buffer {
  const spare = spareRsa.get(bits);
  spareRsa.delete(bits);
  const material =
    spare ??
    generateKeyPairSync('rsa', {
      modulusLength: bits,
      privateKeyEncoding: { format: 'der', type: 'pkcs8' },
      publicKeyEncoding: { format: 'der', type: 'spki' },
    }).privateKey;
  if (!generatingRsa.has(bits)) {
    generatingRsa.add(bits);
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        privateKeyEncoding: { format: 'der', type: 'pkcs8' },
        publicKeyEncoding: { format: 'der', type: 'spki' },
      },
      (error, _publicKey, privateKey) => {
        generatingRsa.delete(bits);
        if (!error) spareRsa.set(bits, privateKey);
      },
    );
  }
  return material;
}

/** Checks seeded or imported material against the spec; returns it as stored (PKCS#8 DER for pairs). */
export function checkMaterial(spec: AnyKeySpec, material: Buffer): Buffer {
  const wrong = (what: string) =>
    new KmsError('InvalidParameter', `Key material for ${spec} must be ${what}.`, { status: 400 });
  if (isSymmetric(spec)) {
    if (material.length !== SYMMETRIC_SPECS[spec]) throw wrong(`${SYMMETRIC_SPECS[spec]} bytes`);
    return material;
  }
  if (isMac(spec)) {
    if (material.length < 16 || material.length > 64) throw wrong('16 to 64 bytes');
    return material;
  }
  const info = ASYMMETRIC_SPECS[spec];
  let key: KeyObject;
  try {
    const text = material.toString('utf8');
    key = text.includes('-----BEGIN')
      ? createPrivateKey({ key: text, format: 'pem' })
      : createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  } catch {
    throw wrong('a PKCS#8 private key (DER or PEM)');
  }
  if (info.kind === 'rsa') {
    if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== info.bits) {
      throw wrong(`an RSA private key of ${info.bits} bits`);
    }
    return key.export({ format: 'der', type: 'pkcs8' });
  }
  // OpenSSL reads an SM2 key as its own type, which Node does not name: check the curve in the DER.
  const der = key.export({ format: 'der', type: 'pkcs8' });
  let curveOid: string | undefined;
  try {
    curveOid = ecKeyParts(der).curveOid;
  } catch {
    curveOid = undefined;
  }
  if (curveOid !== info.curveOid) throw wrong(`an EC private key on ${info.curve}`);
  return der;
}

const CURVE_ORDERS: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  SM2: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
};

/** A private scalar in [1, n-1] drawn from the injected random source (seedable). */
function ecScalar(spec: AsymmetricSpec, random: Random): Buffer {
  const order = CURVE_ORDERS[ASYMMETRIC_SPECS[spec].curve as string] as bigint;
  for (;;) {
    const candidate = BigInt(`0x${random.bytes(32).toString('hex')}`);
    if (candidate > 0n && candidate < order)
      return Buffer.from(candidate.toString(16).padStart(64, '0'), 'hex');
  }
}

/** PKCS#8 DER of an EC private key (RFC 5915 inside RFC 5208) with its public point. */
function ecPrivateKeyInfo(spec: AsymmetricSpec, scalar: Buffer): Buffer {
  const { ECParameters, ECPrivateKey } = asn1Ecc();
  const { PrivateKey, PrivateKeyInfo } = asn1Pkcs8();
  const { AsnConvert, OctetString } = asn1Schema();
  const { AlgorithmIdentifier } = asn1X509();
  const info = ASYMMETRIC_SPECS[spec];
  const ecdh = createECDH(info.curve as string);
  ecdh.setPrivateKey(scalar);
  const ecKey = new ECPrivateKey({
    version: 1,
    privateKey: new OctetString(scalar),
    publicKey: new Uint8Array(ecdh.getPublicKey()).buffer,
  });
  const pkcs8 = new PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new AlgorithmIdentifier({
      algorithm: '1.2.840.10045.2.1',
      parameters: AsnConvert.serialize(new ECParameters({ namedCurve: info.curveOid })),
    }),
    privateKey: new PrivateKey(AsnConvert.serialize(ecKey)),
  });
  return Buffer.from(AsnConvert.serialize(pkcs8));
}

/** The raw private scalar and uncompressed public point of an EC PKCS#8 key. */
export function ecKeyParts(pkcs8: Buffer): { scalar: Buffer; publicPoint: Buffer; curveOid: string } {
  const { ECParameters, ECPrivateKey } = asn1Ecc();
  const { PrivateKeyInfo } = asn1Pkcs8();
  const { AsnConvert } = asn1Schema();
  const info = AsnConvert.parse(pkcs8, PrivateKeyInfo);
  const ecKey = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
  const scalar = Buffer.from(ecKey.privateKey.buffer);
  const curveOid = AsnConvert.parse(
    info.privateKeyAlgorithm.parameters as ArrayBuffer,
    ECParameters,
  ).namedCurve;
  const curve = Object.values(ASYMMETRIC_SPECS).find((s) => s.curveOid === curveOid)?.curve;
  if (!curve || !curveOid) throw new Error(`unknown curve ${curveOid}`);
  const ecdh = createECDH(curve);
  // Always 32 bytes: OpenSSL (getPrivateKey) drops leading zero bytes, which one scalar in 256 has,
  // and @noble/curves refuses a 31-byte private key.
  const fixed = Buffer.from(
    scalar
      .toString('hex')
      .replace(/^(00)+/, '')
      .padStart(64, '0'),
    'hex',
  );
  ecdh.setPrivateKey(fixed);
  return { scalar: fixed, publicPoint: ecdh.getPublicKey(), curveOid };
}
