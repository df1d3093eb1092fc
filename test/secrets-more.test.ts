import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySeed, type Emulator, exportSeed, parseSeed, startEmulator } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});
async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  const emulator = await startEmulator({ env: {}, ...options });
  emulators.push(emulator);
  return emulator;
}

const rdsWorld = `
randomSeed: managed-export
clock: { start: 2030-01-01T00:00:00Z, frozen: true }
backingResources:
  databases:
    - dbInstanceId: rm-export
      accounts: [{ accountName: app, accountPassword: First#Pw1 }, { accountName: app_clone, accountPassword: Clone#Pw1 }]
  ramUsers:
    - userName: exporter
      accessKeys: [{ accessKeyId: LTAIExporterKey1, accessKeySecret: ExporterSecret1 }]
  ecsInstances:
    - instanceId: i-export
      users: [{ userName: root, password: Root#Pw1 }]
secrets:
  - secretName: rds/export
    secretType: Rds
    extendedConfig: { SecretSubType: DoubleUsers, DBInstanceId: rm-export }
    enableAutomaticRotation: true
    rotationInterval: 1d
    versions:
      - versionId: v1
        secretData: '{"Accounts":[{"AccountName":"app","AccountPassword":"First#Pw1"},{"AccountName":"app_clone","AccountPassword":"Clone#Pw1"}]}'
  - secretName: $Auto
    secretType: RAMCredentials
    extendedConfig: { SecretSubType: RamUserAccessKey, UserName: exporter }
    versions:
      - versionId: v1
        secretData: '{"AccessKeys":[{"AccessKeyId":"LTAIExporterKey1","AccessKeySecret":"ExporterSecret1"}]}'
  - secretName: acs/ecs/i-export/root
    secretType: ECS
    extendedConfig: { SecretSubType: Password, RegionId: cn-hangzhou, InstanceId: i-export }
    versions:
      - versionId: v1
        secretData: '{"UserName":"root","Password":"Root#Pw1"}'
`;

describe('BatchGetSecretValue', () => {
  it('reads up to 20 secrets, with an error entry per secret that cannot be read', async () => {
    const emulator = await start();
    const kms = kmsClient(emulator);
    await kms.call('CreateSecret', { SecretName: 'batch/a', SecretData: 'alpha-one-plain', VersionId: 'v1' });
    await kms.call('PutSecretValue', {
      SecretName: 'batch/a',
      SecretData: 'alpha-two-plain',
      VersionId: 'v2',
    });
    await kms.call('CreateSecret', { SecretName: 'batch/b', SecretData: 'beta-one-plain', VersionId: 'v1' });
    await kms.call('DeleteSecret', { SecretName: 'batch/b' });
    const res = await kms.call('BatchGetSecretValue', {
      SecretsList: JSON.stringify([
        { SecretName: 'batch/a' },
        { SecretName: 'batch/a', VersionStage: 'ACSPrevious' },
        { SecretName: 'batch/a', VersionId: 'v2', FetchExtendedConfig: true },
        { SecretName: 'batch/b' },
        { SecretName: 'batch/none' },
      ]),
    });
    expect(res.SecretValues.map((v: Body) => [v.SecretName, v.VersionId, v.SecretData])).toEqual([
      ['batch/a', 'v2', 'alpha-two-plain'],
      ['batch/a', 'v1', 'alpha-one-plain'],
      ['batch/a', 'v2', 'alpha-two-plain'],
    ]);
    expect(res.SecretValues[0].VersionStages.VersionStage).toEqual(['ACSCurrent']);
    expect(res.Errors).toEqual([
      expect.objectContaining({
        SecretName: 'batch/b',
        Code: 'Rejected.ResourceInDeleteWindow',
        HttpStatus: 409,
      }),
      expect.objectContaining({
        SecretName: 'batch/none',
        Code: 'Forbidden.ResourceNotFound',
        HttpStatus: 404,
      }),
    ]);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ SecretName: `s${i}` }));
    expect(await kms.fails('BatchGetSecretValue', { SecretsList: JSON.stringify(tooMany) })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('BatchGetSecretValue', {})).toBe('MissingParameter');
    expect(await kms.fails('BatchGetSecretValue', { SecretsList: '{"SecretName":"x"}' })).toBe(
      'InvalidParameter',
    );
    const audit = emulator.audit.query({ action: 'BatchGetSecretValue' });
    expect(JSON.stringify(audit)).not.toContain('alpha-two-plain');
  });
});

