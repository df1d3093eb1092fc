import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { instanceAccessWorld } from './helpers/instance-access.js';

/**
 * The official KMS Instance SDK for Java (com.aliyun:alibabacloud-dkms-gcs-sdk 0.5.2)
 * against the gateway, certificate verification on (test/sdk/dkms-java). Skipped without Maven and a JDK.
 */
const DIR = join(import.meta.dirname, 'sdk', 'dkms-java');
const build = spawnSync(
  'mvn',
  ['-q', '-B', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'],
  { cwd: DIR, encoding: 'utf8', timeout: 600_000 },
);
const available = build.status === 0 && spawnSync('java', ['-version']).status === 0;
const classpath = () =>
  `${join(DIR, 'target', 'classes')}:${readFileSync(join(DIR, 'target', 'classpath.txt'), 'utf8').trim()}`;

let emulator: Emulator;
let results: { case: string; ok: boolean; detail: string }[] = [];

describe.skipIf(!available)('KMS Instance SDK for Java (alibabacloud-dkms-gcs-sdk)', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ gatewayPort: 0 });
    const world = await instanceAccessWorld(emulator);
    const { stdout } = await promisify(execFile)('java', ['-cp', classpath(), 'dkms.Main', world], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    results = JSON.parse(stdout.trim().split('\n').pop() as string);
  }, 300_000);
  afterAll(() => emulator?.close());

  for (const name of [
    'Encrypt / Decrypt with Aad',
    'GenerateDataKey',
    'AdvanceEncrypt / AdvanceDecrypt / AdvanceGenerateDataKey',
    'GenerateRandom',
    'GetSecretValue',
    'refusals: policy, network rule, unknown key, deleted and forged client keys',
    'certificate verification is on: the system roots do not trust the gateway',
    'Rejected.Throttling (429) is retried by the SDK',
    'Sign / Verify / GetPublicKey (ECDSA, checked by JCA)',
    'GenerateDataKeyPair: the private key decrypts and matches the public key',
    'Secrets Manager client (alibabacloud-secretsmanager-client) in ClientKey mode reads and refreshes',
  ]) {
    it(name, () => {
      const result = results.find((r) => r.case === name);
      expect(result, `the suite reported no result for "${name}"`).toBeDefined();
      expect(result?.ok, result?.detail).toBe(true);
    });
  }
});
