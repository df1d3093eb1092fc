import { createECDH, createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDigest } from '../src/domain/asymmetric.js';
import { SystemRandom } from '../src/domain/random.js';

/**
 * One EC private scalar in 256 starts with a zero byte. Node's ECDH drops it, so such keys once
 * answered InternalFailure to AsymmetricSign (the signer takes exactly 32 bytes).
 */
function p256KeyWithLeadingZero(): Buffer {
  const d = createHash('sha256').update('leading-zero').digest();
  d[0] = 0;
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const b64 = (b: Buffer) => b.toString('base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) },
    format: 'jwk',
  }).export({ type: 'pkcs8', format: 'der' });
}

describe('EC keys whose private scalar starts with a zero byte', () => {
  it('sign with ECDSA_SHA_256, and Node verifies the signature', () => {
    const pkcs8 = p256KeyWithLeadingZero();
    const digest = createHash('sha256').update('message').digest();
    const signature = signDigest('EC_P256', pkcs8, 'ECDSA_SHA_256', digest, new SystemRandom());
    const publicKey = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    // The signature is over SHA-256('message'): Node checks it against the message.
    expect(verify('sha256', Buffer.from('message'), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(
      true,
    );
  });
});
