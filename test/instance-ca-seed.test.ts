import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { kmsClient } from './helpers/client.js';

/** The instance CAs' P-256 keys come from the emulator's random source: a seed reproduces them. */
const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

async function caKeys(randomSeed: string): Promise<string[]> {
  const emulator = await startEmulator({ randomSeed });
  started.push(emulator);
  const kms = kmsClient(emulator);
  const id = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance[0].KmsInstanceId;
  const chain = (await kms.call('GetKmsInstance', { KmsInstanceId: id })).KmsInstance
    .CaCertificateChainPem as string;
  const pems = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  expect(pems.length).toBe(2); // the instance CA and the emulator root
  return pems.map((pem) =>
    new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
  );
}

describe('instance CA keys', () => {
  it('are reproduced by the random seed and differ between seeds', async () => {
    const first = await caKeys('ca-seed-1');
    const again = await caKeys('ca-seed-1');
    const other = await caKeys('ca-seed-2');
    expect(again).toEqual(first);
    expect(new Set([...first, ...other]).size).toBe(4);
  });
});
