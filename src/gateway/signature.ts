import { createHash, type KeyObject, verify } from 'node:crypto';

/**
 * The KMS Instance API signature: RSA PKCS#1 v1.5 with SHA-256 over
 * `METHOD\ncontent-sha256\ncontent-type\ndate\n` + every `x-kms-*` header as `name:value\n` (names
 * sorted, values trimmed) + the canonical resource (`/`), sent as `Authorization: Bearer <base64>`.
 */
export const SIGNATURE_METHOD = 'RSA_PKCS1_SHA_256';

export function stringToSign(method: string, headers: Record<string, string | string[] | undefined>): string {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  };
  const kms = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-kms-'))
    .sort()
    .map((name) => `${name}:${one(name).trim()}\n`)
    .join('');
  return `${method}\n${one('content-sha256')}\n${one('content-type')}\n${one('date')}\n${kms}/`;
}

export function bodyHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').toUpperCase();
}

export function verifySignature(text: string, signatureBase64: string, publicKey: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(text), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
