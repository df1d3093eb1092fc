import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());

const value = async (name: string, stage = 'ACSCurrent') =>
  JSON.parse(
    (await kms.call('GetSecretValue', { SecretName: name, VersionStage: stage })).SecretData,
  ) as Body;
const check = async (body: Record<string, unknown>) =>
  (await control(emulator, 'POST', 'credentials/check', body)).valid;

describe('database secrets', () => {
  it('single account: rotation sets a new password on the database; ACSPending, then ACSCurrent', async () => {
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-single',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'rds/app',
        SecretType: 'Rds',
        VersionId: 'v1',
        SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
      }),
    ).toBe('MissingParameter');
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'rds/app',
        SecretType: 'Rds',
        VersionId: 'v1',
        SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
        ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-missing' }),
      }),
    ).toBe('Forbidden.ResourceNotFound');
    const created = await kms.call('CreateSecret', {
      SecretName: 'rds/app',
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-single' }),
      EnableAutomaticRotation: true,
      RotationInterval: '7d',
    });
    expect(created).toMatchObject({
      SecretType: 'Rds',
      AutomaticRotation: 'Enabled',
      RotationInterval: '604800s',
    });
    expect(typeof created.ExtendedConfig).toBe('string');
    expect(JSON.parse(created.ExtendedConfig)).toMatchObject({
      SecretSubType: 'SingleUser',
      DBInstanceId: 'rm-single',
    });
    expect(await value('rds/app')).toEqual({ AccountName: 'app', AccountPassword: 'Pw#1' });
    const got = await kms.call('GetSecretValue', { SecretName: 'rds/app', FetchExtendedConfig: 'True' });
    expect(typeof got.ExtendedConfig).toBe('string');
    expect(await kms.fails('GetSecretValue', { SecretName: 'rds/app', VersionStage: 'Custom' })).toBe(
      'InvalidParameter',
    );

    const rotated = await kms.call('RotateSecret', { SecretName: 'rds/app', VersionId: 'r1' });
    expect(rotated).toMatchObject({ SecretName: 'rds/app', VersionId: 'r1' });
    expect((await kms.call('RotateSecret', { SecretName: 'rds/app', VersionId: 'r1' })).VersionId).toBe('r1');
    expect(await kms.fails('RotateSecret', { SecretName: 'rds/app', VersionId: 'r2' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    expect(
      await kms.fails('UpdateSecretRotationPolicy', {
        SecretName: 'rds/app',
        EnableAutomaticRotation: true,
        RotationInterval: '1d',
      }),
    ).toBe('Rejected.UnsupportedOperation');
    const versions = await kms.call('ListSecretVersionIds', { SecretName: 'rds/app' });
    expect(
      versions.VersionIds.VersionId.map((v: Body) => [v.VersionId, v.VersionStages.VersionStage]),
    ).toEqual([
      ['v1', ['ACSCurrent']],
      ['r1', ['ACSPending']],
    ]);
    const finished = await advance(emulator, '1m');
    expect(finished.fired.map((f: Body) => f.type)).toContain('secret.rotation-finish');
    const current = await value('rds/app');
    expect(current.AccountName).toBe('app');
    expect(current.AccountPassword).not.toBe('Pw#1');
    expect((await value('rds/app', 'ACSPrevious')).AccountPassword).toBe('Pw#1');
    expect(
      await check({
        DBInstanceId: 'rm-single',
        AccountName: 'app',
        AccountPassword: current.AccountPassword,
      }),
    ).toBe(true);
    expect(await check({ DBInstanceId: 'rm-single', AccountName: 'app', AccountPassword: 'Pw#1' })).toBe(
      false,
    );

    const automatic = await advance(emulator, '7d');
    expect(automatic.fired.map((f: Body) => f.type)).toEqual(
      expect.arrayContaining(['secret.rotate', 'secret.rotation-finish']),
    );
    expect((await value('rds/app')).AccountPassword).not.toBe(current.AccountPassword);
    const described = await kms.call('DescribeSecret', { SecretName: 'rds/app' });
    expect(Date.parse(described.NextRotationDate) - Date.parse(described.LastRotationDate)).toBe(
      7 * 86400_000,
    );
  });

  it('dual accounts alternate between the two accounts (Redis user / user_clone)', async () => {
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'r-dual',
      Engine: 'Redis',
      Accounts: [
        { AccountName: 'user', AccountPassword: 'A#1' },
        { AccountName: 'user_clone', AccountPassword: 'B#1' },
      ],
    });
    await kms.call('CreateSecret', {
      SecretName: 'redis/cache',
      SecretType: 'Redis',
      VersionId: 'v1',
      SecretData: JSON.stringify({
        Accounts: [
          { AccountName: 'user', AccountPassword: 'A#1' },
          { AccountName: 'user_clone', AccountPassword: 'B#1' },
        ],
      }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'DoubleUsers', DBInstanceId: 'r-dual' }),
    });
    expect((await value('redis/cache')).AccountName).toBe('user');
    expect((await value('redis/cache', 'ACSPrevious')).AccountName).toBe('user_clone');
    await kms.call('RotateSecret', { SecretName: 'redis/cache', VersionId: 'r1' });
    await advance(emulator, '1m');
    const first = await value('redis/cache');
    expect(first.AccountName).toBe('user_clone');
    expect((await value('redis/cache', 'ACSPrevious')).AccountName).toBe('user');
    // The account now previous keeps working until the next rotation.
    expect(await check({ DBInstanceId: 'r-dual', AccountName: 'user', AccountPassword: 'A#1' })).toBe(true);
    await kms.call('RotateSecret', { SecretName: 'redis/cache', VersionId: 'r2' });
    await advance(emulator, '1m');
    const second = await value('redis/cache');
    expect(second.AccountName).toBe('user');
    expect(second.AccountPassword).not.toBe('A#1');
    expect(
      await check({
        DBInstanceId: 'r-dual',
        AccountName: 'user_clone',
        AccountPassword: first.AccountPassword,
      }),
    ).toBe(true);
  });
});

