import { createECDH, createHash } from 'node:crypto';
import type { Integer, OctetString } from 'asn1js';
import type { KeyPairPoint } from 'sm-crypto';
import { lazyModule } from '../lazy.js';
import type { Random } from './random.js';

// Loaded on the first SM2 operation, not at start-up.
const smCrypto = lazyModule<typeof import('sm-crypto')>('sm-crypto');
const asn1 = lazyModule<typeof import('asn1js')>('asn1js');

/**
 * SM2 (GB/T 32918, GM/T 0003) through sm-crypto: Node's OpenSSL knows the curve but cannot set the
 * signer's distinguishing ID. Signatures are DER SEQUENCE{r, s}; ciphertexts are the GM/T 0009
 * ASN.1 SM2Cipher SEQUENCE{x, y, hash (C3), ciphertext (C2)} — the C1C3C2 order, DER-encoded.
 */
export const SM2_USER_ID = '1234567812345678';

const hex = (data: Buffer) => data.toString('hex');

/** sm-crypto's big integers (jsbn): its signature nonce pool holds them. */
const jsbn = lazyModule<{ BigInteger: new (value: string, radix: number) => KeyPairPoint['k'] }>('jsbn');
const SM2_ORDER = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
const POOL_SIZE = 4;

/**
 * The signature nonces k (with x1 of k·G) drawn from the world's random source, so that a random
 * seed reproduces SM2 signatures: sm-crypto takes precomputed points from `pointPool` (and only
 * draws its own if a pool runs dry, which takes r = 0 or r + k = n more than three times).
 */
function noncePool(random: Random): KeyPairPoint[] {
  const { BigInteger } = jsbn();
  const pool: KeyPairPoint[] = [];
  while (pool.length < POOL_SIZE) {
    const k = BigInt(`0x${hex(random.bytes(32))}`);
    if (k === 0n || k >= SM2_ORDER) continue;
    const kHex = k.toString(16).padStart(64, '0');
    const ecdh = createECDH('SM2');
    ecdh.setPrivateKey(Buffer.from(kHex, 'hex'));
    const point = ecdh.getPublicKey();
    pool.push({
      privateKey: kHex,
      publicKey: hex(point),
      k: new BigInteger(kHex, 16),
      x1: new BigInteger(hex(point.subarray(1, 33)), 16),
    });
  }
  // doSignature pops from the end: the first drawn nonce is used first.
  return pool.reverse();
}

/** Signs a 32-byte e = SM3(Z_A || M) that the caller computed (AsymmetricSign's Digest). */
export function sm2SignDigest(scalar: Buffer, digest: Buffer, random: Random): Buffer {
  return Buffer.from(
    smCrypto().sm2.doSignature([...digest], hex(scalar), {
      der: true,
      hash: false,
      pointPool: noncePool(random),
    }),
    'hex',
  );
}

/** Signs a message: e = SM3(Z_A || M) with the documented user ID. */
export function sm2SignMessage(scalar: Buffer, publicPoint: Buffer, message: Buffer, random: Random): Buffer {
  return Buffer.from(
    smCrypto().sm2.doSignature([...message], hex(scalar), {
      pointPool: noncePool(random),
      der: true,
      hash: true,
      publicKey: hex(publicPoint),
      userId: SM2_USER_ID,
    }),
    'hex',
  );
}

export function sm2VerifyDigest(publicPoint: Buffer, digest: Buffer, signature: Buffer): boolean {
  try {
    return smCrypto().sm2.doVerifySignature([...digest], hex(signature), hex(publicPoint), {
      der: true,
      hash: false,
    });
  } catch {
    return false;
  }
}

export function sm2VerifyMessage(publicPoint: Buffer, message: Buffer, signature: Buffer): boolean {
  try {
    return smCrypto().sm2.doVerifySignature([...message], hex(signature), hex(publicPoint), {
      der: true,
      hash: true,
      userId: SM2_USER_ID,
    });
  } catch {
    return false;
  }
}

