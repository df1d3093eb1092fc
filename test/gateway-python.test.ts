import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySeed,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  type Emulator,
  readSeedFile,
  startEmulator,
} from '../src/index.js';
import { kmsClient } from './helpers/client.js';

/**
 * The official KMS Instance SDK for Python (alibabacloud-dkms-gcs) and the typed OpenAPI client
 * (alibabacloud_kms20160120) against the emulator's gateway, certificate verification on. The
 * suite (test/sdk/dkms-python/suite.py) installs into its own venv; without python3 it is skipped.
 */
const DIR = join(import.meta.dirname, 'sdk', 'dkms-python');
const PYTHON = join(DIR, '.venv', 'bin', 'python');
const setUp = spawnSync('bash', [join(DIR, 'setup.sh')], { encoding: 'utf8', timeout: 600_000 });
const available = setUp.status === 0 && existsSync(PYTHON);

let emulator: Emulator;
let results: { case: string; ok: boolean; detail: string }[] = [];

describe.skipIf(!available)('KMS Instance SDK for Python (alibabacloud-dkms-gcs)', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ gatewayPort: 0 });
    const work = mkdtempSync(join(tmpdir(), 'dkms-python-'));
    const config = join(work, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        workdir: work,
        openapi: emulator.url.replace('http://', ''),
        gateway: (emulator.gatewayUrl as string).replace('https://', ''),
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
      }),
    );
    // Asynchronously: the emulator answers from this same process.
    const { stdout: out } = await promisify(execFile)(PYTHON, [join(DIR, 'suite.py'), config], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    results = JSON.parse(out.trim().split('\n').pop() as string);
  }, 300_000);
  afterAll(() => emulator?.close());

  const cases = [
    'management: network rule, policies, AAPs, client keys through typed models',
    'management: CreateClientKey answers a client key file the KMS Instance SDK loads',
    'Encrypt / Decrypt (AES-GCM, Aad), certificate verification on',
    'GenerateDataKey: the plaintext data key decrypts from its ciphertext',
    'AdvanceEncrypt / AdvanceDecrypt / AdvanceGenerateDataKey; OpenAPI Decrypt reads Advance ciphertext',
    'GenerateRandom',
    'GetSecretValue reads the secret the OpenAPI created, and its new version after PutSecretValue',
    'refusals: a key, a secret, a network the policies do not cover (Forbidden.NoPermission 403)',
    'refusals: unknown key, disabled key, missing secret',
    'refusals: deleted client key (401), wrong private key (401), expired client key (401)',
    'certificate verification is on: a trust file without the instance CA is refused',
    'Rejected.Throttling (429) is retried by the SDK',
    'Sign / Verify (RAW and DIGEST), GetPublicKey checked by the cryptography package',
    'Encrypt / Decrypt with an RSA key (RSAES_OAEP_SHA_256), checked by the cryptography package',
    'GenerateDataKeyPair (+WithoutPlaintext, Advance…): the private key decrypts and matches the public key',
  ];
  for (const name of cases) {
    it(name, () => {
      const result = results.find((r) => r.case === name);
      expect(result, `the suite reported no result for "${name}"`).toBeDefined();
      expect(result?.detail).toBeDefined();
      expect(result?.ok, result?.detail).toBe(true);
    });
  }
});

describe.skipIf(!available)('fixtures/seeds/instance-access.yaml with its committed client key file', () => {
  it('the orders application reads its secret and encrypts through the KMS Instance SDK', async () => {
    const fixture = await startEmulator({ gatewayPort: 0 });
    try {
      const root = join(import.meta.dirname, '..');
      await applySeed(fixture, readSeedFile(join(root, 'fixtures', 'seeds', 'instance-access.yaml')));
      const instance = await kmsClient(fixture).call('GetKmsInstance', {
        KmsInstanceId: 'kst-hzz65f3orders',
      });
      const ca = join(mkdtempSync(join(tmpdir(), 'orders-')), 'ca.pem');
      writeFileSync(ca, instance.KmsInstance.CaCertificateChainPem);
      const { stdout } = await promisify(execFile)(
        PYTHON,
        [
          join(DIR, 'fixture_app.py'),
          (fixture.gatewayUrl as string).replace('https://', ''),
          ca,
          join(root, 'fixtures', 'instance-access', 'clientKey_orders-app.json'),
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(JSON.parse(stdout)).toEqual({ user: 'orders', roundTrip: 'order 42' });
    } finally {
      await fixture.close();
    }
  }, 180_000);
});