describe('rotation durations are configurable', () => {
  it('from the emulator options, and from a seed until the next reset', async () => {
    const emulator = await start({ rotationTiming: { quickMs: 5 * 60_000 } });
    const kms = kmsClient(emulator);
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-slow',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    await kms.call('CreateSecret', {
      SecretName: 'rds/slow',
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-slow' }),
    });
    await kms.call('RotateSecret', { SecretName: 'rds/slow', VersionId: 'r1' });
    await advance(emulator, '4m');
    expect(await kms.fails('RotateSecret', { SecretName: 'rds/slow', VersionId: 'r2' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    await advance(emulator, '1m');
    expect((await kms.call('GetSecretValue', { SecretName: 'rds/slow' })).VersionId).toBe('r1');

    await applySeed(emulator, parseSeed('rotation: { duration: 30s, ramRollover: 2h }', 'inline'));
    expect(emulator.world.managed.timing).toEqual({ quickMs: 30_000, ramRolloverMs: 2 * 3600_000 });
    expect(exportSeed(emulator, { includeSecrets: false }).rotation).toEqual({
      duration: '30s',
      ramRollover: '7200s',
    });
    await kms.call('RotateSecret', { SecretName: 'rds/slow', VersionId: 'r2' });
    await advance(emulator, '30s');
    expect((await kms.call('GetSecretValue', { SecretName: 'rds/slow' })).VersionId).toBe('r2');
    await expect(applySeed(emulator, parseSeed('rotation: { duration: soon }', 'inline'))).rejects.toThrow(
      /rotation\/duration/,
    );
    await emulator.reset();
    expect(emulator.world.managed.timing.quickMs).toBe(5 * 60_000);
  });

  it('kms-emulator start --rotation-duration / --ram-rollover, refusing a bad duration', async () => {
    const bad = runCli(['start', '--port', '0', '--rotation-duration', 'later']);
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toContain('Not a duration');

    const good = runCli([
      'start',
      '--port',
      '0',
      '--state',
      ':memory:',
      '--rotation-duration',
      '2m',
      '--ram-rollover',
      '1h 30m',
    ]);
    try {
      const url = await good.listening();
      const exported = (await (await fetch(`${url}/_emulator/export?format=json`)).json()) as Body;
      expect(exported.rotation).toEqual({ duration: '120s', ramRollover: '5400s' });
    } finally {
      await good.stop();
    }
  });
});

describe('seeding managed secrets and their backing resources', () => {
  it('loads, is idempotent, never undoes a rotation, and exports a seed that loads back', async () => {
    const emulator = await start();
    const kms = kmsClient(emulator);
    const seed = parseSeed(rdsWorld, 'world.yaml');
    await applySeed(emulator, seed);
    expect(JSON.parse((await kms.call('GetSecretValue', { SecretName: 'rds/export' })).SecretData)).toEqual({
      AccountName: 'app',
      AccountPassword: 'First#Pw1',
    });
    const ram = await kms.call('GetSecretValue', { SecretName: 'acs/ram/user/exporter' });
    expect(JSON.parse(ram.SecretData).AccessKeyId).toBe('LTAIExporterKey1');
    expect((await kms.call('DescribeSecret', { SecretName: 'rds/export' })).NextRotationDate).toBe(
      '2030-01-02T00:00:00Z',
    );

    await kms.call('RotateSecret', { SecretName: 'rds/export', VersionId: 'r1' });
    await advance(emulator, '1m');
    const rotated = JSON.parse((await kms.call('GetSecretValue', { SecretName: 'rds/export' })).SecretData);
    expect(rotated.AccountName).toBe('app_clone');
    // Loading the same seed again changes nothing: the rotated password stays.
    await applySeed(emulator, seed);
    const again = JSON.parse((await kms.call('GetSecretValue', { SecretName: 'rds/export' })).SecretData);
    expect(again).toEqual(rotated);
    expect(
      (
        await control(emulator, 'POST', 'credentials/check', {
          DBInstanceId: 'rm-export',
          AccountName: rotated.AccountName,
          AccountPassword: rotated.AccountPassword,
        })
      ).valid,
    ).toBe(true);

    const redacted = exportSeed(emulator, { includeSecrets: false });
    expect(JSON.stringify(redacted)).not.toContain(rotated.AccountPassword);
    expect(JSON.stringify(redacted)).not.toContain('ExporterSecret1');
    const frozen = exportSeed(emulator, { includeSecrets: true });
    const other = await start();
    await applySeed(other, parseSeed(JSON.stringify(frozen), 'exported.json'));
    const otherKms = kmsClient(other);
    const copied = await otherKms.call('GetSecretValue', { SecretName: 'rds/export' });
    expect(JSON.parse(copied.SecretData)).toEqual(rotated);
    expect(
      JSON.parse(
        (await otherKms.call('GetSecretValue', { SecretName: 'rds/export', VersionStage: 'ACSPrevious' }))
          .SecretData,
      ),
    ).toEqual({ AccountName: 'app', AccountPassword: 'First#Pw1' });
    expect(
      (
        await control(other, 'POST', 'credentials/check', {
          InstanceId: 'i-export',
          UserName: 'root',
          Password: 'Root#Pw1',
        })
      ).valid,
    ).toBe(true);
    expect((await otherKms.call('DescribeSecret', { SecretName: 'rds/export' })).RotationInterval).toBe(
      '86400s',
    );
    // The copy rotates like the original.
    await otherKms.call('RotateSecret', { SecretName: 'acs/ram/user/exporter', VersionId: 'r1' });
    const newKey = JSON.parse(
      (await otherKms.call('GetSecretValue', { SecretName: 'acs/ram/user/exporter' })).SecretData,
    );
    expect(newKey.AccessKeyId).not.toBe('LTAIExporterKey1');
  });

  it('refuses a managed secret whose backing resource is missing, and a second version, naming the secret', async () => {
    const emulator = await start();
    await expect(
      applySeed(
        emulator,
        parseSeed(
          `secrets:
  - secretName: rds/orphan
    secretType: Rds
    extendedConfig: { SecretSubType: SingleUser, DBInstanceId: rm-nowhere }
    versions: [{ versionId: v1, secretData: '{"Accounts":[{"AccountName":"a","AccountPassword":"b"}]}' }]`,
          'orphan.yaml',
        ),
      ),
    ).rejects.toThrow(/rm-nowhere/);
    await expect(
      applySeed(
        emulator,
        parseSeed(
          `backingResources: { ecsInstances: [{ instanceId: i-1, users: [{ userName: root, password: p }] }] }
secrets:
  - secretName: acs/ecs/i-1/root
    secretType: ECS
    extendedConfig: { SecretSubType: Password, RegionId: cn-hangzhou, InstanceId: i-1 }
    versions:
      - { versionId: v1, secretData: '{"UserName":"root","Password":"p"}' }
      - { versionId: v2, secretData: '{"UserName":"root","Password":"q"}' }`,
          'two.yaml',
        ),
      ),
    ).rejects.toThrow(/acs\/ecs\/i-1\/root takes one version/);
    expect(() => parseSeed('backingResources: { databases: [{ dbInstanceId: x }] }', 'db.yaml')).toThrow(
      "db.yaml: /backingResources/databases/0: must have required property 'accounts'",
    );
  });
});

describe('a managed fixture through the command line', () => {
  it('kms-emulator start --seed-file fixtures/seeds/ram-credentials.yaml serves the seeded RAM secret', async () => {
    const seedFile = resolve(import.meta.dirname, '..', 'fixtures', 'seeds', 'ram-credentials.yaml');
    const run = runCli(['start', '--port', '0', '--state', ':memory:', '--seed-file', seedFile]);
    try {
      const url = await run.listening();
      const kms = kmsClient({ url } as Emulator);
      const value = await kms.call('GetSecretValue', { SecretName: 'acs/ram/user/ci-deployer' });
      expect(JSON.parse(value.SecretData)).toMatchObject({ AccessKeyId: 'LTAI5tCiDeployerFixed01' });
      expect(value.NextRotationDate).toBe('2030-01-31T00:00:00Z');
      const check = await fetch(`${url}/_emulator/credentials/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          AccessKeyId: 'LTAI5tCiDeployerFixed01',
          AccessKeySecret: 'CiDeployerFixedSecretValue0001',
        }),
      });
      expect(((await check.json()) as Body).valid).toBe(true);
    } finally {
      await run.stop();
    }
  });
});
