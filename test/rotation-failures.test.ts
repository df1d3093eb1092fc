import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

/**
 * What happens when a managed-secret call or a rotation fails: a failed request changes nothing,
 * a lost backing resource makes the secret Invalid with the old credential in place, a failed
 * automatic rotation is tried again, and no credential reaches the state file, the log or the audit
 * journal in clear.
 */
let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;
const state = join(mkdtempSync(join(tmpdir(), 'kms-rotation-failures-')), 'state.json');
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  emulator = await startEmulator({ env: {}, state, logger: pino({ level: 'debug' }, sink) });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());

const value = async (name: string) =>
  JSON.parse((await kms.call('GetSecretValue', { SecretName: name })).SecretData) as Body;
const check = async (body: Record<string, unknown>) =>
  (await control(emulator, 'POST', 'credentials/check', body)).valid;
const rdsSecret = (name: string, db: string, password: string, extra: Record<string, unknown> = {}) => ({
  SecretName: name,
  SecretType: 'Rds',
  VersionId: 'v1',
  SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: password }] }),
  ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: db }),
  ...extra,
});

describe('a failed CreateSecret changes nothing', () => {
  it('a bad rotation interval or tag leaves no secret behind, and the name stays free', async () => {
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-atomic',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    expect(
      await kms.fails(
        'CreateSecret',
        rdsSecret('rds/atomic', 'rm-atomic', 'Pw#1', {
          EnableAutomaticRotation: true,
          RotationInterval: '1h',
        }),
      ),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails(
        'CreateSecret',
        rdsSecret('rds/atomic', 'rm-atomic', 'Pw#1', { EnableAutomaticRotation: true }),
      ),
    ).toBe('MissingParameter');
    expect(await kms.fails('DescribeSecret', { SecretName: 'rds/atomic' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    const jobs = (await control(emulator, 'GET', 'jobs')) as Body;
    expect(JSON.stringify(jobs)).not.toContain('rds/atomic');

    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'generic/atomic',
        SecretData: 'v',
        VersionId: 'v1',
        Tags: JSON.stringify([{ TagKey: 'aliyun:reserved', TagValue: 'x' }]),
      }),
    ).toMatch(/^InvalidParameter/);
    expect(await kms.fails('DescribeSecret', { SecretName: 'generic/atomic' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    await kms.call('CreateSecret', { SecretName: 'generic/atomic', SecretData: 'v', VersionId: 'v1' });
    const created = await kms.call(
      'CreateSecret',
      rdsSecret('rds/atomic', 'rm-atomic', 'Pw#1', { EnableAutomaticRotation: true, RotationInterval: '6h' }),
    );
    expect(created.AutomaticRotation).toBe('Enabled');
  });

  it('managed secrets: SecretDataType must be text, CustomData at most 10 pairs, every AccessKey listed', async () => {
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-rules',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    expect(
      await kms.fails(
        'CreateSecret',
        rdsSecret('rds/rules', 'rm-rules', 'Pw#1', { SecretDataType: 'binary' }),
      ),
    ).toBe('InvalidParameter');
    const custom = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(
      await kms.fails('CreateSecret', {
        ...rdsSecret('rds/rules', 'rm-rules', 'Pw#1'),
        ExtendedConfig: JSON.stringify({
          SecretSubType: 'SingleUser',
          DBInstanceId: 'rm-rules',
          CustomData: custom,
        }),
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'g',
        SecretData: 'v',
        VersionId: 'v1',
        SecretDataType: 'hex',
      }),
    ).toBe('InvalidParameter');

    await control(emulator, 'POST', 'ram-users', {
      UserName: 'two-keys',
      AccessKeys: [
        { AccessKeyId: 'LTAIfirstkey0000000001', AccessKeySecret: 'first-secret' },
        { AccessKeyId: 'LTAIsecondkey000000002', AccessKeySecret: 'second-secret' },
      ],
    });
    const ram = (keys: { AccessKeyId: string; AccessKeySecret: string }[]) => ({
      SecretName: '$Auto',
      SecretType: 'RAMCredentials',
      VersionId: 'v1',
      SecretData: JSON.stringify({ AccessKeys: keys }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: 'two-keys' }),
    });
    expect(
      await kms.fails(
        'CreateSecret',
        ram([{ AccessKeyId: 'LTAIsecondkey000000002', AccessKeySecret: 'second-secret' }]),
      ),
    ).toBe('InvalidParameter');
    const created = await kms.call(
      'CreateSecret',
      ram([
        { AccessKeyId: 'LTAIfirstkey0000000001', AccessKeySecret: 'first-secret' },
        { AccessKeyId: 'LTAIsecondkey000000002', AccessKeySecret: 'second-secret' },
      ]),
    );
    expect(created.SecretName).toBe('acs/ram/user/two-keys');
    expect(await value('acs/ram/user/two-keys')).toMatchObject({ AccessKeyId: 'LTAIsecondkey000000002' });
  });

  it('an ECS secret stores the value given and does not change the instance (seed 001)', async () => {
    await control(emulator, 'POST', 'ecs-instances', {
      InstanceId: 'i-given',
      Users: [{ UserName: 'root', Password: 'Root#1' }],
    });
    const ecs = (name: string) => ({
      SecretName: name,
      SecretType: 'ECS',
      VersionId: 'v1',
      SecretData: JSON.stringify({ UserName: 'root', Password: 'Other#2' }),
      ExtendedConfig: JSON.stringify({
        SecretSubType: 'Password',
        RegionId: 'cn-hangzhou',
        InstanceId: 'i-given',
      }),
    });
    expect(await kms.fails('CreateSecret', ecs('not-under-acs-ecs'))).toBe('InvalidParameter');
    await kms.call('CreateSecret', ecs('acs/ecs/i-given/root'));
    expect(await value('acs/ecs/i-given/root')).toEqual({ UserName: 'root', Password: 'Other#2' });
    // The wrong value cannot log on until the first rotation sets a password KMS made.
    expect(await check({ InstanceId: 'i-given', UserName: 'root', Password: 'Other#2' })).toBe(false);
    expect(await check({ InstanceId: 'i-given', UserName: 'root', Password: 'Root#1' })).toBe(true);
    await kms.call('RotateSecret', { SecretName: 'acs/ecs/i-given/root', VersionId: 'r1' });
    await advance(emulator, '1m');
    const rotated = await value('acs/ecs/i-given/root');
    expect(await check({ InstanceId: 'i-given', UserName: 'root', Password: rotated.Password })).toBe(true);
    expect(await check({ InstanceId: 'i-given', UserName: 'root', Password: 'Root#1' })).toBe(false);
  });
});

