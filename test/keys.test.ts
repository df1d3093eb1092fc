import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());

const newKey = async (params: Record<string, unknown> = {}) =>
  ((await kms.call('CreateKey', params)).KeyMetadata as Body).KeyId as string;

describe('keys', () => {
  it('CreateKey and DescribeKey return the full KeyMetadata', async () => {
    const created = (await kms.call('CreateKey', { Description: 'orders', KeySpec: 'Aliyun_AES_128' }))
      .KeyMetadata;
    expect(created).toMatchObject({
      KeyState: 'Enabled',
      KeySpec: 'Aliyun_AES_128',
      KeyUsage: 'ENCRYPT/DECRYPT',
      Origin: 'Aliyun_KMS',
      Description: 'orders',
      Creator: '1234567890123456',
      AutomaticRotation: 'Disabled',
    });
    // CreateKey's model has no deletion-protection fields; DescribeKey's has.
    expect(created).not.toHaveProperty('DeletionProtection');
    expect(created.Arn).toBe(`acs:kms:cn-hangzhou:1234567890123456:key/${created.KeyId}`);
    expect(created.CreationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.PrimaryKeyVersion).toMatch(/^[0-9a-f-]{36}$/);
    const described = (await kms.call('DescribeKey', { KeyId: created.Arn })).KeyMetadata;
    expect(described.KeyId).toBe(created.KeyId);
    await kms.call('UpdateKeyDescription', { KeyId: created.KeyId, Description: 'orders v2' });
    expect((await kms.call('DescribeKey', { KeyId: created.KeyId })).KeyMetadata.Description).toBe(
      'orders v2',
    );
  });

  it('refuses bad specs and unknown keys with the documented codes', async () => {
    expect(await kms.fails('CreateKey', { KeySpec: 'Aliyun_AES_512' })).toBe('InvalidParameter');
    expect(await kms.fails('DescribeKey', { KeyId: 'key-none' })).toBe('Forbidden.KeyNotFound');
    expect(await kms.fails('DescribeKey', { KeyId: 'alias/none' })).toBe('Forbidden.AliasNotFound');
    expect(await kms.fails('CreateKey', { DKMSInstanceId: 'kst-nope' })).toBe(
      'Forbidden.DKMSInstanceNotFound',
    );
  });

  it('ListKeys pages and filters', async () => {
    const disabled = await newKey();
    await kms.call('DisableKey', { KeyId: disabled });
    const all = await kms.call('ListKeys', { PageSize: 100 });
    expect(all.TotalCount).toBeGreaterThanOrEqual(2);
    expect(all.Keys.Key[0]).toEqual({ KeyId: expect.any(String), KeyArn: expect.stringContaining(':key/') });
    const page = await kms.call('ListKeys', { PageSize: 1, PageNumber: 2 });
    expect(page).toMatchObject({ PageSize: 1, PageNumber: 2 });
    expect(page.Keys.Key).toHaveLength(1);
    const onlyDisabled = await kms.call('ListKeys', {
      Filters: JSON.stringify([{ Key: 'KeyState', Values: ['Disabled'] }]),
    });
    expect(onlyDisabled.Keys.Key.map((k: Body) => k.KeyId)).toEqual([disabled]);
    expect(await kms.fails('ListKeys', { PageSize: 101 })).toBe('InvalidParameter');
  });

  it('aliases: create, resolve (alias, ARN), list, update, delete', async () => {
    const a = await newKey();
    const b = await newKey();
    await kms.call('CreateAlias', { AliasName: 'alias/payments', KeyId: a });
    expect(await kms.fails('CreateAlias', { AliasName: 'alias/payments', KeyId: b })).toBe(
      'Rejected.ResourceExist',
    );
    expect(await kms.fails('CreateAlias', { AliasName: 'alias/acs/mine', KeyId: b })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreateAlias', { AliasName: 'payments', KeyId: b })).toBe('InvalidParameter');
    expect((await kms.call('DescribeKey', { KeyId: 'alias/payments' })).KeyMetadata.KeyId).toBe(a);
    const arn = 'acs:kms:cn-hangzhou:1234567890123456:alias/payments';
    expect((await kms.call('DescribeKey', { KeyId: arn })).KeyMetadata.KeyId).toBe(a);
    const byKey = await kms.call('ListAliasesByKeyId', { KeyId: a });
    expect(byKey.Aliases.Alias).toEqual([{ KeyId: a, AliasName: 'alias/payments', AliasArn: arn }]);
    await kms.call('UpdateAlias', { AliasName: 'alias/payments', KeyId: b });
    expect((await kms.call('DescribeKey', { KeyId: 'alias/payments' })).KeyMetadata.KeyId).toBe(b);
    const listed = await kms.call('ListAliases', {});
    expect(listed.Aliases.Alias.map((x: Body) => x.AliasName)).toContain('alias/payments');
    await kms.call('DeleteAlias', { AliasName: 'alias/payments' });
    expect(await kms.fails('DeleteAlias', { AliasName: 'alias/payments' })).toBe('Forbidden.AliasNotFound');
  });

  it('follows the key-state matrix', async () => {
    const keyId = await newKey();
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'state' })).CiphertextBlob;
    await kms.call('DisableKey', { KeyId: keyId });
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Disabled');
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'x' })).toBe('Rejected.Disabled');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.Disabled');
    expect(await kms.fails('GenerateDataKey', { KeyId: keyId })).toBe('Rejected.Disabled');
    await kms.call('EnableKey', { KeyId: keyId });
    expect(await kms.fails('CancelKeyDeletion', { KeyId: keyId })).toBe('Rejected.StateModifiedFailed');
    await kms.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const pending = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(pending.KeyState).toBe('PendingDeletion');
    expect(pending.DeleteDate).toMatch(/Z$/);
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'x' })).toBe('Rejected.PendingDeletion');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.PendingDeletion');
    expect(await kms.fails('EnableKey', { KeyId: keyId })).toBe('Rejected.StateModifiedFailed');
    expect(await kms.fails('DisableKey', { KeyId: keyId })).toBe('Rejected.StateModifiedFailed');
    await kms.call('CancelKeyDeletion', { KeyId: keyId });
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled');
    expect((await kms.call('Decrypt', { CiphertextBlob: blob })).Plaintext).toBe('state');
    const external = (await kms.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata;
    expect(external.KeyState).toBe('PendingImport');
    expect(await kms.fails('Encrypt', { KeyId: external.KeyId, Plaintext: 'x' })).toBe(
      'Rejected.PendingImport',
    );
    expect(await kms.fails('EnableKey', { KeyId: external.KeyId })).toBe('Rejected.StateModifiedFailed');
  });

  it('purges a key when the clock passes its DeleteDate; 7–366 days only', async () => {
    const keyId = await newKey();
    await kms.call('CreateAlias', { AliasName: 'alias/doomed', KeyId: keyId });
    expect(await kms.fails('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 6 })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 367 })).toBe(
      'InvalidParameter',
    );
    await kms.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const early = await advance(emulator, '6d');
    expect(early.fired.filter((f: Body) => f.id === `key.purge:${keyId}`)).toEqual([]);
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
    const fired = await advance(emulator, '1d');
    expect(fired.fired).toContainEqual(
      expect.objectContaining({ id: `key.purge:${keyId}`, type: 'key.purge' }),
    );
    expect(await kms.fails('DescribeKey', { KeyId: keyId })).toBe('Forbidden.KeyNotFound');
    expect(await kms.fails('DescribeKey', { KeyId: 'alias/doomed' })).toBe('Forbidden.AliasNotFound');
  });

  it('a deletion-protected key cannot be scheduled for deletion', async () => {
    const meta = (await kms.call('CreateKey', {})).KeyMetadata;
    await kms.call('SetDeletionProtection', {
      ProtectedResourceArn: meta.Arn,
      EnableDeletionProtection: true,
      DeletionProtectionDescription: 'used by orders',
    });
    expect((await kms.call('DescribeKey', { KeyId: meta.KeyId })).KeyMetadata).toMatchObject({
      DeletionProtection: 'Enabled',
      DeletionProtectionDescription: 'used by orders',
    });
    expect(await kms.fails('ScheduleKeyDeletion', { KeyId: meta.KeyId, PendingWindowInDays: 7 })).toBe(
      'Forbidden.DeletionProtection',
    );
    await kms.call('SetDeletionProtection', {
      ProtectedResourceArn: meta.Arn,
      EnableDeletionProtection: false,
    });
    await kms.call('ScheduleKeyDeletion', { KeyId: meta.KeyId, PendingWindowInDays: 7 });
  });

  it('rotates automatically on the clock; old ciphertexts still decrypt', async () => {
    const keyId = await newKey({ EnableAutomaticRotation: true, RotationInterval: '7d' });
    const meta = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(meta).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    const oldBlob = await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'before rotation' });
    const fired = await advance(emulator, '7d');
    expect(fired.fired).toContainEqual(expect.objectContaining({ id: `key.rotate:${keyId}` }));
    const rotated = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(rotated.PrimaryKeyVersion).not.toBe(meta.PrimaryKeyVersion);
    expect(Date.parse(rotated.NextRotationDate)).toBeGreaterThan(Date.parse(meta.NextRotationDate));
    expect(Date.parse(rotated.LastRotationDate)).toBeGreaterThan(Date.parse(meta.LastRotationDate));
    const newBlob = await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'after' });
    expect(newBlob.KeyVersionId).toBe(rotated.PrimaryKeyVersion);
    const decrypted = await kms.call('Decrypt', { CiphertextBlob: oldBlob.CiphertextBlob });
    expect(decrypted).toMatchObject({ Plaintext: 'before rotation', KeyVersionId: meta.PrimaryKeyVersion });
    const versions = await kms.call('ListKeyVersions', { KeyId: keyId });
    expect(versions.TotalCount).toBe(2);
    await kms.call('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: false });
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.AutomaticRotation).toBe('Disabled');
    expect(
      await kms.fails('UpdateRotationPolicy', {
        KeyId: keyId,
        EnableAutomaticRotation: true,
        RotationInterval: '6d',
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('UpdateRotationPolicy', {
        KeyId: keyId,
        EnableAutomaticRotation: true,
        RotationInterval: '731d',
      }),
    ).toBe('InvalidParameter');
  });

  it('CreateKeyVersion and DescribeKeyVersion', async () => {
    const keyId = await newKey();
    const version = (await kms.call('CreateKeyVersion', { KeyId: keyId })).KeyVersion;
    expect(version.KeyId).toBe(keyId);
    const described = (
      await kms.call('DescribeKeyVersion', { KeyId: keyId, KeyVersionId: version.KeyVersionId })
    ).KeyVersion;
    expect(described).toEqual(version);
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.PrimaryKeyVersion).toBe(
      version.KeyVersionId,
    );
  });

  it('stores and returns key policies', async () => {
    const keyId = await newKey();
    const initial = JSON.parse((await kms.call('GetKeyPolicy', { KeyId: keyId })).Policy);
    expect(initial.Statement[0].Principal.RAM).toEqual(['acs:ram::1234567890123456:*']);
    const policy = JSON.stringify({
      Version: '1',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { RAM: ['acs:ram::1234567890123456:*'] },
          Action: ['kms:*'],
          Resource: ['*'],
        },
      ],
    });
    await kms.call('SetKeyPolicy', { KeyId: keyId, Policy: policy });
    expect((await kms.call('GetKeyPolicy', { KeyId: keyId })).Policy).toBe(policy);
    expect(await kms.fails('SetKeyPolicy', { KeyId: keyId, Policy: 'not json' })).toBe('InvalidParameter');
  });

  it('tags keys with the tag rules', async () => {
    const keyId = await newKey({ Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'orders' }]) });
    await kms.call('TagResource', {
      KeyId: keyId,
      Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'ci' }]),
    });
    const tags = (await kms.call('ListResourceTags', { KeyId: keyId })).Tags.Tag;
    expect(tags).toEqual([
      { KeyId: keyId, TagKey: 'team', TagValue: 'orders' },
      { KeyId: keyId, TagKey: 'env', TagValue: 'ci' },
    ]);
    expect(
      await kms.fails('TagResource', {
        KeyId: keyId,
        Tags: JSON.stringify([{ TagKey: 'aliyun:x', TagValue: '1' }]),
      }),
    ).toBe('InvalidParameter'); // TagResource documents only InvalidParameter
    expect(
      await kms.fails('TagResource', {
        KeyId: keyId,
        Tags: JSON.stringify([{ TagKey: 'x', TagValue: 'v'.repeat(129) }]),
      }),
    ).toBe('InvalidParameter');
    // TagResources documents the refined codes.
    expect(
      await kms.fails('TagResources', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'key',
        'ResourceId.1': keyId,
        'Tag.1.Key': 'aliyun:x',
        'Tag.1.Value': '1',
      }),
    ).toBe('InvalidParameter.TagKey');
    expect(
      await kms.fails('TagResources', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'key',
        'ResourceId.1': keyId,
        'Tag.1.Key': 'x',
        'Tag.1.Value': 'v'.repeat(129),
      }),
    ).toBe('InvalidParameter.TagValue');
    expect(
      await kms.fails('TagResource', {
        KeyId: keyId,
        Tags: JSON.stringify([{ TagKey: 'bad#key', TagValue: '1' }]),
      }),
    ).toBe('InvalidParameter');
    const many = Array.from({ length: 19 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    expect(await kms.fails('TagResource', { KeyId: keyId, Tags: JSON.stringify(many) })).toBe(
      'InvalidParameter',
    );
    await kms.call('TagResources', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'key',
      'ResourceId.1': keyId,
      'Tag.1.Key': 'cost',
      'Tag.1.Value': 'center-1',
    });
    expect(
      await kms.fails('TagResources', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'key',
        'ResourceId.1': keyId,
        'Tag.1.Key': 'dup',
        'Tag.2.Key': 'dup',
      }),
    ).toBe('Duplicate.TagKey');
    const listed = await kms.call('ListTagResources', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'key',
      'ResourceId.1': keyId,
    });
    expect(listed.TagResources.TagResource).toContainEqual({
      ResourceType: 'key',
      ResourceId: keyId,
      TagKey: 'cost',
      TagValue: 'center-1',
    });
    await kms.call('UntagResource', { KeyId: keyId, TagKeys: JSON.stringify(['team']) });
    await kms.call('UntagResources', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'key',
      'ResourceId.1': keyId,
      'TagKey.1': 'cost',
    });
    expect(
      (await kms.call('ListResourceTags', { KeyId: keyId })).Tags.Tag.map((t: Body) => t.TagKey),
    ).toEqual(['env']);
    expect(
      await kms.fails('UntagResources', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'key',
        'ResourceId.1': 'key-nope',
        All: true,
      }),
    ).toBe('InvalidResourceId.NotFound');
  });

  it('keeps regions and accounts apart', async () => {
    const keyId = await newKey();
    expect(await kms.fails('DescribeKey', { KeyId: keyId, RegionId: 'cn-shanghai' })).toBe(
      'Forbidden.KeyNotFound',
    );
  });
});

