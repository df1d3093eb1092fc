import { generateKeyPairSync } from 'node:crypto';

/**
 * How to call each implemented operation in the states that produce its conditional fields.
 * `params` may prepare the world (create a key, a secret…) through `c` and returns the parameters
 * of the call under test. Every operation `implementedOperations()` lists needs at least one recipe
 * here, or the contract test fails.
 */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field
export type Body = Record<string, any>;
export type Params = Record<string, string | number | boolean>;

export interface Caller {
  call(action: string, params?: Params): Promise<Body>;
  control(method: string, path: string, body?: unknown): Promise<Body>;
}

export interface Recipe {
  state: string;
  params(c: Caller): Promise<Params> | Params;
}

/**
 * Response fields (paths in the model's notation) the emulator never answers, with the reason.
 * Each entry is a documented decision; the contract test fails if a field is absent without one.
 */
export const neverAnswered: Record<string, Record<string, string>> = {
  Decrypt: { CiphertextForRecipient: 'Recipient (Nitro enclave attestation) is refused with a 400' },
  GenerateDataKey: { CiphertextForRecipient: 'Recipient (Nitro enclave attestation) is refused with a 400' },
  GetSecretValue: { CiphertextForRecipient: 'Recipient (Nitro enclave attestation) is refused with a 400' },
};

const json = (value: unknown) => JSON.stringify(value);
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

export async function newKey(c: Caller, extra: Params = {}): Promise<string> {
  return (await c.call('CreateKey', extra)).KeyMetadata.KeyId;
}

export async function newSecret(c: Caller, extra: Params = {}): Promise<string> {
  const name = unique('contract/secret');
  await c.call('CreateSecret', { SecretName: name, SecretData: 'v1-data', VersionId: 'v1', ...extra });
  return name;
}