/** SM2 "Z_A || M" digest as a client computes it before AsymmetricSign with SM2DSA. */
export function sm2Digest(publicPoint: Buffer, message: Buffer): Buffer {
  return sm3(Buffer.concat([zValue(publicPoint), message]));
}

/** Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2, 5.5). */
function zValue(publicPoint: Buffer): Buffer {
  const id = Buffer.from(SM2_USER_ID);
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const curve = Buffer.from(
    'FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC' +
      '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93' +
      '32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7' +
      'BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0',
    'hex',
  );
  return sm3(Buffer.concat([entl, id, curve, publicPoint.subarray(1)]));
}

function sm3(data: Buffer): Buffer {
  return createHash('sm3').update(data).digest();
}

/** SM2PKE encryption to GM/T 0009 DER. */
export function sm2Encrypt(publicPoint: Buffer, plaintext: Buffer): Buffer {
  const raw = Buffer.from(smCrypto().sm2.doEncrypt([...plaintext], hex(publicPoint), 1), 'hex');
  // sm-crypto's raw C1C3C2 omits the 0x04 of C1: x(32) y(32) C3(32) C2.
  const { OctetString, Sequence } = asn1();
  const sequence = new Sequence({
    value: [
      unsignedInteger(raw.subarray(0, 32)),
      unsignedInteger(raw.subarray(32, 64)),
      new OctetString({ valueHex: toArrayBuffer(raw.subarray(64, 96)) }),
      new OctetString({ valueHex: toArrayBuffer(raw.subarray(96)) }),
    ],
  });
  return Buffer.from(sequence.toBER(false));
}

/** Decrypts GM/T 0009 DER; undefined when the ciphertext is malformed or its C3 does not match. */
export function sm2Decrypt(scalar: Buffer, ciphertext: Buffer): Buffer | undefined {
  const parts = parseCipher(ciphertext);
  if (!parts || parts.c2.length === 0) return undefined;
  const raw = Buffer.concat([parts.x, parts.y, parts.c3, parts.c2]).toString('hex');
  try {
    const out = smCrypto().sm2.doDecrypt(raw, hex(scalar), 1, { output: 'array' }) as unknown as number[];
    return out.length === 0 ? undefined : Buffer.from(out);
  } catch {
    return undefined;
  }
}

function parseCipher(data: Buffer): { x: Buffer; y: Buffer; c3: Buffer; c2: Buffer } | undefined {
  const { Integer, OctetString, Sequence, verifySchema } = asn1();
  const schema = new Sequence({
    value: [
      new Integer({ name: 'x' }),
      new Integer({ name: 'y' }),
      new OctetString({ name: 'c3' }),
      new OctetString({ name: 'c2' }),
    ],
  });
  const { verified, result } = verifySchema(toArrayBuffer(data), schema) as unknown as {
    verified: boolean;
    result: Record<string, unknown>;
  };
  if (!verified) return undefined;
  const coordinate = (value: Integer) => {
    const bytes = Buffer.from(value.valueBlock.valueHexView);
    const trimmed = bytes.length > 32 && bytes[0] === 0 ? bytes.subarray(bytes.length - 32) : bytes;
    if (trimmed.length > 32) return undefined;
    return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
  };
  const x = coordinate(result.x as Integer);
  const y = coordinate(result.y as Integer);
  const c3 = Buffer.from((result.c3 as OctetString).valueBlock.valueHexView);
  const c2 = Buffer.from((result.c2 as OctetString).valueBlock.valueHexView);
  if (!x || !y || c3.length !== 32) return undefined;
  return { x, y, c3, c2 };
}

function unsignedInteger(bytes: Buffer): Integer {
  const value = bytes[0] !== undefined && bytes[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  // DER integers carry no superfluous leading zeros.
  let start = 0;
  while (start < value.length - 1 && value[start] === 0 && (value[start + 1] as number) < 0x80) start++;
  return new (asn1().Integer)({ valueHex: toArrayBuffer(value.subarray(start)) });
}

function toArrayBuffer(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}
