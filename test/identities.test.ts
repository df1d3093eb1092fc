import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { applySeed } from '../src/testkit/seed.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

/**
 * Identities live in the domain (#24 §2): one account-wide store of root pairs, RAM users and their
 * AccessKeys, persisted, sealed at rest, asked by the authenticator.
 */
const running: Emulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator({ env: {}, ...options });
  running.push(emulator);
  return emulator;
}

const describeRegions = (e: Emulator, accessKeyId: string, secret: string) =>
  callRpc(e.url, 'DescribeRegions', {}, { accessKeyId, secret });

describe('the RAM user behind a managed RAM secret', () => {
  it('hands out an AccessKey that signs requests as that user; after rotation and rollover the old pair is refused', async () => {
    const e = await start();
    const kms = kmsClient(e);
    const user = (await control(e, 'POST', 'ram-users', { UserName: 'ci-bot' })).ramUser as Body;
    const [key] = user.accessKeys;
    await kms.call('CreateSecret', {
      SecretName: '$Auto',
      SecretType: 'RAMCredentials',
      VersionId: 'v1',
      SecretData: JSON.stringify({
        AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }],
      }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: 'ci-bot' }),
    });
    const value = async () =>
      JSON.parse(
        (await kms.call('GetSecretValue', { SecretName: 'acs/ram/user/ci-bot' })).SecretData,
      ) as Body;
    const first = await value();
    const signed = await describeRegions(e, first.AccessKeyId, first.AccessKeySecret);
    expect(signed.status).toBe(200);
    expect(signed.body.Regions).toBeDefined();
    // A wrong secret for the same id is a signature mismatch, not a pass.
    expect((await describeRegions(e, first.AccessKeyId, 'wrong')).body.Code).toBe('SignatureDoesNotMatch');

    await kms.call('RotateSecret', { SecretName: 'acs/ram/user/ci-bot', VersionId: 'r1' });
    const second = await value();
    expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
    expect((await describeRegions(e, second.AccessKeyId, second.AccessKeySecret)).status).toBe(200);
    // The old pair works through the rollover, then is deleted.
    expect((await describeRegions(e, first.AccessKeyId, first.AccessKeySecret)).status).toBe(200);
    await advance(e, '49h');
    const refused = await describeRegions(e, first.AccessKeyId, first.AccessKeySecret);
    expect(refused.status).toBe(404);
    expect(refused.body.Code).toBe('InvalidAccessKeyId.NotFound');
    expect((await describeRegions(e, second.AccessKeyId, second.AccessKeySecret)).status).toBe(200);
  });

  it('is one user per account, whatever the region it was declared in', async () => {
    const e = await start();
    await control(e, 'POST', 'ram-users', {
      UserName: 'shared',
      RegionId: 'cn-shanghai',
      AccessKeys: [{ AccessKeyId: 'LTAIsharedUserKey1', AccessKeySecret: 'shared-secret-1' }],
    });
    const found = e.world.backing.ramUser(
      { accountId: '1234567890123456', regionId: 'cn-hangzhou' },
      'shared',
    );
    expect(found?.accessKeys.map((k) => k.accessKeyId)).toEqual(['LTAIsharedUserKey1']);
    const principal = e.credentialOf('LTAIsharedUserKey1')?.principal;
    expect(principal).toMatchObject({ type: 'SubUser', userName: 'shared', accountId: '1234567890123456' });
    expect(principal?.userId).toMatch(/^[1-9]\d{15}$/);
  });
});

describe('seeded principals are records', () => {
  const seed = {
    principals: [{ accessKeyId: 'LTAIseededRoot', accessKeySecret: 'seeded-root-secret', accountId: '5555' }],
  };

  it('sign as the root of their account, and are gone after a reset', async () => {
    const e = await start();
    await applySeed(e, seed);
    expect(e.credentialOf('LTAIseededRoot')?.principal).toMatchObject({ type: 'Root', accountId: '5555' });
    expect((await describeRegions(e, 'LTAIseededRoot', 'seeded-root-secret')).status).toBe(200);
    await control(e, 'POST', 'reset');
    const after = await describeRegions(e, 'LTAIseededRoot', 'seeded-root-secret');
    expect(after.body.Code).toBe('InvalidAccessKeyId.NotFound');
    // The built-in pair is configuration, not a record: a reset keeps it.
    expect((await describeRegions(e, 'LTAIEmulatorAccessKeyId', 'EmulatorAccessKeySecret')).status).toBe(200);
  });

  it('persist in the state file with every secret sealed, and sign after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'identities-'));
    dirs.push(dir);
    const state = join(dir, 'state.json');
    const first = await start({ state });
    await applySeed(first, seed);
    await control(first, 'POST', 'ram-users', {
      UserName: 'persisted',
      AccessKeys: [{ AccessKeyId: 'LTAIpersistedUser1', AccessKeySecret: 'persisted-user-secret' }],
    });
    await first.close();
    running.splice(running.indexOf(first), 1);
    const written = readdirSync(dir)
      .filter((f) => f.startsWith('state.json') && !f.endsWith('master-key'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(written).toContain('LTAIpersistedUser1');
    expect(written).not.toContain('persisted-user-secret');
    expect(written).not.toContain('seeded-root-secret');
    const second = await start({ state });
    expect((await describeRegions(second, 'LTAIseededRoot', 'seeded-root-secret')).status).toBe(200);
    expect((await describeRegions(second, 'LTAIpersistedUser1', 'persisted-user-secret')).status).toBe(200);
  });
});

describe('a state file written before identities moved', () => {
  it("adopts a backing RAM user's sealed AccessKeys the first time the user is read", async () => {
    const e = await start();
    const scope = { accountId: '1234567890123456', regionId: 'cn-hangzhou' };
    const { sealText } = await import('../src/domain/sealing.js');
    const wrappingKey = (e as unknown as { masterKey: Buffer }).masterKey;
    e.world.store.table('backing').put('1234567890123456/cn-hangzhou', 'ram-user:legacy', {
      kind: 'ram-user',
      id: 'legacy',
      accessKeys: [
        {
          accessKeyId: 'LTAIlegacyKey01',
          accessKeySecret: sealText(wrappingKey, 'ram-user:legacy:LTAIlegacyKey01', 'legacy-secret'),
          createTime: 0,
        },
      ],
    });
    expect(e.world.backing.ramUser(scope, 'legacy')?.accessKeys).toEqual([
      expect.objectContaining({ accessKeyId: 'LTAIlegacyKey01', accessKeySecret: 'legacy-secret' }),
    ]);
    expect((await describeRegions(e, 'LTAIlegacyKey01', 'legacy-secret')).status).toBe(200);
    expect(e.world.store.table('backing').peek('1234567890123456/cn-hangzhou', 'ram-user:legacy')).toEqual({
      kind: 'ram-user',
      id: 'legacy',
    });
  });
});
