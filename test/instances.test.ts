import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

let emulator: Emulator;
afterEach(() => emulator?.close());

describe('KMS instances', () => {
  it('a fresh account has a default instance, valid for a year', async () => {
    emulator = await startEmulator();
    const kms = kmsClient(emulator);
    const list = await kms.call('ListKmsInstances', {});
    expect(list.TotalCount).toBe(1);
    const [first] = list.KmsInstances.KmsInstance;
    expect(first.KmsInstanceId).toMatch(/^kst-/);
    expect(first.KmsInstanceArn).toBe(`acs:kms:cn-hangzhou:1234567890123456:keystore/${first.KmsInstanceId}`);
    const got = (await kms.call('GetKmsInstance', { KmsInstanceId: first.KmsInstanceId })).KmsInstance;
    expect(got).toMatchObject({
      InstanceId: first.KmsInstanceId,
      Status: 'Connected',
      KeyNum: 1000,
      SecretNum: '1000',
    });
    expect(Date.parse(got.EndDate) - Date.parse(got.StartDate)).toBe(365 * 86400_000);
    expect(await kms.call('GetDefaultKmsInstance', {})).toEqual({
      RequestId: expect.any(String),
      DefaultKmsInstanceId: first.KmsInstanceId,
    });
    expect(await kms.fails('GetKmsInstance', { KmsInstanceId: 'kst-nope' })).toBe(
      'Forbidden.DKMSInstanceNotFound',
    );
  });

  it('counts keys against the quota and refuses beyond it', async () => {
    emulator = await startEmulator();
    const kms = kmsClient(emulator);
    const created = await control(emulator, 'POST', 'instances', {
      kmsInstanceId: 'kst-tiny01',
      keyQuota: 2,
    });
    expect(created.status).toBe(200);
    await kms.call('CreateKey', { DKMSInstanceId: 'kst-tiny01' });
    const second = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-tiny01' })).KeyMetadata;
    expect(second.KeyId).toMatch(/^key-/);
    expect(second.DKMSInstanceId).toBe('kst-tiny01');
    expect(await kms.fails('CreateKey', { DKMSInstanceId: 'kst-tiny01' })).toBe('Rejected.LimitExceeded');
    const quota = await kms.call('GetKmsInstanceQuotaInfos', {
      KmsInstanceId: 'kst-tiny01',
      ResourceType: 'key',
    });
    expect(quota.KmsInstanceId).toBe('kst-tiny01');
    expect(quota.KmsInstanceQuotaInfos).toEqual([{ ResourceType: 'key', ResourceQuota: 2, UsedQuantity: 2 }]);
    await kms.call('ScheduleKeyDeletion', { KeyId: second.KeyId, PendingWindowInDays: 7 });
    await advance(emulator, '8d');
    await kms.call('CreateKey', { DKMSInstanceId: 'kst-tiny01' });
  });

  it('expires on the clock (Rejected.Unavailable), renewal restores everything, no renewal releases it', async () => {
    emulator = await startEmulator();
    const kms = kmsClient(emulator);
    const now = Date.parse((await control(emulator, 'GET', 'clock')).now);
    await control(emulator, 'POST', 'instances', {
      kmsInstanceId: 'kst-short1',
      endDate: new Date(now + 10 * 86400_000).toISOString(),
    });
    await control(emulator, 'POST', 'instances', {
      kmsInstanceId: 'kst-short2',
      endDate: new Date(now + 10 * 86400_000).toISOString(),
    });
    const k1 = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-short1' })).KeyMetadata.KeyId;
    const k2 = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-short2' })).KeyMetadata.KeyId;
    const blob = (await kms.call('Encrypt', { KeyId: k1, Plaintext: 'kept' })).CiphertextBlob;

    const expired = await advance(emulator, '11d');
    expect(expired.fired.map((f: Body) => f.id)).toEqual(
      expect.arrayContaining(['instance.expire:kst-short1', 'instance.expire:kst-short2']),
    );
    expect(await kms.fails('Encrypt', { KeyId: k1, Plaintext: 'x' })).toBe('Rejected.Unavailable');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.Unavailable');
    expect(await kms.fails('DescribeKey', { KeyId: k2 })).toBe('Rejected.Unavailable');
    expect((await kms.call('GetKmsInstance', { KmsInstanceId: 'kst-short1' })).KmsInstance.Status).toBe(
      'Expired',
    );

    const renewed = await control(emulator, 'POST', 'instances/kst-short1/renew', { days: 30 });
    expect(renewed.status).toBe(200);
    expect((await kms.call('Decrypt', { CiphertextBlob: blob })).Plaintext).toBe('kept');

    const released = await advance(emulator, '15d');
    expect(released.fired.map((f: Body) => f.id)).toContain('instance.release:kst-short2');
    expect(await kms.fails('DescribeKey', { KeyId: k2 })).toBe('Forbidden.KeyNotFound');
    expect(await kms.fails('GetKmsInstance', { KmsInstanceId: 'kst-short2' })).toBe(
      'Forbidden.DKMSInstanceNotFound',
    );
    expect((await kms.call('DescribeKey', { KeyId: k1 })).KeyMetadata.KeyState).toBe('Enabled');
  });

  it('connects, binds VPCs and releases', async () => {
    emulator = await startEmulator();
    const kms = kmsClient(emulator);
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-net001', vpcQuota: 1 });
    await kms.call('ConnectKmsInstance', {
      KmsInstanceId: 'kst-net001',
      VpcId: 'vpc-1',
      ZoneIds: 'cn-hangzhou-k,cn-hangzhou-j',
      VSwitchIds: 'vsw-1',
      KMProvider: 'Aliyun',
    });
    // A connected instance cannot be connected again.
    expect(
      await kms.fails('ConnectKmsInstance', {
        KmsInstanceId: 'kst-net001',
        VpcId: 'vpc-9',
        ZoneIds: 'cn-hangzhou-k,cn-hangzhou-j',
        VSwitchIds: 'vsw-9',
        KMProvider: 'Aliyun',
      }),
    ).toBe('Forbidden.DKMSInstanceStateInvalid');
    const bind = JSON.stringify([
      { VpcId: 'vpc-2', RegionId: 'cn-hangzhou', VSwitchId: 'vsw-2', VpcOwnerId: '1' },
    ]);
    await kms.call('UpdateKmsInstanceBindVpc', { KmsInstanceId: 'kst-net001', BindVpcs: bind });
    const got = (await kms.call('GetKmsInstance', { KmsInstanceId: 'kst-net001' })).KmsInstance;
    expect(got.VpcId).toBe('vpc-1');
    expect(got.ZoneIds).toEqual(['cn-hangzhou-k', 'cn-hangzhou-j']);
    expect(got.BindVpcs.BindVpc).toEqual([
      { VpcId: 'vpc-2', RegionId: 'cn-hangzhou', VSwitchId: 'vsw-2', VpcOwnerId: '1' },
    ]);
    const two = JSON.stringify([{ VpcId: 'a' }, { VpcId: 'b' }]);
    expect(await kms.fails('UpdateKmsInstanceBindVpc', { KmsInstanceId: 'kst-net001', BindVpcs: two })).toBe(
      'Rejected.LimitExceeded',
    );
    await kms.call('ReleaseKmsInstance', { KmsInstanceId: 'kst-net001' });
    expect(await kms.fails('GetKmsInstance', { KmsInstanceId: 'kst-net001' })).toBe(
      'Forbidden.DKMSInstanceNotFound',
    );
  });
});

