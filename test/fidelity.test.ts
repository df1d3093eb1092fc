import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { signedQuery } from '../src/testkit/rpc-client.js';
import { type Body, control, kmsClient } from './helpers/client.js';

/** What the newest SDKs (alibabacloud_kms20160120 3.3.1, kms-20160120/v3) send and expect. */
let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;
beforeEach(async () => {
  emulator = await startEmulator();
  kms = kmsClient(emulator);
});
afterEach(() => emulator?.close());

/** A raw signed call that must fail: its Code, HTTP status and body. */
async function failure(action: string, params: Record<string, unknown>): Promise<Body> {
  const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${emulator.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: signedQuery(action, text, { method: 'POST' }),
  });
  const body = (await res.json()) as Body;
  if (res.status === 200) throw new Error(`${action} succeeded but was expected to fail`);
  return { code: body.Code, status: res.status, body };
}

const exported = async () => (await fetch(`${emulator.url}/_emulator/export`)).text();

const rsaPublicKey = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ format: 'der', type: 'spki' })
    .toString('base64');

describe('DryRun', () => {
  it('every operation that takes it answers DryRunOperationError and does nothing', async () => {
    // A frozen clock: the export below names the current time.
    await control(emulator, 'POST', 'clock', { freeze: true });
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob;
    const dataKeyBlob = (await kms.call('GenerateDataKey', { KeyId: keyId })).CiphertextBlob;
    await kms.call('CreateSecret', { SecretName: 'dry/one', SecretData: 'top-secret', VersionId: 'v1' });
    const wrapping = {
      PublicKeyBlob: rsaPublicKey(),
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    };
    const calls: [string, Record<string, unknown>][] = [
      ['Encrypt', { KeyId: keyId, Plaintext: 'aGk=' }],
      ['Decrypt', { CiphertextBlob: blob }],
      ['ReEncrypt', { CiphertextBlob: blob, DestinationKeyId: keyId }],
      ['GenerateDataKey', { KeyId: keyId }],
      ['GenerateDataKeyWithoutPlaintext', { KeyId: keyId }],
      ['ExportDataKey', { CiphertextBlob: dataKeyBlob, ...wrapping }],
      ['GenerateAndExportDataKey', { KeyId: keyId, ...wrapping }],
      ['GetSecretValue', { SecretName: 'dry/one' }],
    ];
    const before = await exported();
    for (const [action, params] of calls) {
      const got = await failure(action, { ...params, DryRun: 'true' });
      expect(got.code, action).toBe('DryRunOperationError');
      expect(got.status, action).toBe(400);
      expect(JSON.stringify(got.body), action).not.toContain('top-secret');
      expect(got.body?.Plaintext, action).toBeUndefined();
    }
    // Nothing written, and the audit has no Success for a dry run.
    expect(await exported()).toBe(before);
    const audit = (await control(emulator, 'GET', 'audit?code=DryRunOperationError')).events as Body[];
    expect(audit.map((e) => e.action).sort()).toEqual(calls.map(([a]) => a).sort());
    const successes = (await control(emulator, 'GET', 'audit?code=Success')).events as Body[];
    // Only the two set-up calls (Encrypt, GenerateDataKey) succeeded.
    expect(successes.filter((e) => calls.some(([a]) => a === e.action)).map((e) => e.action)).toEqual([
      'Encrypt',
      'GenerateDataKey',
    ]);
    // DryRun=false runs the call.
    expect((await kms.call('GetSecretValue', { SecretName: 'dry/one', DryRun: 'false' })).SecretData).toBe(
      'top-secret',
    );
  });

  it('a bad parameter is ValidationError; a missing key gives its own error; nothing is created', async () => {
    expect((await failure('Encrypt', { DryRun: 'true', Plaintext: 'aGk=' })).code).toBe('ValidationError');
    expect(
      (await failure('GenerateDataKey', { DryRun: 'true', KeyId: 'alias/x', NumberOfBytes: 'many' })).code,
    ).toBe('ValidationError');
    expect((await failure('Encrypt', { DryRun: 'true', KeyId: 'nope', Plaintext: 'aGk=' })).code).toBe(
      'Forbidden.KeyNotFound',
    );
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    await kms.call('DisableKey', { KeyId: keyId });
    expect((await failure('Encrypt', { DryRun: 'true', KeyId: keyId, Plaintext: 'aGk=' })).code).toBe(
      'Rejected.Disabled',
    );
  });
});