describe('bring your own key', () => {
  it('imports real wrapped material; expiry by the clock returns the key to PendingImport', async () => {
    const { constants, createPublicKey, publicEncrypt } = await import('node:crypto');
    const keyId = (await kms.call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const plainKey = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    expect(
      await kms.fails('GetParametersForImport', {
        KeyId: plainKey,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
    ).toBe('Unsupported.Origin');
    expect(await kms.fails('CreateKeyVersion', { KeyId: keyId })).toBe('Rejected.PendingImport');
    const params = await kms.call('GetParametersForImport', {
      KeyId: keyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    expect(Date.parse(params.TokenExpireTime)).toBeGreaterThan(Date.now());
    const publicKey = createPublicKey({
      key: Buffer.from(params.PublicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const wrap = (material: Buffer) =>
      publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        material,
      ).toString('base64');
    const material = Buffer.alloc(32, 3);
    expect(
      await kms.fails('ImportKeyMaterial', {
        KeyId: keyId,
        EncryptedKeyMaterial: wrap(material),
        ImportToken: 'bm9wZQ==',
        KeyMaterialExpireUnix: 0,
      }),
    ).toBe('InvalidImportToken');
    expect(
      await kms.fails('ImportKeyMaterial', {
        KeyId: keyId,
        EncryptedKeyMaterial: wrap(Buffer.alloc(16, 1)),
        ImportToken: params.ImportToken,
        KeyMaterialExpireUnix: 0,
      }),
    ).toBe('InvalidKeyMaterial');
    const expireUnix = Math.floor(Date.now() / 1000) + 400 * 86400;
    await kms.call('ImportKeyMaterial', {
      KeyId: keyId,
      EncryptedKeyMaterial: wrap(material),
      ImportToken: params.ImportToken,
      KeyMaterialExpireUnix: expireUnix,
    });
    const meta = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(meta).toMatchObject({ KeyState: 'Enabled', Origin: 'EXTERNAL' });
    // Keys with imported material have one version and no rotation.
    expect(await kms.fails('CreateKeyVersion', { KeyId: keyId })).toBe('Rejected.UnsupportedOperation');
    expect(Date.parse(meta.MaterialExpireTime) / 1000).toBe(expireUnix);
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'byok' })).CiphertextBlob;
    await advance(emulator, '401d');
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.PendingImport');
    const again = await kms.call('GetParametersForImport', {
      KeyId: keyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    await advance(emulator, '25h');
    expect(
      await kms.fails('ImportKeyMaterial', {
        KeyId: keyId,
        EncryptedKeyMaterial: 'AAAA',
        ImportToken: again.ImportToken,
        KeyMaterialExpireUnix: 0,
      }),
    ).toBe('ExpiredImportToken');
    const fresh = await kms.call('GetParametersForImport', {
      KeyId: keyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const freshKey = createPublicKey({
      key: Buffer.from(fresh.PublicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const rewrap = publicEncrypt(
      { key: freshKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      material,
    );
    await kms.call('ImportKeyMaterial', {
      KeyId: keyId,
      EncryptedKeyMaterial: rewrap.toString('base64'),
      ImportToken: fresh.ImportToken,
      KeyMaterialExpireUnix: 0,
    });
    expect((await kms.call('Decrypt', { CiphertextBlob: blob })).Plaintext).toBe('byok');
    await kms.call('DeleteKeyMaterial', { KeyId: keyId });
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');
    expect(await kms.fails('DeleteKeyMaterial', { KeyId: plainKey })).toBe('Unsupported.Origin');
  });
});