describe('rotations that cannot run', () => {
  it('a failed automatic rotation (key disabled) is tried again at the next interval', async () => {
    const key = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-retry',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    await kms.call(
      'CreateSecret',
      rdsSecret('rds/retry', 'rm-retry', 'Pw#1', {
        EncryptionKeyId: key,
        EnableAutomaticRotation: true,
        RotationInterval: '6h',
      }),
    );
    await kms.call('DisableKey', { KeyId: key });
    const fired = await advance(emulator, '7h');
    expect(JSON.stringify(fired)).toContain('rotation not started');
    await kms.call('EnableKey', { KeyId: key });
    const described = await kms.call('DescribeSecret', { SecretName: 'rds/retry' });
    expect(described.AutomaticRotation).toBe('Enabled');
    const next = Date.parse(described.NextRotationDate);
    const now = Date.parse((await control(emulator, 'GET', 'clock')).now);
    expect(next).toBeGreaterThan(now);
    expect(described.LastRotationDate).toBeUndefined();
    await advance(emulator, '6h');
    const after = await kms.call('DescribeSecret', { SecretName: 'rds/retry' });
    expect(after.LastRotationDate).toBeDefined();
    expect((await value('rds/retry')).AccountPassword).not.toBe('Pw#1');
  });

  it.each([
    ['Rds', 'rds-instances/rm-gone'],
    ['RAMCredentials', 'ram-users/gone-user'],
    ['ECS', 'ecs-instances/i-gone'],
  ])(
    'a manual rotation after the %s resource is gone: error, Invalid, old credential kept',
    async (type, path) => {
      let name: string;
      if (type === 'Rds') {
        await control(emulator, 'POST', 'rds-instances', {
          DBInstanceId: 'rm-gone',
          Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
        });
        name = 'rds/gone';
        await kms.call(
          'CreateSecret',
          rdsSecret(name, 'rm-gone', 'Pw#1', { EnableAutomaticRotation: true, RotationInterval: '6h' }),
        );
      } else if (type === 'RAMCredentials') {
        const user = (await control(emulator, 'POST', 'ram-users', { UserName: 'gone-user' }))
          .ramUser as Body;
        const k = user.accessKeys[0] as Body;
        name = 'acs/ram/user/gone-user';
        await kms.call('CreateSecret', {
          SecretName: '$Auto',
          SecretType: 'RAMCredentials',
          VersionId: 'v1',
          SecretData: JSON.stringify({
            AccessKeys: [{ AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret }],
          }),
          ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: 'gone-user' }),
          EnableAutomaticRotation: true,
          RotationInterval: '7d',
        });
      } else {
        await control(emulator, 'POST', 'ecs-instances', {
          InstanceId: 'i-gone',
          Users: [{ UserName: 'root', Password: 'Root#1' }],
        });
        name = 'acs/ecs/i-gone/root';
        await kms.call('CreateSecret', {
          SecretName: name,
          SecretType: 'ECS',
          VersionId: 'v1',
          SecretData: JSON.stringify({ UserName: 'root', Password: 'Root#1' }),
          ExtendedConfig: JSON.stringify({
            SecretSubType: 'Password',
            RegionId: 'cn-hangzhou',
            InstanceId: 'i-gone',
          }),
          EnableAutomaticRotation: true,
          RotationInterval: '1d',
        });
      }
      const before = await value(name);
      await control(emulator, 'DELETE', path);
      expect(await kms.fails('RotateSecret', { SecretName: name, VersionId: 'after-gone' })).toBe(
        'Forbidden.ResourceNotFound',
      );
      const described = await kms.call('DescribeSecret', { SecretName: name });
      expect(described.AutomaticRotation).toBe('Invalid');
      expect(described.NextRotationDate).toBeUndefined();
      expect(await value(name)).toEqual(before);
      const versions = await kms.call('ListSecretVersionIds', { SecretName: name });
      expect(JSON.stringify(versions)).not.toContain('after-gone');
    },
  );

  it('at most 50 RotateSecret calls an hour per account; the window moves with the clock', async () => {
    await control(emulator, 'POST', 'ecs-instances', {
      InstanceId: 'i-limit',
      Users: [{ UserName: 'root', Password: 'Root#1' }],
    });
    for (let i = 0; i < 26; i += 1) {
      await kms.call('CreateSecret', {
        SecretName: `acs/ecs/i-limit/root-${i}`,
        SecretType: 'ECS',
        VersionId: 'v1',
        SecretData: JSON.stringify({ UserName: 'root', Password: 'Root#1' }),
        ExtendedConfig: JSON.stringify({
          SecretSubType: 'Password',
          RegionId: 'cn-hangzhou',
          InstanceId: 'i-limit',
        }),
      });
    }
    // Earlier rotations in this file are more than an hour of virtual time ago.
    const rotate = (i: number, v: string) =>
      kms.call('RotateSecret', { SecretName: `acs/ecs/i-limit/root-${i}`, VersionId: v });
    let made = 0;
    let code = '';
    for (let round = 0; round < 3 && !code; round += 1) {
      for (let i = 0; i < 26; i += 1) {
        try {
          await rotate(i, `r${round}`);
          made += 1;
        } catch (error) {
          code = String((error as { code?: string }).code);
          break;
        }
      }
      await advance(emulator, '11s');
    }
    expect(code).toBe('Rejected.LimitExceeded');
    expect(made).toBe(50);
    await advance(emulator, '61m');
    expect((await rotate(0, 'after-the-hour')).VersionId).toBe('after-the-hour');
  });
});