describe('RAM secrets', () => {
  it('$Auto naming, new AccessKey at once, the old one valid through the 48 h rollover', async () => {
    const user = (await control(emulator, 'POST', 'ram-users', { UserName: 'ci-bot' })).ramUser;
    const [key] = user.accessKeys;
    const created = await kms.call('CreateSecret', {
      SecretName: '$Auto',
      SecretType: 'RAMCredentials',
      VersionId: 'v1',
      SecretData: JSON.stringify({
        AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }],
      }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: 'ci-bot' }),
    });
    expect(created.SecretName).toBe('acs/ram/user/ci-bot');
    const before = await value('acs/ram/user/ci-bot');
    expect(before).toMatchObject({ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret });
    expect(before.GenerateTimestamp).toMatch(/Z$/);
    await kms.call('RotateSecret', { SecretName: 'acs/ram/user/ci-bot', VersionId: 'r1' });
    const after = await value('acs/ram/user/ci-bot');
    expect(after.AccessKeyId).not.toBe(key.accessKeyId);
    expect(await check({ AccessKeyId: after.AccessKeyId, AccessKeySecret: after.AccessKeySecret })).toBe(
      true,
    );
    expect(await check({ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret })).toBe(true);
    expect(await kms.fails('RotateSecret', { SecretName: 'acs/ram/user/ci-bot', VersionId: 'r2' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    await advance(emulator, '47h');
    expect(await check({ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret })).toBe(true);
    const done = await advance(emulator, '2h');
    expect(done.fired.map((f: Body) => f.result).join('\n')).toContain(key.accessKeyId);
    expect(await check({ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret })).toBe(false);
    await kms.call('RotateSecret', { SecretName: 'acs/ram/user/ci-bot', VersionId: 'r2' });
  });
});

