import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  applySeed,
  type Emulator,
  parseScenario,
  runScenario,
  SeedError,
  startEmulator,
} from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { type Body, control, kmsClient } from './helpers/client.js';

/**
 * Loading seeds: all or nothing, errors that name the file and the item, inline scenario seeds held
 * to the same schema, export that loads back into an equal world, and the CLI's answers.
 */
const dir = mkdtempSync(join(tmpdir(), 'kms-seed-load-'));
let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await control(emulator, 'POST', 'reset');
});

const material = Buffer.alloc(32, 7).toString('base64');

async function postSeed(seed: unknown): Promise<Body> {
  return control(emulator, 'POST', 'seed', seed);
}

/** Runs the command to its end: its exit code and what it printed. */
async function runToEnd(args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runCli(args);
  const code = await run.exited;
  return { code, output: run.output() };
}

const badSeed = {
  clock: { start: '2031-05-05T00:00:00Z', frozen: true },
  principals: [{ accessKeyId: 'LTAIhalfapplied', accessKeySecret: 'half-applied-secret' }],
  keys: [
    { keyId: 'key-first-ok', versions: [{ keyVersionId: 'v1', material }] },
    { keyId: 'key-second-bad', kmsInstanceId: 'kst-does-not-exist' },
  ],
};

