import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import type { Random } from './random.js';

/**
 * Authenticated symmetric encryption with a key version's material. AES keys use AES-GCM. SM4 keys
 * use real SM4 (Node's OpenSSL has SM4 but no SM4-GCM): SM4-CTR with an HMAC-SHA256 tag over
 * IV, AAD and ciphertext (encrypt-then-MAC), which keeps the API behaviour — tamper detection and
 * context binding — of the cloud's SM4-GCM.
 */
export type KeySpec = 'Aliyun_AES_256' | 'Aliyun_AES_128' | 'Aliyun_AES_192' | 'Aliyun_SM4';

export const KEY_SPECS: Record<KeySpec, number> = {
  Aliyun_AES_256: 32,
  Aliyun_AES_128: 16,
  Aliyun_AES_192: 24,
  Aliyun_SM4: 16,
};

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(
  spec: KeySpec,
  material: Buffer,
  plaintext: Buffer,
  aad: Buffer,
  random: Random,
): Sealed {
  if (spec === 'Aliyun_SM4') {
    const iv = random.bytes(16);
    const cipher = createCipheriv('sm4-ctr', material, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { iv, ciphertext, tag: sm4Tag(material, iv, aad, ciphertext) };
  }
  const iv = random.bytes(12);
  const cipher = createCipheriv(`aes-${material.length * 8}-gcm` as 'aes-256-gcm', material, iv);
  cipher.setAAD(aad);
  const ciphertext = joined(cipher.update(plaintext), cipher.final());
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** update() and final() output as one buffer (GCM's final() gives none: then no copy). */
function joined(head: Buffer, tail: Buffer): Buffer {
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/** Throws InvalidCiphertext when the data, the AAD or the tag do not match. */
export function open(spec: KeySpec, material: Buffer, sealed: Sealed, aad: Buffer): Buffer {
  try {
    if (spec === 'Aliyun_SM4') {
      const expected = sm4Tag(material, sealed.iv, aad, sealed.ciphertext);
      if (expected.length !== sealed.tag.length || !timingSafeEqual(expected, sealed.tag))
        throw new Error('tag');
      const decipher = createDecipheriv('sm4-ctr', material, sealed.iv);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    }
    const decipher = createDecipheriv(`aes-${material.length * 8}-gcm` as 'aes-256-gcm', material, sealed.iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return joined(decipher.update(sealed.ciphertext), decipher.final());
  } catch {
    throw invalidCiphertext();
  }
}

function sm4Tag(material: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer): Buffer {
  const macKey = createHmac('sha256', material).update('kms-emulator sm4 mac').digest();
  return createHmac('sha256', macKey).update(iv).update(aad).update(ciphertext).digest().subarray(0, 16);
}

export function invalidCiphertext(): KmsError {
  return new KmsError(
    'InvalidCiphertext',
    'The specified CiphertextBlob is invalid: it was altered, or the EncryptionContext does not match.',
  );
}

/**
 * The ciphertext blob names its key and key version, so Decrypt needs no KeyId:
 * "KEB1" | len | keyId | len | keyVersionId | len | iv | tag(16) | ciphertext, base64.
 */
export interface Blob extends Sealed {
  keyId: string;
  keyVersionId: string;
}

const MAGIC = Buffer.from('KEB1');

/** The head of an Advance… ciphertext of the KMS Instance API: '$', 0x00, 0x02 (then the blob). */
export const ADVANCE_HEAD = Buffer.from([0x24, 0x00, 0x02]);
const ADVANCE_HEAD_LENGTH = ADVANCE_HEAD.length;

export function encodeBlob(blob: Blob): string {
  const head = blobHead(blob.keyId, blob.keyVersionId, blob.iv.length);
  // One buffer: the key version's head (made once), then IV, tag and ciphertext.
  const out = Buffer.allocUnsafe(head.length + blob.iv.length + blob.tag.length + blob.ciphertext.length);
  let at = head.copy(out, 0);
  at += blob.iv.copy(out, at);
  at += blob.tag.copy(out, at);
  blob.ciphertext.copy(out, at);
  return out.toString('base64');
}

/** "KEB1" | len | keyId | len | keyVersionId | len(iv): the same for every blob of a key version. */
const heads = new Map<string, Buffer>();
const HEADS_KEPT = 256;

function blobHead(keyId: string, keyVersionId: string, ivLength: number): Buffer {
  const name = `${keyId}\n${keyVersionId}\n${ivLength}`;
  let head = heads.get(name);
  if (!head) {
    const id = Buffer.from(keyId);
    const version = Buffer.from(keyVersionId);
    head = Buffer.concat([
      MAGIC,
      Buffer.from([id.length]),
      id,
      Buffer.from([version.length]),
      version,
      Buffer.from([ivLength]),
    ]);
    if (heads.size >= HEADS_KEPT) heads.delete(heads.keys().next().value as string);
    heads.set(name, head);
  }
  return head;
}

/**
 * The last blob decoded: a Decrypt decodes its CiphertextBlob, then the audit journal decodes the
 * same string to name the key it used. The parts are read-only views (nobody writes into them).
 */
let lastBlob: { text: string; blob: Blob } | undefined;

export function decodeBlob(text: string): Blob {
  if (lastBlob?.text === text) return lastBlob.blob;
  const blob = decodeBlobText(text);
  lastBlob = { text, blob };
  return blob;
}

function decodeBlobText(text: string): Blob {
  const data = Buffer.from(text, 'base64');
  // The KMS Instance API's Advance… ciphertexts carry a 3-byte head ('$', a version byte, 0x02) before
  // the blob (the KMS SDK's TransferClient strips it and puts it back): read both forms.
  const start = data.length > 3 && data[0] === 0x24 && data[2] === 0x02 ? ADVANCE_HEAD_LENGTH : 0;
  if (data.length < start + 8 || data.compare(MAGIC, 0, MAGIC.length, start, start + MAGIC.length) !== 0)
    throw invalidCiphertext();
  let offset = start + MAGIC.length;
  // Each part is a length byte and that many bytes; only the binary parts become (shared) views.
  const part = (size: number): [number, number] => {
    const start = offset;
    if (start + size > data.length) throw invalidCiphertext();
    offset += size;
    return [start, offset];
  };
  const length = () => data[part(1)[0]] ?? 0;
  const keyId = data.toString('utf8', ...part(length()));
  const keyVersionId = data.toString('utf8', ...part(length()));
  const iv = data.subarray(...part(length()));
  const tag = data.subarray(...part(16));
  return { keyId, keyVersionId, iv, tag, ciphertext: data.subarray(offset) };
}

/** The EncryptionContext as authenticated data: canonical JSON, so key order does not matter. */
export function contextAad(
  context: Record<string, unknown> | undefined,
  keyId: string,
  keyVersionId: string,
): Buffer {
  if (context === undefined || isEmpty(context))
    return Buffer.from(`[${JSON.stringify(keyId)},${JSON.stringify(keyVersionId)},[]]`);
  const entries = Object.entries(context)
    .map(([k, v]) => [k, String(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([keyId, keyVersionId, entries]));
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}

/** Wraps key material at rest under the emulator master key (AES-256-GCM). */
export function wrapMaterial(masterKey: Buffer, material: Buffer, random: Random): string {
  const sealed = seal('Aliyun_AES_256', masterKey, material, Buffer.from('key-material'), random);
  return Buffer.concat([sealed.iv, sealed.tag, sealed.ciphertext]).toString('base64');
}

export function unwrapMaterial(masterKey: Buffer, wrapped: string): Buffer {
  const data = Buffer.from(wrapped, 'base64');
  return open(
    'Aliyun_AES_256',
    masterKey,
    { iv: data.subarray(0, 12), tag: data.subarray(12, 28), ciphertext: data.subarray(28) },
    Buffer.from('key-material'),
  );
}
