import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { instanceAccessWorld } from './helpers/instance-access.js';

/**
 * The Secrets Manager client for Python (aliyun-secret-manager-client, the version the Python
 * conformance suite pins) in ClientKey mode: a DKmsConfig with the client key file and the instance
 * CA (certificate verification on) reads and refreshes a secret through the gateway
 * (test/sdk/python/secrets_manager_clientkey.py). Uses the conformance suite's venv; skipped without Python.
 */
const DIR = join(import.meta.dirname, 'sdk', 'python');
const PYTHON = join(DIR, '.venv', 'bin', 'python');
// Set up the venv (pip); once more if the first attempt failed (a registry hiccup under load made one
// CI run skip these tests), and say why when the tests are skipped.
const setUpOnce = () =>
  spawnSync('bash', [join(DIR, 'run-suite.sh'), '--setup-only'], { encoding: 'utf8', timeout: 900_000 });
let setUp = setUpOnce();
if (setUp.status !== 0 && setUp.status !== 3) setUp = setUpOnce();
const available = setUp.status === 0 && existsSync(PYTHON);
if (!available)
  console.warn(
    `Secrets Manager (Python) tests skipped: set-up exit ${setUp.status}\n${setUp.stderr ?? ''}`.slice(
      0,
      2000,
    ),
  );

let emulator: Emulator;
let results: { case: string; ok: boolean; detail: string }[] = [];

describe.skipIf(!available)('Secrets Manager client for Python in ClientKey mode', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ gatewayPort: 0 });
    const world = await instanceAccessWorld(emulator);
    // Asynchronously: the emulator answers from this same process.
    const { stdout } = await promisify(execFile)(PYTHON, [join(DIR, 'secrets_manager_clientkey.py'), world], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    results = JSON.parse(stdout.trim().split('\n').pop() as string);
  }, 300_000);
  afterAll(() => emulator?.close());

  for (const name of [
    'Secrets Manager client (aliyun-secret-manager-client) in ClientKey mode reads and refreshes',
    'Secrets Manager client in ClientKey mode: a client key whose policy names no secret is refused',
    'Secrets Manager client in ClientKey mode: certificate verification is on (the system roots do not trust the gateway)',
  ]) {
    it(name, () => {
      const result = results.find((r) => r.case === name);
      expect(result, `the script reported no result for "${name}"`).toBeDefined();
      expect(result?.ok, result?.detail).toBe(true);
    });
  }

  it('the gateway served the reads: GetSecretValue under the access point app, twice', async () => {
    const events = emulator.audit.query({ action: 'GetSecretValue', principal: 'app' });
    expect(events.map((e) => [e.code, e.secretVersionId])).toEqual([
      ['Success', 'v1'],
      ['Success', 'py-v2'],
    ]);
  });
});