describe('credentials never in clear', () => {
  it('database passwords, AccessKeySecrets and ECS passwords are sealed in the state file; not in the log or audit', async () => {
    const markers = ['DbPw-MARKER-91c2', 'AkSecret-MARKER-4d7e', 'EcsPw-MARKER-0b55'];
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-clear',
      Accounts: [{ AccountName: 'app', AccountPassword: markers[0] }],
    });
    await control(emulator, 'POST', 'ram-users', {
      UserName: 'clear-user',
      AccessKeys: [{ AccessKeyId: 'LTAIclearkey0000000001', AccessKeySecret: markers[1] }],
    });
    await control(emulator, 'POST', 'ecs-instances', {
      InstanceId: 'i-clear',
      Users: [{ UserName: 'root', Password: markers[2] }],
    });
    await kms.call('CreateSecret', rdsSecret('rds/clear', 'rm-clear', markers[0] as string));
    await kms.call('RotateSecret', { SecretName: 'rds/clear', VersionId: 'r1' });
    await advance(emulator, '1m');
    const rotated = (await value('rds/clear')).AccountPassword as string;
    expect(await check({ DBInstanceId: 'rm-clear', AccountName: 'app', AccountPassword: rotated })).toBe(
      true,
    );
    expect(await check({ AccessKeyId: 'LTAIclearkey0000000001', AccessKeySecret: markers[1] })).toBe(true);
    expect(await check({ InstanceId: 'i-clear', UserName: 'root', Password: markers[2] })).toBe(true);

    const onDisk = readFileSync(state, 'utf8') + readFileSync(`${state}.journal`, 'utf8');
    expect(onDisk).toContain('rm-clear');
    const audit = JSON.stringify(await control(emulator, 'GET', 'audit'));
    expect(audit).toContain('RotateSecret');
    const log = logLines.join('');
    expect(log).toContain('RotateSecret');
    for (const secret of [...markers, rotated]) {
      expect(onDisk).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it('sealed credentials survive a restart on the same state file', async () => {
    await emulator.close();
    emulator = await startEmulator({ env: {}, state, logger: pino({ level: 'silent' }) });
    kms = kmsClient(emulator);
    expect(await check({ InstanceId: 'i-clear', UserName: 'root', Password: 'EcsPw-MARKER-0b55' })).toBe(
      true,
    );
    expect(await check({ InstanceId: 'i-clear', UserName: 'root', Password: 'wrong' })).toBe(false);
    const rotated = (await value('rds/clear')).AccountPassword as string;
    expect(await check({ DBInstanceId: 'rm-clear', AccountName: 'app', AccountPassword: rotated })).toBe(
      true,
    );
  });
});
