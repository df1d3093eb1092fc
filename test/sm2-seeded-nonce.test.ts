import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * --random-seed reproduces SM2DSA signatures: the nonce k comes from the world's random source (fed
 * to sm-crypto's point pool), so two emulators with one seed answer the same AsymmetricSign values,
 * through the official pop-core client; the signatures still verify.
 */
async function signatures(seed: string): Promise<string[]> {
  const emulator = await startEmulator({ env: {}, randomSeed: seed });
  try {
    const kms = patientClient(emulator);
    const meta = (await kms.call('CreateKey', { KeySpec: 'EC_SM2', KeyUsage: 'SIGN/VERIFY' })).KeyMetadata;
    const digest = createHash('sha256').update('same digest').digest('base64');
    const out: string[] = [];
    for (let i = 0; i < 2; i++) {
      const signed = await kms.call('AsymmetricSign', {
        KeyId: meta.KeyId,
        KeyVersionId: meta.PrimaryKeyVersion,
        Algorithm: 'SM2DSA',
        Digest: digest,
      });
      const verified = await kms.call('AsymmetricVerify', {
        KeyId: meta.KeyId,
        KeyVersionId: meta.PrimaryKeyVersion,
        Algorithm: 'SM2DSA',
        Digest: digest,
        Value: signed.Value,
      });
      expect(verified.Value).toBe(true);
      out.push(String(signed.Value));
    }
    return out;
  } finally {
    await emulator.close();
  }
}

describe('SM2DSA under a random seed', () => {
  it('the same seed gives the same signatures; each signature draws a fresh nonce', async () => {
    const first = await signatures('sm2-nonce-1');
    expect(await signatures('sm2-nonce-1')).toEqual(first);
    expect(first[0]).not.toBe(first[1]);
    expect((await signatures('sm2-nonce-2'))[0]).not.toBe(first[0]);
  });
});