describe('ECS secrets', () => {
  it('rotates a password and an SSH key pair on the simulated instance', async () => {
    await control(emulator, 'POST', 'ecs-instances', {
      InstanceId: 'i-web',
      Users: [
        { UserName: 'root', Password: 'Root#1' },
        { UserName: 'deploy', PublicKey: 'ssh-ed25519 AAAA deploy' },
      ],
    });
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'web-root',
        SecretType: 'ECS',
        VersionId: 'v1',
        SecretData: JSON.stringify({ UserName: 'root', Password: 'Root#1' }),
        ExtendedConfig: JSON.stringify({
          SecretSubType: 'Password',
          RegionId: 'cn-hangzhou',
          InstanceId: 'i-web',
        }),
      }),
    ).toBe('InvalidParameter');
    await kms.call('CreateSecret', {
      SecretName: 'acs/ecs/i-web/root',
      SecretType: 'ECS',
      VersionId: 'v1',
      SecretData: JSON.stringify({ UserName: 'root', Password: 'Root#1' }),
      ExtendedConfig: JSON.stringify({
        SecretSubType: 'Password',
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-web',
      }),
    });
    await kms.call('RotateSecret', { SecretName: 'acs/ecs/i-web/root', VersionId: 'r1' });
    await advance(emulator, '1m');
    const root = await value('acs/ecs/i-web/root');
    expect(root.Password).not.toBe('Root#1');
    expect(await check({ InstanceId: 'i-web', UserName: 'root', Password: root.Password })).toBe(true);

    await kms.call('CreateSecret', {
      SecretName: 'acs/ecs/i-web/deploy',
      SecretType: 'ECS',
      VersionId: 'v1',
      SecretData: JSON.stringify({
        UserName: 'deploy',
        PublicKey: 'ssh-ed25519 AAAA deploy',
        PrivateKey: 'old',
      }),
      ExtendedConfig: JSON.stringify({
        SecretSubType: 'SSHKey',
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-web',
      }),
    });
    await kms.call('RotateSecret', { SecretName: 'acs/ecs/i-web/deploy', VersionId: 'r1' });
    await advance(emulator, '1m');
    const deploy = await value('acs/ecs/i-web/deploy');
    expect(deploy.PublicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ deploy$/);
    expect(deploy.PrivateKey).toContain('BEGIN PRIVATE KEY');
    expect(await check({ InstanceId: 'i-web', UserName: 'deploy', PublicKey: deploy.PublicKey })).toBe(true);
  });
});

describe('rotation rules', () => {
  it('generic secrets are not rotated; a vanished resource makes automatic rotation Invalid', async () => {
    await kms.call('CreateSecret', { SecretName: 'generic-x', SecretData: 'x', VersionId: 'v1' });
    expect(await kms.fails('RotateSecret', { SecretName: 'generic-x', VersionId: 'r1' })).toBe(
      'Rejected.UnsupportedOperation',
    );
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-gone',
      Accounts: [{ AccountName: 'a', AccountPassword: 'p' }],
    });
    await kms.call('CreateSecret', {
      SecretName: 'rds/gone',
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'a', AccountPassword: 'p' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-gone' }),
    });
    expect(
      await kms.fails('UpdateSecretRotationPolicy', {
        SecretName: 'rds/gone',
        EnableAutomaticRotation: true,
        RotationInterval: '1h',
      }),
    ).toBe('InvalidParameter');
    await kms.call('UpdateSecretRotationPolicy', {
      SecretName: 'rds/gone',
      EnableAutomaticRotation: true,
      RotationInterval: '6h',
    });
    await control(emulator, 'DELETE', 'rds-instances/rm-gone');
    await advance(emulator, '7h');
    const described = await kms.call('DescribeSecret', { SecretName: 'rds/gone' });
    expect(described.AutomaticRotation).toBe('Invalid');
    expect(await value('rds/gone')).toEqual({ AccountName: 'a', AccountPassword: 'p' });
  });
});
