import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * What the README says is refused, through the official pop-core client: the product documentation
 * ("Import key material into an asymmetric key") offers no asymmetric BYOK for default keys, so
 * CreateKey with Origin EXTERNAL and a key-pair or HMAC spec answers UnsupportedOperation; the spec
 * names no RSA_4096.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

describe('asymmetric key material import and specs beyond the documented ones', () => {
  for (const [KeySpec, KeyUsage] of [
    ['RSA_2048', 'SIGN/VERIFY'],
    ['EC_P256', 'SIGN/VERIFY'],
    ['EC_SM2', 'ENCRYPT/DECRYPT'],
    ['HMAC_SHA_256', 'GENERATE/VERIFY_MAC'],
  ] as const) {
    it(`CreateKey ${KeySpec} with Origin EXTERNAL answers UnsupportedOperation`, async () => {
      expect(await kms.fails('CreateKey', { KeySpec, KeyUsage, Origin: 'EXTERNAL' })).toBe(
        'UnsupportedOperation',
      );
    });
  }

  it('CreateKey RSA_4096 answers InvalidParameter; symmetric EXTERNAL keys still import', async () => {
    expect(await kms.fails('CreateKey', { KeySpec: 'RSA_4096', KeyUsage: 'SIGN/VERIFY' })).toBe(
      'InvalidParameter',
    );
    const meta = (await kms.call('CreateKey', { KeySpec: 'Aliyun_AES_256', Origin: 'EXTERNAL' })).KeyMetadata;
    expect(meta.KeyState).toBe('PendingImport');
  });
});