async function rdsSecret(c: Caller): Promise<string> {
  const db = unique('rm-contract');
  await c.control('POST', 'rds-instances', {
    DBInstanceId: db,
    Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
  });
  const name = unique('contract/rds');
  await c.call('CreateSecret', {
    SecretName: name,
    SecretType: 'Rds',
    VersionId: 'v1',
    SecretData: json({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
    ExtendedConfig: json({ SecretSubType: 'SingleUser', DBInstanceId: db }),
    EnableAutomaticRotation: true,
    RotationInterval: '7d',
  });
  return name;
}

/** A secret rotated once: LastRotationDate is set. */
async function rotatedRdsSecret(c: Caller): Promise<string> {
  const name = await rdsSecret(c);
  await c.call('RotateSecret', { SecretName: name, VersionId: 'v2' });
  await c.control('POST', 'clock', { advance: '1h' });
  return name;
}

async function newInstance(c: Caller, quota: Record<string, unknown> = {}): Promise<string> {
  const id = unique('kst-contract');
  await c.control('POST', 'instances', { kmsInstanceId: id, ...quota });
  return id;
}

async function keyInInstance(c: Caller): Promise<{ keyId: string; instanceId: string }> {
  const instanceId = (await c.call('GetDefaultKmsInstance')).DefaultKmsInstanceId;
  return { keyId: await newKey(c, { DKMSInstanceId: instanceId }), instanceId };
}

function rsaPublicKey(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

const one = (state: string, params: Recipe['params']): Recipe => ({ state, params });

export const recipes: Record<string, Recipe[]> = {
  // --- service ---
  DescribeRegions: [one('any', () => ({}))],
  DescribeAccountKmsStatus: [one('any', () => ({}))],
  OpenKmsService: [
    one('an account that has not opened KMS', async (c) => {
      await c.control('POST', 'seed', {
        accounts: [{ accountId: '1234567890123456', kmsStatus: 'NotEnabled' }],
      });
      return {};
    }),
  ],

  // --- instances ---
  ListKmsInstances: [one('the default instance', () => ({}))],
  GetKmsInstance: [
    one('a connected instance with bound VPCs', async (c) => {
      const id = await newInstance(c, { vpcQuota: 2 });
      await c.call('ConnectKmsInstance', {
        KmsInstanceId: id,
        VpcId: 'vpc-1',
        ZoneIds: 'cn-hangzhou-k,cn-hangzhou-j',
        VSwitchIds: 'vsw-1',
        KMProvider: 'Aliyun',
      });
      await c.call('UpdateKmsInstanceBindVpc', {
        KmsInstanceId: id,
        BindVpcs: json([{ VpcId: 'vpc-2', RegionId: 'cn-hangzhou', VSwitchId: 'vsw-2', VpcOwnerId: '1' }]),
      });
      return { KmsInstanceId: id };
    }),
    one('the default instance', async (c) => ({
      KmsInstanceId: (await c.call('GetDefaultKmsInstance')).DefaultKmsInstanceId,
    })),
  ],
  GetDefaultKmsInstance: [one('any', () => ({}))],
  GetKmsInstanceQuotaInfos: [
    one('named instance', async (c) => ({ KmsInstanceId: await newInstance(c) })),
    one('no instance named (the default one)', () => ({})),
  ],
  ConnectKmsInstance: [
    one('an unconnected instance', async (c) => ({
      KmsInstanceId: await newInstance(c),
      VpcId: 'vpc-1',
      ZoneIds: 'cn-hangzhou-k',
      VSwitchIds: 'vsw-1',
      KMProvider: 'Aliyun',
    })),
  ],
  UpdateKmsInstanceBindVpc: [
    one('an instance', async (c) => ({
      KmsInstanceId: await newInstance(c, { vpcQuota: 2 }),
      BindVpcs: json([{ VpcId: 'vpc-2', RegionId: 'cn-hangzhou', VSwitchId: 'vsw-2', VpcOwnerId: '1' }]),
    })),
  ],
  ReleaseKmsInstance: [one('an empty instance', async (c) => ({ KmsInstanceId: await newInstance(c) }))],

  // --- keys ---
  CreateKey: [
    one('a default key', () => ({ Description: 'contract' })),
    one('a key in an instance, rotating', async (c) => ({
      DKMSInstanceId: (await c.call('GetDefaultKmsInstance')).DefaultKmsInstanceId,
      EnableAutomaticRotation: true,
      RotationInterval: '604800s',
    })),
    one('an external key', () => ({ Origin: 'EXTERNAL' })),
  ],
  DescribeKey: [
    one('a rotating key, rotated once, protected', async (c) => {
      const keyId = await newKey(c, { EnableAutomaticRotation: true, RotationInterval: '604800s' });
      await c.control('POST', 'clock', { advance: '8d' });
      const arn = (await c.call('DescribeKey', { KeyId: keyId })).KeyMetadata.Arn;
      await c.call('SetDeletionProtection', {
        ProtectedResourceArn: arn,
        EnableDeletionProtection: true,
        DeletionProtectionDescription: 'keep',
      });
      return { KeyId: keyId };
    }),
    one('a key pending deletion', async (c) => {
      const keyId = await newKey(c);
      await c.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      return { KeyId: keyId };
    }),
    one('a key in an instance', async (c) => ({ KeyId: (await keyInInstance(c)).keyId })),
    one('imported material that expires', async (c) => ({ KeyId: await importedKey(c) })),
  ],
  ListKeys: [
    one('some keys', async (c) => {
      await newKey(c);
      return {};
    }),
  ],
  UpdateKeyDescription: [one('a key', async (c) => ({ KeyId: await newKey(c), Description: 'new' }))],
  EnableKey: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  DisableKey: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  ScheduleKeyDeletion: [one('a key', async (c) => ({ KeyId: await newKey(c), PendingWindowInDays: 7 }))],
  CancelKeyDeletion: [
    one('a key pending deletion', async (c) => {
      const keyId = await newKey(c);
      await c.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      return { KeyId: keyId };
    }),
  ],
  SetDeletionProtection: [
    one('by ARN', async (c) => {
      const keyId = await newKey(c);
      const arn = (await c.call('DescribeKey', { KeyId: keyId })).KeyMetadata.Arn;
      return { ProtectedResourceArn: arn, EnableDeletionProtection: true };
    }),
    one('by KeyId', async (c) => ({ KeyId: await newKey(c), EnableDeletionProtection: true })),
    one('by KmsInstanceId', async (c) => ({
      KmsInstanceId: await newInstance(c),
      EnableDeletionProtection: true,
      DeletionProtectionDescription: 'keep',
    })),
  ],
  CreateAlias: [one('a key', async (c) => ({ KeyId: await newKey(c), AliasName: unique('alias/contract') }))],
  UpdateAlias: [
    one('an alias', async (c) => {
      const alias = unique('alias/contract');
      await c.call('CreateAlias', { KeyId: await newKey(c), AliasName: alias });
      return { AliasName: alias, KeyId: await newKey(c) };
    }),
  ],
  DeleteAlias: [
    one('an alias', async (c) => {
      const alias = unique('alias/contract');
      await c.call('CreateAlias', { KeyId: await newKey(c), AliasName: alias });
      return { AliasName: alias };
    }),
  ],
  ListAliases: [
    one('an alias', async (c) => {
      await c.call('CreateAlias', { KeyId: await newKey(c), AliasName: unique('alias/contract') });
      return {};
    }),
  ],
  ListAliasesByKeyId: [
    one('an alias', async (c) => {
      const keyId = await newKey(c);
      await c.call('CreateAlias', { KeyId: keyId, AliasName: unique('alias/contract') });
      return { KeyId: keyId };
    }),
  ],
  CreateKeyVersion: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  DescribeKeyVersion: [
    one('a key', async (c) => {
      const keyId = await newKey(c);
      const meta = (await c.call('DescribeKey', { KeyId: keyId })).KeyMetadata;
      return { KeyId: keyId, KeyVersionId: meta.PrimaryKeyVersion };
    }),
  ],
  ListKeyVersions: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  UpdateRotationPolicy: [
    one('a key', async (c) => ({
      KeyId: await newKey(c),
      EnableAutomaticRotation: true,
      RotationInterval: '604800s',
    })),
  ],
  GetParametersForImport: [
    one('an external key', async (c) => ({
      KeyId: await newKey(c, { Origin: 'EXTERNAL' }),
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })),
  ],
  ImportKeyMaterial: [one('an external key', async (c) => importParams(c))],
  DeleteKeyMaterial: [one('imported material', async (c) => ({ KeyId: await importedKey(c) }))],
  GetKeyPolicy: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  SetKeyPolicy: [
    one('a key', async (c) => ({
      KeyId: await newKey(c),
      Policy: json({ Version: '1', Statement: [] }),
    })),
  ],

  // --- cryptography ---
  Encrypt: [one('a key', async (c) => ({ KeyId: await newKey(c), Plaintext: 'aGVsbG8=' }))],
  Decrypt: [one('a ciphertext', async (c) => ({ CiphertextBlob: await ciphertext(c) }))],
  ReEncrypt: [
    one('a ciphertext', async (c) => ({
      CiphertextBlob: await ciphertext(c),
      DestinationKeyId: await newKey(c),
    })),
  ],
  GenerateDataKey: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  GenerateDataKeyWithoutPlaintext: [one('a key', async (c) => ({ KeyId: await newKey(c) }))],
  ExportDataKey: [
    one('a data key', async (c) => {
      const blob = (await c.call('GenerateDataKey', { KeyId: await newKey(c) })).CiphertextBlob;
      return {
        CiphertextBlob: blob,
        PublicKeyBlob: rsaPublicKey(),
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      };
    }),
  ],
  GenerateAndExportDataKey: [
    one('a key', async (c) => ({
      KeyId: await newKey(c),
      PublicKeyBlob: rsaPublicKey(),
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })),
  ],
  GetRandomPassword: [one('any', () => ({ PasswordLength: 16 }))],

  // --- tags ---
  TagResource: [
    one('a key', async (c) => ({ KeyId: await newKey(c), Tags: json([{ TagKey: 'a', TagValue: '1' }]) })),
  ],
  UntagResource: [
    one('a tagged key', async (c) => {
      const keyId = await newKey(c);
      await c.call('TagResource', { KeyId: keyId, Tags: json([{ TagKey: 'a', TagValue: '1' }]) });
      return { KeyId: keyId, TagKeys: json(['a']) };
    }),
  ],
  ListResourceTags: [
    one('a tagged key', async (c) => {
      const keyId = await newKey(c);
      await c.call('TagResource', { KeyId: keyId, Tags: json([{ TagKey: 'a', TagValue: '1' }]) });
      return { KeyId: keyId };
    }),
  ],
  TagResources: [
    one('a key', async (c) => ({
      RegionId: 'cn-hangzhou',
      ResourceType: 'key',
      'ResourceId.1': await newKey(c),
      'Tag.1.Key': 'a',
      'Tag.1.Value': '1',
    })),
  ],
  UntagResources: [
    one('a tagged key', async (c) => {
      const keyId = await newKey(c);
      await c.call('TagResource', { KeyId: keyId, Tags: json([{ TagKey: 'a', TagValue: '1' }]) });
      return { RegionId: 'cn-hangzhou', ResourceType: 'key', 'ResourceId.1': keyId, 'TagKey.1': 'a' };
    }),
  ],
  ListTagResources: [
    one('a tagged key', async (c) => {
      const keyId = await newKey(c);
      await c.call('TagResource', { KeyId: keyId, Tags: json([{ TagKey: 'a', TagValue: '1' }]) });
      return { RegionId: 'cn-hangzhou', ResourceType: 'key', 'ResourceId.1': keyId };
    }),
  ],

  // --- secrets ---
  CreateSecret: [
    one('a generic secret', () => ({ SecretName: unique('contract/new'), SecretData: 'x', VersionId: 'v1' })),
    one('a generic secret in an instance', async (c) => {
      const { keyId, instanceId } = await keyInInstance(c);
      return {
        SecretName: unique('contract/new'),
        SecretData: 'x',
        VersionId: 'v1',
        EncryptionKeyId: keyId,
        DKMSInstanceId: instanceId,
      };
    }),
    one('a rotating Rds secret', async (c) => {
      const db = unique('rm-contract');
      await c.control('POST', 'rds-instances', {
        DBInstanceId: db,
        Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
      });
      return {
        SecretName: unique('contract/rds'),
        SecretType: 'Rds',
        VersionId: 'v1',
        SecretData: json({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
        ExtendedConfig: json({ SecretSubType: 'SingleUser', DBInstanceId: db }),
        EnableAutomaticRotation: true,
        RotationInterval: '7d',
      };
    }),
  ],
  DescribeSecret: [
    one('a tagged secret pending deletion, in an instance', async (c) => {
      const { keyId } = await keyInInstance(c);
      const name = await newSecret(c, { EncryptionKeyId: keyId, Tags: json([{ Key: 'a', Value: '1' }]) });
      await c.call('DeleteSecret', { SecretName: name, RecoveryWindowInDays: 7 });
      return { SecretName: name, FetchTags: true };
    }),
    one('a rotated Rds secret', async (c) => ({ SecretName: await rotatedRdsSecret(c) })),
  ],
  ListSecrets: [
    one('a tagged secret pending deletion', async (c) => {
      const name = await newSecret(c, { Tags: json([{ Key: 'a', Value: '1' }]) });
      await c.call('DeleteSecret', { SecretName: name, RecoveryWindowInDays: 7 });
      return { FetchTags: true };
    }),
  ],
  GetSecretValue: [
    one('a generic secret', async (c) => ({ SecretName: await newSecret(c) })),
    one('a rotated Rds secret', async (c) => ({
      SecretName: await rotatedRdsSecret(c),
      FetchExtendedConfig: true,
    })),
  ],
  BatchGetSecretValue: [
    one('one found, one missing, one rotated', async (c) => ({
      SecretsList: json([
        { SecretName: await newSecret(c) },
        { SecretName: 'contract/missing' },
        { SecretName: await rotatedRdsSecret(c), FetchExtendedConfig: true },
      ]),
    })),
  ],
  PutSecretValue: [
    one('a generic secret', async (c) => ({
      SecretName: await newSecret(c),
      VersionId: 'v2',
      SecretData: 'v2-data',
    })),
  ],
  UpdateSecret: [
    one('a generic secret', async (c) => ({ SecretName: await newSecret(c), Description: 'd' })),
  ],
  UpdateSecretVersionStage: [
    one('two versions', async (c) => {
      const name = await newSecret(c);
      await c.call('PutSecretValue', {
        SecretName: name,
        VersionId: 'v2',
        SecretData: 'v2',
        VersionStages: json(['custom']),
      });
      return { SecretName: name, VersionStage: 'custom', RemoveFromVersion: 'v2', MoveToVersion: 'v1' };
    }),
  ],
  ListSecretVersionIds: [one('a generic secret', async (c) => ({ SecretName: await newSecret(c) }))],
  DeleteSecret: [
    one('with a recovery window', async (c) => ({ SecretName: await newSecret(c), RecoveryWindowInDays: 7 })),
    one('forced', async (c) => ({ SecretName: await newSecret(c), ForceDeleteWithoutRecovery: true })),
  ],
  RestoreSecret: [
    one('a secret pending deletion', async (c) => {
      const name = await newSecret(c);
      await c.call('DeleteSecret', { SecretName: name });
      return { SecretName: name };
    }),
  ],
  RotateSecret: [one('an Rds secret', async (c) => ({ SecretName: await rdsSecret(c), VersionId: 'v9' }))],
  UpdateSecretRotationPolicy: [
    one('an Rds secret', async (c) => ({
      SecretName: await rdsSecret(c),
      EnableAutomaticRotation: true,
      RotationInterval: '30d',
    })),
  ],
  GetSecretPolicy: [one('a secret', async (c) => ({ SecretName: await newSecret(c) }))],
  SetSecretPolicy: [
    one('a secret', async (c) => ({
      SecretName: await newSecret(c),
      Policy: json({ Version: '1', Statement: [] }),
    })),
  ],
};

async function ciphertext(c: Caller): Promise<string> {
  return (await c.call('Encrypt', { KeyId: await newKey(c), Plaintext: 'aGVsbG8=' })).CiphertextBlob;
}

async function importParams(c: Caller): Promise<Params> {
  const { constants, createPublicKey, publicEncrypt } = await import('node:crypto');
  const keyId = await newKey(c, { Origin: 'EXTERNAL' });
  const params = await c.call('GetParametersForImport', {
    KeyId: keyId,
    WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048',
  });
  const publicKey = createPublicKey({
    key: Buffer.from(params.PublicKey, 'base64'),
    format: 'der',
    type: 'spki',
  });
  const wrapped = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.alloc(32, 7),
  ).toString('base64');
  const nowSeconds = Math.floor(Number((await c.control('GET', 'clock')).epochMs) / 1000);
  return {
    KeyId: keyId,
    EncryptedKeyMaterial: wrapped,
    ImportToken: params.ImportToken,
    KeyMaterialExpireUnix: nowSeconds + 400 * 86400,
  };
}

async function importedKey(c: Caller): Promise<string> {
  const params = await importParams(c);
  await c.call('ImportKeyMaterial', params);
  return String(params.KeyId);
}