describe('Recipient', () => {
  it('is refused with a 400 naming it; no plaintext is answered', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob;
    await kms.call('CreateSecret', { SecretName: 'r/one', SecretData: 'sealed-please', VersionId: 'v1' });
    const recipient = JSON.stringify({
      AttestationDocument: 'AAAA',
      KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    for (const [action, params] of [
      ['Decrypt', { CiphertextBlob: blob }],
      ['GenerateDataKey', { KeyId: keyId }],
      ['GetSecretValue', { SecretName: 'r/one' }],
    ] as const) {
      const got = await failure(action, { ...params, Recipient: recipient });
      expect(got.code, action).toBe('UnsupportedOperation');
      expect(got.status, action).toBe(400);
      expect(String(got.body?.Message), action).toContain('Recipient');
      expect(JSON.stringify(got.body), action).not.toContain('sealed-please');
    }
  });
});

describe('newest-SDK parameters and fields', () => {
  it('SetDeletionProtection takes KeyId or KmsInstanceId; a protected instance is not released', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    await kms.call('SetDeletionProtection', {
      KeyId: keyId,
      EnableDeletionProtection: true,
      DeletionProtectionDescription: 'prod',
    });
    expect((await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({
      DeletionProtection: 'Enabled',
      DeletionProtectionDescription: 'prod',
    });
    expect((await failure('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 })).code).toBe(
      'Forbidden.DeletionProtection',
    );
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-protect1' });
    await kms.call('SetDeletionProtection', {
      KmsInstanceId: 'kst-protect1',
      EnableDeletionProtection: true,
    });
    expect(
      (await kms.call('GetKmsInstance', { KmsInstanceId: 'kst-protect1' })).KmsInstance.DeletionProtection,
    ).toBe(true);
    expect((await failure('ReleaseKmsInstance', { KmsInstanceId: 'kst-protect1' })).code).toBe(
      'Forbidden.DeletionProtection',
    );
    await kms.call('SetDeletionProtection', {
      ProtectedResourceArn: 'acs:kms:cn-hangzhou:1234567890123456:keystore/kst-protect1',
      EnableDeletionProtection: false,
    });
    await kms.call('ReleaseKmsInstance', { KmsInstanceId: 'kst-protect1' });
    expect((await failure('SetDeletionProtection', { EnableDeletionProtection: true })).code).toBe(
      'MissingParameter',
    );
  });

  it('ListKmsInstances filters; GetKmsInstanceQuotaInfos defaults to the default instance', async () => {
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-filter1' });
    const all = await kms.call('ListKmsInstances', {});
    expect(all.TotalCount).toBe(2);
    const one = await kms.call('ListKmsInstances', {
      Filters: JSON.stringify([{ Key: 'KmsInstanceId', Values: ['kst-filter1'] }]),
    });
    expect(one.KmsInstances.KmsInstance.map((i: Body) => i.KmsInstanceId)).toEqual(['kst-filter1']);
    expect(
      (await failure('ListKmsInstances', { Filters: JSON.stringify([{ Key: 'Color', Values: ['red'] }]) }))
        .code,
    ).toBe('InvalidParameter');
    const defaultId = (await kms.call('GetDefaultKmsInstance', {})).DefaultKmsInstanceId;
    const quota = await kms.call('GetKmsInstanceQuotaInfos', {});
    expect(quota.KmsInstanceId).toBe(defaultId);
    expect(quota.KmsInstanceQuotaInfos.map((q: Body) => q.ResourceType)).toEqual([
      'key',
      'secret',
      'vpc',
      'qps',
      // The Access Management Quota (#25 §5): other accounts the instance's policies name.
      'share',
    ]);
  });

  it('a secret under a key of an instance shows the instance; OwingService; batch items carry RequestId', async () => {
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-secrets1' });
    const keyId = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-secrets1' })).KeyMetadata.KeyId;
    const created = await kms.call('CreateSecret', {
      SecretName: 'inst/one',
      SecretData: 'x',
      VersionId: 'v1',
      EncryptionKeyId: keyId,
    });
    expect(created.DKMSInstanceId).toBe('kst-secrets1');
    const described = await kms.call('DescribeSecret', { SecretName: 'inst/one' });
    expect(described).toMatchObject({ DKMSInstanceId: 'kst-secrets1', OwingService: '' });
    expect((await kms.call('ListSecrets', {})).SecretList.Secret[0].OwingService).toBe('');
    const quota = await kms.call('GetKmsInstanceQuotaInfos', {
      KmsInstanceId: 'kst-secrets1',
      ResourceType: 'secret',
    });
    expect(quota.KmsInstanceQuotaInfos[0].UsedQuantity).toBe(1);
    const batch = await kms.call('BatchGetSecretValue', {
      SecretsList: JSON.stringify([{ SecretName: 'inst/one' }]),
    });
    expect(batch.SecretValues[0].RequestId).toBe(batch.RequestId);
    const other = (await kms.call('CreateKey', {})).KeyMetadata.KeyId;
    expect(
      (
        await failure('CreateSecret', {
          SecretName: 'inst/two',
          SecretData: 'x',
          VersionId: 'v1',
          EncryptionKeyId: other,
          DKMSInstanceId: 'kst-secrets1',
        })
      ).code,
    ).toBe('InvalidParameter');
  });

  it('CreateKey takes KeyStorageMechanism for a key of an instance; HsmInternal keys do not rotate', async () => {
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-storage1' });
    const db = (
      await kms.call('CreateKey', {
        DKMSInstanceId: 'kst-storage1',
        KeyStorageMechanism: 'HsmEncryptedDatabase',
        EnableAutomaticRotation: true,
        RotationInterval: '604800s',
      })
    ).KeyMetadata;
    expect(db.AutomaticRotation).toBe('Enabled');
    const hsm = (
      await kms.call('CreateKey', { DKMSInstanceId: 'kst-storage1', KeyStorageMechanism: 'HsmInternal' })
    ).KeyMetadata;
    expect(
      (await failure('UpdateRotationPolicy', { KeyId: hsm.KeyId, EnableAutomaticRotation: true })).code,
    ).toBe('Rejected.UnsupportedOperation');
    expect((await failure('CreateKey', { KeyStorageMechanism: 'HsmInternal' })).code).toBe(
      'InvalidParameter',
    );
    expect(
      (await failure('CreateKey', { DKMSInstanceId: 'kst-storage1', KeyStorageMechanism: 'Floppy' })).code,
    ).toBe('InvalidParameter');
  });

  it('GetKmsInstance ZoneIds/VswitchIds: lists, strings for the Go and Java Tea SDKs that type them so', async () => {
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-zones1' });
    await kms.call('ConnectKmsInstance', {
      KmsInstanceId: 'kst-zones1',
      VpcId: 'vpc-1',
      ZoneIds: 'cn-hangzhou-k,cn-hangzhou-j',
      VSwitchIds: 'vsw-1,vsw-2',
      KMProvider: 'Aliyun',
    });
    const get = async (userAgent: string) => {
      const res = await fetch(`${emulator.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
        body: signedQuery('GetKmsInstance', { KmsInstanceId: 'kst-zones1' }, { method: 'POST' }),
      });
      return ((await res.json()) as Body).KmsInstance;
    };
    const python = await get('AlibabaCloud (Linux; x86_64) Python/3.11.2 Core/1.0.9 TeaDSL/2');
    expect(python.ZoneIds).toEqual(['cn-hangzhou-k', 'cn-hangzhou-j']);
    expect(python.VswitchIds).toEqual(['vsw-1', 'vsw-2']);
    const go = await get('AlibabaCloud (linux; amd64) Golang/go1.22.2 Core/0.01 TeaDSL/1');
    expect(go.ZoneIds).toBe('cn-hangzhou-k,cn-hangzhou-j');
    expect(go.VswitchIds).toBe('vsw-1,vsw-2');
    const java = await get('AlibabaCloud (Linux; amd64) Java/17.0.13 tea-util/0.2.21 TeaDSL/1');
    expect(java.ZoneIds).toBe('cn-hangzhou-k,cn-hangzhou-j');
    // The Go V1 SDK (no TeaDSL) and pop-core read lists.
    expect(
      (await get('Aliyun-Go-SDK (v1.63.107; linux; amd64) Golang/go1.22.2 Core/1.63.107')).ZoneIds,
    ).toEqual(['cn-hangzhou-k', 'cn-hangzhou-j']);
  });
});
