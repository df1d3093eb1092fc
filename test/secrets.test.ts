import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, control, kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;
const state = join(mkdtempSync(join(tmpdir(), 'kms-secrets-')), 'state.json');

beforeAll(async () => {
  emulator = await startEmulator({ env: {}, state });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());

const stagesOf = (list: Body) =>
  Object.fromEntries(list.VersionIds.VersionId.map((v: Body) => [v.VersionId, v.VersionStages.VersionStage]));

describe('generic secrets (seed 002 walk-through)', () => {
  it('creates, reads, puts new versions and moves ACSCurrent / ACSPrevious as pointers', async () => {
    const created = await kms.call('CreateSecret', {
      SecretName: 'db/orders',
      SecretData: '{"user":"app","password":"s3cret-v1"}',
      VersionId: 'v1',
      Description: 'orders database',
      Tags: JSON.stringify([{ Key: 'team', Value: 'orders' }]),
    });
    expect(created).toMatchObject({
      SecretName: 'db/orders',
      VersionId: 'v1',
      SecretType: 'Generic',
      AutomaticRotation: 'Disabled',
      Arn: 'acs:kms:cn-hangzhou:1234567890123456:secret/db/orders',
    });
    const v1 = await kms.call('GetSecretValue', { SecretName: 'db/orders' });
    expect(v1).toMatchObject({
      SecretData: '{"user":"app","password":"s3cret-v1"}',
      VersionId: 'v1',
      SecretDataType: 'text',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
    await kms.call('PutSecretValue', { SecretName: 'db/orders', SecretData: 's3cret-v2', VersionId: 'v2' });
    await kms.call('PutSecretValue', { SecretName: 'db/orders', SecretData: 's3cret-v3', VersionId: 'v3' });
    expect(stagesOf(await kms.call('ListSecretVersionIds', { SecretName: 'db/orders' }))).toEqual({
      v2: ['ACSPrevious'],
      v3: ['ACSCurrent'],
    });
    expect(
      stagesOf(
        await kms.call('ListSecretVersionIds', { SecretName: 'db/orders', IncludeDeprecated: 'true' }),
      ),
    ).toEqual({ v1: [], v2: ['ACSPrevious'], v3: ['ACSCurrent'] });
    expect(
      (await kms.call('GetSecretValue', { SecretName: 'db/orders', VersionStage: 'ACSPrevious' })).SecretData,
    ).toBe('s3cret-v2');
    expect((await kms.call('GetSecretValue', { SecretName: 'db/orders', VersionId: 'v1' })).SecretData).toBe(
      '{"user":"app","password":"s3cret-v1"}',
    );
    const described = await kms.call('DescribeSecret', { SecretName: 'db/orders', FetchTags: 'true' });
    expect(described).toMatchObject({
      SecretName: 'db/orders',
      Description: 'orders database',
      SecretType: 'Generic',
      Tags: { Tag: [{ TagKey: 'team', TagValue: 'orders' }] },
    });
    // Created without EncryptionKeyId: the service's own key is not named (Terraform would re-plan).
    expect(described).not.toHaveProperty('EncryptionKeyId');
  });

  it('makes a VersionId idempotent for the same data and a conflict for other data', async () => {
    await kms.call('CreateSecret', { SecretName: 'idem', SecretData: 'a', VersionId: 'v1' });
    await kms.call('PutSecretValue', { SecretName: 'idem', SecretData: 'b', VersionId: 'v2' });
    const again = await kms.call('PutSecretValue', { SecretName: 'idem', SecretData: 'b', VersionId: 'v2' });
    expect(again.VersionId).toBe('v2');
    expect(await kms.fails('PutSecretValue', { SecretName: 'idem', SecretData: 'c', VersionId: 'v2' })).toBe(
      'Rejected.ResourceExist',
    );
    expect(await kms.fails('CreateSecret', { SecretName: 'idem', SecretData: 'x', VersionId: 'v1' })).toBe(
      'Rejected.ResourceExist',
    );
  });

  it('custom stage labels (seed 003) and the built-in labels can only be moved', async () => {
    await kms.call('CreateSecret', { SecretName: 'stages', SecretData: '1', VersionId: 'v1' });
    await kms.call('PutSecretValue', {
      SecretName: 'stages',
      SecretData: '2',
      VersionId: 'v2',
      VersionStages: JSON.stringify(['ACSNext']),
    });
    expect(stagesOf(await kms.call('ListSecretVersionIds', { SecretName: 'stages' }))).toEqual({
      v1: ['ACSCurrent'],
      v2: ['ACSNext'],
    });
    await kms.call('UpdateSecretVersionStage', {
      SecretName: 'stages',
      VersionStage: 'ACSCurrent',
      RemoveFromVersion: 'v1',
      MoveToVersion: 'v2',
    });
    expect(stagesOf(await kms.call('ListSecretVersionIds', { SecretName: 'stages' }))).toEqual({
      v1: ['ACSPrevious'],
      v2: ['ACSNext', 'ACSCurrent'],
    });
    expect(
      await kms.fails('UpdateSecretVersionStage', {
        SecretName: 'stages',
        VersionStage: 'ACSCurrent',
        RemoveFromVersion: 'v2',
      }),
    ).toBe('Rejected.UnsupportedOperation');
    expect(
      await kms.fails('UpdateSecretVersionStage', {
        SecretName: 'stages',
        VersionStage: 'ACSNext',
        RemoveFromVersion: 'v1',
      }),
    ).toBe('Rejected.InvalidRequest');
    await kms.call('UpdateSecretVersionStage', {
      SecretName: 'stages',
      VersionStage: 'ACSNext',
      RemoveFromVersion: 'v2',
    });
    expect(stagesOf(await kms.call('ListSecretVersionIds', { SecretName: 'stages' }))).toEqual({
      v1: ['ACSPrevious'],
      v2: ['ACSCurrent'],
    });
    const nine = JSON.stringify(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    expect(
      await kms.fails('PutSecretValue', {
        SecretName: 'stages',
        SecretData: '3',
        VersionId: 'v3',
        VersionStages: nine,
      }),
    ).toBe('InvalidParameter');
  });

  it('keeps at most 10 versions, dropping the earliest without a stage label (seed 000)', async () => {
    await kms.call('CreateSecret', { SecretName: 'many', SecretData: '0', VersionId: 'v0' });
    for (let i = 1; i <= 11; i++)
      await kms.call('PutSecretValue', { SecretName: 'many', SecretData: String(i), VersionId: `v${i}` });
    const all = await kms.call('ListSecretVersionIds', {
      SecretName: 'many',
      IncludeDeprecated: 'true',
      PageSize: 50,
    });
    expect(all.TotalCount).toBe(10);
    expect(all.VersionIds.VersionId.map((v: Body) => v.VersionId)).toEqual([
      'v2',
      'v3',
      'v4',
      'v5',
      'v6',
      'v7',
      'v8',
      'v9',
      'v10',
      'v11',
    ]);
  });

  it('enforces names, size and binary data', async () => {
    expect(
      await kms.fails('CreateSecret', { SecretName: 'bad name!', SecretData: 'x', VersionId: 'v1' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateSecret', { SecretName: 'acs/mine', SecretData: 'x', VersionId: 'v1' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateSecret', { SecretName: 'n'.repeat(193), SecretData: 'x', VersionId: 'v1' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateSecret', { SecretName: 'big', SecretData: 'x'.repeat(30_721), VersionId: 'v1' }),
    ).toBe('InvalidParameter');
    await kms.call('CreateSecret', { SecretName: 'big-ok', SecretData: 'x'.repeat(30_720), VersionId: 'v1' });
    expect(
      await kms.fails('CreateSecret', { SecretName: 'vid', SecretData: 'x', VersionId: 'v'.repeat(65) }),
    ).toBe('InvalidParameter');
    await kms.call('CreateSecret', {
      SecretName: 'bin',
      SecretData: 'AAECAw==',
      SecretDataType: 'binary',
      VersionId: 'v1',
    });
    expect(await kms.call('GetSecretValue', { SecretName: 'bin' })).toMatchObject({
      SecretData: 'AAECAw==',
      SecretDataType: 'binary',
    });
    expect(await kms.fails('GetSecretValue', { SecretName: 'nope' })).toBe('Forbidden.ResourceNotFound');
  });

  it('deletes with a recovery window, refuses the name meanwhile, restores, and purges on the clock', async () => {
    await kms.call('CreateSecret', { SecretName: 'ssh_key', SecretData: 'k', VersionId: 'v1' });
    const deleted = await kms.call('DeleteSecret', { SecretName: 'ssh_key', RecoveryWindowInDays: '7' });
    expect(Date.parse(deleted.PlannedDeleteTime)).toBeGreaterThan(Date.now() + 6 * 86400_000);
    expect(await kms.fails('GetSecretValue', { SecretName: 'ssh_key' })).toBe(
      'Rejected.ResourceInDeleteWindow',
    );
    expect(await kms.fails('CreateSecret', { SecretName: 'ssh_key', SecretData: 'k', VersionId: 'v1' })).toBe(
      'Rejected.ResourceInDeleteWindow',
    );
    expect((await kms.call('DescribeSecret', { SecretName: 'ssh_key' })).PlannedDeleteTime).toBe(
      deleted.PlannedDeleteTime,
    );
    await kms.call('RestoreSecret', { SecretName: 'ssh_key' });
    expect((await kms.call('GetSecretValue', { SecretName: 'ssh_key' })).SecretData).toBe('k');
    expect(await kms.fails('RestoreSecret', { SecretName: 'ssh_key' })).toBe('Rejected.ResourceInUse');
    expect(await kms.fails('DeleteSecret', { SecretName: 'ssh_key', RecoveryWindowInDays: '6' })).toBe(
      'InvalidParameter',
    );
    await kms.call('DeleteSecret', { SecretName: 'ssh_key' });
    const fired = await advance(emulator, '30d');
    expect(fired.fired.map((f: Body) => f.type)).toContain('secret.purge');
    expect(await kms.fails('DescribeSecret', { SecretName: 'ssh_key' })).toBe('Forbidden.ResourceNotFound');
    await kms.call('CreateSecret', { SecretName: 'ssh_key', SecretData: 'new', VersionId: 'v1' });
    await kms.call('DeleteSecret', { SecretName: 'ssh_key', ForceDeleteWithoutRecovery: 'true' });
    expect(await kms.fails('DescribeSecret', { SecretName: 'ssh_key' })).toBe('Forbidden.ResourceNotFound');
  });

  it('lists with filters and paging, and tags secrets', async () => {
    const listed = await kms.call('ListSecrets', {
      Filters: JSON.stringify([{ Key: 'SecretName', Values: ['db/'] }]),
      FetchTags: 'true',
    });
    expect(listed.SecretList.Secret.map((s: Body) => s.SecretName)).toEqual(['db/orders']);
    expect(listed.SecretList.Secret[0].Tags.Tag).toEqual([{ TagKey: 'team', TagValue: 'orders' }]);
    await kms.call('TagResource', {
      SecretName: 'db/orders',
      Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'ci' }]),
    });
    const byTag = await kms.call('ListSecrets', {
      Filters: JSON.stringify([{ Key: 'TagKey', Values: ['env'] }]),
    });
    expect(byTag.TotalCount).toBe(1);
    const page = await kms.call('ListSecrets', { PageSize: 2, PageNumber: 1 });
    expect(page.SecretList.Secret).toHaveLength(2);
    expect(page.TotalCount).toBeGreaterThan(2);
  });

  it('policies and descriptions', async () => {
    expect(JSON.parse((await kms.call('GetSecretPolicy', { SecretName: 'db/orders' })).Policy).Version).toBe(
      '1',
    );
    const policy = JSON.stringify({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { RAM: ['acs:ram::1234567890123456:*'] },
          Action: ['kms:*'],
          Resource: ['*'],
        },
      ],
    });
    await kms.call('SetSecretPolicy', { SecretName: 'db/orders', Policy: policy });
    expect((await kms.call('GetSecretPolicy', { SecretName: 'db/orders' })).Policy).toBe(policy);
    await kms.call('UpdateSecret', { SecretName: 'db/orders', Description: 'renamed' });
    expect((await kms.call('DescribeSecret', { SecretName: 'db/orders' })).Description).toBe('renamed');
  });
});

describe('envelope encryption (seed 004)', () => {
  it('a disabled key makes the value unreadable; an expired instance answers Rejected.Unavailable', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    await kms.call('CreateSecret', {
      SecretName: 'with-key',
      SecretData: 'v',
      VersionId: 'v1',
      EncryptionKeyId: keyId,
    });
    expect((await kms.call('DescribeSecret', { SecretName: 'with-key' })).EncryptionKeyId).toBe(keyId);
    await kms.call('DisableKey', { KeyId: keyId });
    expect(await kms.fails('GetSecretValue', { SecretName: 'with-key' })).toBe('Rejected.Disabled');
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'k2',
        SecretData: 'v',
        VersionId: 'v1',
        EncryptionKeyId: keyId,
      }),
    ).toBe('Rejected.Disabled');
    await kms.call('EnableKey', { KeyId: keyId });
    expect((await kms.call('GetSecretValue', { SecretName: 'with-key' })).SecretData).toBe('v');

    const now = Date.parse((await control(emulator, 'GET', 'clock')).now);
    await control(emulator, 'POST', 'instances', {
      kmsInstanceId: 'kst-secrets1',
      secretQuota: 1,
      endDate: new Date(now + 5 * 86400_000).toISOString(),
    });
    await kms.call('CreateSecret', {
      SecretName: 'in-instance',
      SecretData: 'iv',
      VersionId: 'v1',
      DKMSInstanceId: 'kst-secrets1',
    });
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'in-instance-2',
        SecretData: 'iv',
        VersionId: 'v1',
        DKMSInstanceId: 'kst-secrets1',
      }),
    ).toBe('Rejected.LimitExceeded');
    await advance(emulator, '6d');
    expect(await kms.fails('GetSecretValue', { SecretName: 'in-instance' })).toBe('Rejected.Unavailable');
    await control(emulator, 'POST', 'instances/kst-secrets1/renew', { days: 30 });
    expect((await kms.call('GetSecretValue', { SecretName: 'in-instance' })).SecretData).toBe('iv');
  });

  it('never writes a secret value to the state file in clear', async () => {
    const marker = 'PLAINTEXT-MARKER-7f3a9c';
    await kms.call('CreateSecret', { SecretName: 'marker', SecretData: marker, VersionId: 'v1' });
    await kms.call('PutSecretValue', { SecretName: 'marker', SecretData: `${marker}-2`, VersionId: 'v2' });
    const onDisk = readFileSync(state, 'utf8') + readFileSync(`${state}.journal`, 'utf8');
    expect(onDisk).toContain('"marker"');
    expect(onDisk).not.toContain(marker);
    expect(onDisk).not.toContain(Buffer.from(marker).toString('base64'));
  });
});
