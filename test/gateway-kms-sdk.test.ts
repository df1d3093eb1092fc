import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { instanceAccessWorld } from './helpers/instance-access.js';

/**
 * The "KMS SDK" for Python (alibabacloud-kms-python-sdk 1.1.3): management to the OpenAPI,
 * cryptography to the instance gateway (test/sdk/kms-python-sdk/app.py). Skipped without python3.
 */
const DIR = join(import.meta.dirname, 'sdk', 'kms-python-sdk');
const PYTHON = join(DIR, '.venv', 'bin', 'python');
const setUp = spawnSync('bash', [join(DIR, 'setup.sh')], { encoding: 'utf8', timeout: 600_000 });
const available = setUp.status === 0 && existsSync(PYTHON);

let emulator: Emulator;
let results: { case: string; ok: boolean; detail: string }[] = [];

describe.skipIf(!available)('KMS SDK for Python (alibabacloud-kms-python-sdk)', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ gatewayPort: 0 });
    const world = await instanceAccessWorld(emulator);
    const { stdout } = await promisify(execFile)(PYTHON, [join(DIR, 'app.py'), world], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    results = JSON.parse(stdout.trim().split('\n').pop() as string);
  }, 300_000);
  afterAll(() => emulator?.close());

  it('management through the OpenAPI, cryptography through the instance', () => {
    const result = results.find(
      (r) => r.case === 'management through the OpenAPI, cryptography through the instance',
    );
    expect(result, 'the app reported no result').toBeDefined();
    expect(result?.ok, result?.detail).toBe(true);
  });

  it("TransferClient: Encrypt and Decrypt round trip through the instance's Advance operations", () => {
    const result = results.find(
      (r) => r.case === 'TransferClient: Encrypt and Decrypt round trip through the instance',
    );
    expect(result, 'the app reported no result').toBeDefined();
    expect(result?.ok, result?.detail).toBe(true);
  });

  it('TransferClient with only an instance config never sends its OpenAPI operations (ListKeys) there', () => {
    const result = results.find(
      (r) => r.case === 'TransferClient with only an instance config: OpenAPI operations',
    );
    expect(result, 'the app reported no result').toBeDefined();
    expect(result?.ok, result?.detail).toBe(true);
  });
});