describe('key material at rest and seeded keys', () => {
  const material = Buffer.alloc(32, 7).toString('base64');
  const seed = {
    keys: [
      {
        keyId: 'key-seeded-0001',
        description: 'seeded',
        aliases: ['alias/seeded'],
        versions: [{ keyVersionId: '11111111-1111-4111-8111-111111111111', material }],
      },
    ],
  };

  it('wraps key material in the state file; a seeded ciphertext decrypts after a restart with a fresh state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-keys-'));
    const state = join(dir, 'state.json');
    emulator = await startEmulator({ state });
    expect((await control(emulator, 'POST', 'seed', seed)).status).toBe(200);
    // Loading again is idempotent.
    expect((await control(emulator, 'POST', 'seed', seed)).status).toBe(200);
    const kms = kmsClient(emulator);
    const blob = (await kms.call('Encrypt', { KeyId: 'alias/seeded', Plaintext: 'portable' })).CiphertextBlob;
    await emulator.close();
    const onDisk = readFileSync(state, 'utf8') + readFileSync(`${state}.journal`, 'utf8');
    expect(onDisk).toContain('key-seeded-0001');
    expect(onDisk).not.toContain(material);

    // Another machine: a fresh state file, the same seed.
    emulator = await startEmulator({ state: join(mkdtempSync(join(tmpdir(), 'kms-keys2-')), 'state.json') });
    await control(emulator, 'POST', 'seed', seed);
    const decrypted = await kmsClient(emulator).call('Decrypt', { CiphertextBlob: blob });
    expect(decrypted).toMatchObject({ Plaintext: 'portable', KeyId: 'key-seeded-0001' });
    const exported = await control(emulator, 'GET', 'export?format=json');
    expect(exported.keys[0]).toMatchObject({ keyId: 'key-seeded-0001', aliases: ['alias/seeded'] });
    expect(exported.keys[0].versions).toBeUndefined();
    const withSecrets = await control(emulator, 'GET', 'export?format=json&secrets=true');
    expect(withSecrets.keys[0].versions[0].material).toBe(material);
  });
});