describe('a seed that fails to load', () => {
  it('names the item and leaves nothing behind: no key, no principal, the clock where it was', async () => {
    const before = (await control(emulator, 'GET', 'clock')).epochMs as number;
    const res = await postSeed(badSeed);
    expect(res.status).toBe(400);
    expect(res.error).toBe('InvalidParameter');
    expect(res.message).toMatch(/^seed: \/keys\/1: Forbidden\.DKMSInstanceNotFound: /);
    expect(await kms.fails('DescribeKey', { KeyId: 'key-first-ok' })).toBe('Forbidden.KeyNotFound');
    const clock = await control(emulator, 'GET', 'clock');
    expect(clock.frozen).toBe(false);
    expect(Math.abs((clock.epochMs as number) - before)).toBeLessThan(60_000);
    const stranger = kmsClient(emulator, { accessKeyId: 'LTAIhalfapplied', secret: 'half-applied-secret' });
    expect(await stranger.fails('DescribeRegions')).toBe('InvalidAccessKeyId.NotFound');
    // The same world still takes a good seed afterwards.
    expect((await postSeed({ keys: [badSeed.keys[0]] })).status).toBe(200);
    expect((await kms.call('DescribeKey', { KeyId: 'key-first-ok' })).KeyMetadata.KeyId).toBe('key-first-ok');
  });

  it('a bad date is refused before anything is applied', async () => {
    await expect(applySeed(emulator, { clock: { start: 'not a date' } }, 'inline.yaml')).rejects.toThrow(
      SeedError,
    );
    await expect(applySeed(emulator, { clock: { start: 'not a date' } }, 'inline.yaml')).rejects.toThrow(
      /^inline\.yaml: \/clock\/start: /,
    );
    expect(Number.isNaN((await control(emulator, 'GET', 'clock')).epochMs)).toBe(false);
  });

  it('rotation settings on a Generic secret are refused, naming the secret', async () => {
    const res = await postSeed({
      secrets: [
        { secretName: 'ok', versions: [{ versionId: 'v1', secretData: 'x' }] },
        {
          secretName: 'generic-rotating',
          enableAutomaticRotation: true,
          rotationInterval: '7d',
          versions: [{ versionId: 'v1', secretData: 'x' }],
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.message).toContain('seed: /secrets/1: ');
    expect(await kms.fails('DescribeSecret', { SecretName: 'ok' })).toBe('Forbidden.ResourceNotFound');
  });

  it('loading the same principals twice lists them once in the export', async () => {
    const seed = { principals: [{ accessKeyId: 'LTAItwice', accessKeySecret: 'twice-secret' }] };
    await postSeed(seed);
    await postSeed(seed);
    const exported = (await (await fetch(`${emulator.url}/_emulator/export?format=json`)).json()) as Body;
    expect(exported.principals.filter((p: Body) => p.accessKeyId === 'LTAItwice')).toHaveLength(1);
  });
});

describe('inline seeds in scenarios', () => {
  it('are checked against the seed schema, with the path inside the scenario', () => {
    expect(() =>
      parseScenario(
        JSON.stringify({ seed: { kyes: [] }, steps: [{ call: 'DescribeRegions' }] }),
        'typo.yaml',
      ),
    ).toThrow(/typo\.yaml: \/seed: must NOT have additional properties \(kyes\)/);
    expect(() =>
      parseScenario(
        JSON.stringify({ seed: { clock: { start: 'not a date' } }, steps: [{ call: 'DescribeRegions' }] }),
        'date.yaml',
      ),
    ).toThrow(/date\.yaml: \/seed\/clock\/start: must match format "date-time"/);
    expect(() =>
      parseScenario(JSON.stringify({ steps: [{ seed: { principals: [{ accessKeyId: 5 }] } }] }), 'step.yaml'),
    ).toThrow(/step\.yaml: \/steps\/0\/seed\/principals\/0/);
  });

  it('a seed step loads mid-scenario, and a principal without a secret signs with the trusted pair', async () => {
    const scenario = parseScenario(
      JSON.stringify({
        steps: [
          { call: 'DescribeKey', params: { KeyId: 'key-mid' }, expect: { code: 'Forbidden.KeyNotFound' } },
          {
            seed: {
              principals: [
                { accessKeyId: 'LTAImidscenario', accessKeySecret: 'mid-secret', accountId: '1111' },
              ],
              keys: [{ keyId: 'key-mid', accountId: '1111' }],
            },
          },
          {
            call: 'DescribeKey',
            params: { KeyId: 'key-mid' },
            principal: { accessKeyId: 'LTAImidscenario' },
            expect: { body: { KeyMetadata: { KeyId: 'key-mid' } } },
          },
          { call: 'DescribeKey', params: { KeyId: 'key-mid' }, expect: { code: 'Forbidden.KeyNotFound' } },
        ],
      }),
      'mid.yaml',
    );
    const result = await runScenario(scenario);
    expect(result.steps.map((s) => s.problems)).toEqual([[], [], [], []]);
  });

  it('without a randomSeed, probabilistic faults fire the same way on every run', async () => {
    const scenario = parseScenario(
      JSON.stringify({
        name: 'coin flips',
        steps: [
          { fault: { action: 'DescribeRegions', error: { code: 'Rejected.Throttling' }, probability: 0.5 } },
          ...Array.from({ length: 16 }, () => ({ call: 'DescribeRegions' })),
        ],
      }),
      'flips.yaml',
    );
    const pattern = async () => (await runScenario(scenario)).steps.map((s) => s.ok);
    const first = await pattern();
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(1);
    expect(await pattern()).toEqual(first);
    expect(await pattern()).toEqual(first);
  });
});

describe('export loads back into an equal world', () => {
  it('with a KMS instance, a key in it and a secret under a named key', async () => {
    await postSeed({
      instances: [
        { kmsInstanceId: 'kst-export01', keyQuota: 5, secretQuota: 3, endDate: '2099-01-01T00:00:00Z' },
      ],
      keys: [
        {
          keyId: 'key-in-instance',
          kmsInstanceId: 'kst-export01',
          versions: [{ keyVersionId: 'kv1', material }],
        },
        { keyId: 'key-named', versions: [{ keyVersionId: 'kv2', material }] },
      ],
      secrets: [
        {
          secretName: 'under-named-key',
          encryptionKeyId: 'key-named',
          versions: [{ versionId: 'v1', secretData: 'exported value' }],
        },
      ],
    });
    const ciphertext = (await kms.call('Encrypt', { KeyId: 'key-in-instance', Plaintext: 'aGk=' }))
      .CiphertextBlob;
    const exported = (await (
      await fetch(`${emulator.url}/_emulator/export?format=json&secrets=true`)
    ).json()) as Body;
    expect(exported.instances).toContainEqual(
      expect.objectContaining({
        kmsInstanceId: 'kst-export01',
        keyQuota: 5,
        secretQuota: 3,
        endDate: '2099-01-01T00:00:00Z',
      }),
    );
    expect(exported.secrets.find((s: Body) => s.secretName === 'under-named-key').encryptionKeyId).toBe(
      'key-named',
    );

    await control(emulator, 'POST', 'reset');
    const reloaded = await postSeed(exported);
    expect(reloaded.status).toBe(200);
    const instance = await kms.call('GetKmsInstance', { KmsInstanceId: 'kst-export01' });
    expect(instance.KmsInstance).toMatchObject({ KeyNum: 5, EndDate: '2099-01-01T00:00:00Z' });
    expect((await kms.call('DescribeSecret', { SecretName: 'under-named-key' })).EncryptionKeyId).toBe(
      'key-named',
    );
    expect((await kms.call('GetSecretValue', { SecretName: 'under-named-key' })).SecretData).toBe(
      'exported value',
    );
    expect((await kms.call('Decrypt', { CiphertextBlob: ciphertext })).Plaintext).toBe('aGk=');
  });
});

describe('the default instance', () => {
  it('an exported default instance replaces an empty one made on first use', async () => {
    await postSeed({ instances: [{ kmsInstanceId: 'kst-seeddefault', default: true }] });
    expect((await kms.call('GetDefaultKmsInstance')).DefaultKmsInstanceId).toBe('kst-seeddefault');
    const exported = (await (await fetch(`${emulator.url}/_emulator/export?format=json`)).json()) as Body;
    await control(emulator, 'POST', 'reset');
    const madeOnFirstUse = (await kms.call('GetDefaultKmsInstance')).DefaultKmsInstanceId;
    expect(madeOnFirstUse).not.toBe('kst-seeddefault');
    expect((await postSeed(exported)).status).toBe(200);
    expect((await kms.call('GetDefaultKmsInstance')).DefaultKmsInstanceId).toBe('kst-seeddefault');
    const ids = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance.map(
      (i: Body) => i.KmsInstanceId,
    );
    expect(ids).toEqual(['kst-seeddefault']);
  });
});

describe('the command line', () => {
  it('start --seed-file loads instances, keys and secrets; GET /_emulator/export gives them back', async () => {
    const file = join(dir, 'world.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'randomSeed: cli-world',
        'instances:',
        '  - { kmsInstanceId: kst-cli0001, keyQuota: 10, secretQuota: 10 }',
        'keys:',
        `  - { keyId: key-cli0001, kmsInstanceId: kst-cli0001, aliases: [alias/cli], versions: [{ keyVersionId: kv1, material: '${material}' }] }`,
        'secrets:',
        '  - { secretName: cli/secret, encryptionKeyId: key-cli0001, versions: [{ versionId: v1, secretData: cli-value }] }',
      ].join('\n'),
    );
    const run = runCli(['start', '--port', '0', '--state', ':memory:', '--seed-file', file]);
    try {
      const url = await run.listening();
      const remote = kmsClient({ url } as Emulator);
      expect((await remote.call('DescribeKey', { KeyId: 'alias/cli' })).KeyMetadata).toMatchObject({
        KeyId: 'key-cli0001',
        DKMSInstanceId: 'kst-cli0001',
      });
      expect((await remote.call('GetSecretValue', { SecretName: 'cli/secret' })).SecretData).toBe(
        'cli-value',
      );
      const exported = (await (
        await fetch(`${url}/_emulator/export?format=json&secrets=true`)
      ).json()) as Body;
      expect(exported.instances).toContainEqual(expect.objectContaining({ kmsInstanceId: 'kst-cli0001' }));
      expect(exported.keys).toContainEqual(
        expect.objectContaining({
          keyId: 'key-cli0001',
          aliases: ['alias/cli'],
          kmsInstanceId: 'kst-cli0001',
        }),
      );
      expect(exported.secrets).toContainEqual(
        expect.objectContaining({ secretName: 'cli/secret', encryptionKeyId: 'key-cli0001' }),
      );
      const yaml = await (await fetch(`${url}/_emulator/export`)).text();
      expect(yaml).toContain('kmsInstanceId: kst-cli0001');
      expect(yaml).not.toContain('cli-value');
    } finally {
      await run.stop();
    }
  });

  it('start --seed-file with a seed that fails to load: exit 2, naming the file and the item', async () => {
    const file = join(dir, 'bad-seed.yaml');
    writeFileSync(file, JSON.stringify(badSeed));
    const run = await runToEnd(['start', '--port', '0', '--state', ':memory:', '--seed-file', file]);
    expect(run.code).toBe(2);
    expect(run.output).toContain(`${file}: /keys/1: Forbidden.DKMSInstanceNotFound`);
    expect(run.output).not.toContain('    at ');
  });

  it('replay runs every file even when one of them is broken', async () => {
    const broken = join(dir, 'broken.yaml');
    const good = join(dir, 'good.yaml');
    writeFileSync(broken, JSON.stringify({ seed: badSeed, steps: [{ call: 'DescribeRegions' }] }));
    writeFileSync(good, JSON.stringify({ name: 'the good one', steps: [{ call: 'DescribeRegions' }] }));
    const run = await runToEnd(['replay', broken, good]);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`${broken}: /seed/keys/1: Forbidden.DKMSInstanceNotFound`);
    expect(run.output).toContain('scenario: the good one');
    expect(run.output).toContain('replay: 1 passed, 0 failed');
  });
});
