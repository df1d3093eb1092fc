import { createHmac } from 'node:crypto';
import { open, seal } from './crypto.js';

/**
 * Credentials of simulated resources (database passwords, AccessKeySecrets, STS tokens) are sealed
 * at rest, so the state file never holds one in plaintext. `context` binds a sealed value to the
 * record it belongs to (a value copied to another record does not open).
 */
const SEALED = 'sealed:v1:';

/**
 * AES-256-GCM with a synthetic IV (an HMAC of the context and the value), so sealing draws nothing
 * from the injected random source and seeded runs stay identical.
 */
export function sealText(wrappingKey: Buffer, context: string, plaintext: string): string {
  if (plaintext.startsWith(SEALED)) return plaintext;
  const iv = createHmac('sha256', wrappingKey).update(`${context}\n${plaintext}`).digest().subarray(0, 12);
  const sealed = seal('Aliyun_AES_256', wrappingKey, Buffer.from(plaintext), Buffer.from(context), {
    bytes: () => iv,
  });
  return SEALED + Buffer.concat([sealed.iv, sealed.tag, sealed.ciphertext]).toString('base64');
}

/** Opens a sealed value; a value from a state file written before sealing is returned as is. */
export function openText(wrappingKey: Buffer, context: string, stored: string): string {
  if (!stored.startsWith(SEALED)) return stored;
  const data = Buffer.from(stored.slice(SEALED.length), 'base64');
  const sealed = { iv: data.subarray(0, 12), tag: data.subarray(12, 28), ciphertext: data.subarray(28) };
  return open('Aliyun_AES_256', wrappingKey, sealed, Buffer.from(context)).toString('utf8');
}
