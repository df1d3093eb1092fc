import 'reflect-metadata';
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

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
  AsymmetricDecrypt: {
    CiphertextForRecipient: 'Recipient (Nitro enclave attestation) is refused with a 400',
  },
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
      Policy: json({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { RAM: ['acs:ram::1234567890123456:*'] },
            Action: ['kms:*'],
            Resource: ['*'],
          },
        ],
      }),
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
      Policy: json({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { RAM: ['acs:ram::1234567890123456:*'] },
            Action: ['kms:*'],
            Resource: ['*'],
          },
        ],
      }),
    })),
  ],
  // --- managed data keys and GetChallenge ---
  GetManagedDataKey: [
    one('a created key, the latest of two versions', async (c) => ({
      DataKeyName: await managedDataKey(c, true),
      UseLatest: true,
    })),
    one('an imported key, its first version', async (c) => ({ DataKeyName: await managedDataKey(c, false) })),
  ],
  ListManagedDataKeyVersions: [
    one('a key with two versions', async (c) => ({
      DataKeyName: await managedDataKey(c, true),
      PageSize: 1,
    })),
  ],
  GetChallenge: [one('any', () => ({}))],
  // --- asymmetric keys and HMAC ---
  GetPublicKey: [
    one('an RSA key pair', async (c) => keyPair(c, 'RSA_2048', 'ENCRYPT/DECRYPT')),
    one('an EC key pair', async (c) => keyPair(c, 'EC_P256', 'SIGN/VERIFY')),
  ],
  AsymmetricSign: [
    one('an EC signing key', async (c) => ({
      ...(await keyPair(c, 'EC_P256', 'SIGN/VERIFY')),
      Algorithm: 'ECDSA_SHA_256',
      Digest: DIGEST,
    })),
  ],
  AsymmetricVerify: [
    one('a signature of the key', async (c) => {
      const key = await keyPair(c, 'EC_P256', 'SIGN/VERIFY');
      const signed = await c.call('AsymmetricSign', { ...key, Algorithm: 'ECDSA_SHA_256', Digest: DIGEST });
      return { ...key, Algorithm: 'ECDSA_SHA_256', Digest: DIGEST, Value: signed.Value };
    }),
  ],
  AsymmetricEncrypt: [
    one('an RSA encryption key', async (c) => ({
      ...(await keyPair(c, 'RSA_2048', 'ENCRYPT/DECRYPT')),
      Algorithm: 'RSAES_OAEP_SHA_256',
      Plaintext: 'aGVsbG8=',
    })),
  ],
  AsymmetricDecrypt: [
    one('a ciphertext of the key', async (c) => {
      const key = await keyPair(c, 'RSA_2048', 'ENCRYPT/DECRYPT');
      const encrypted = await c.call('AsymmetricEncrypt', {
        ...key,
        Algorithm: 'RSAES_OAEP_SHA_256',
        Plaintext: 'aGVsbG8=',
      });
      return { ...key, Algorithm: 'RSAES_OAEP_SHA_256', CiphertextBlob: encrypted.CiphertextBlob };
    }),
  ],
  GenerateMac: [
    one('an HMAC key', async (c) => ({
      KeyId: await newKey(c, { KeySpec: 'HMAC_SHA_256', KeyUsage: 'GENERATE/VERIFY_MAC' }),
      Algorithm: 'HMAC_SHA_256',
      Message: 'aGVsbG8=',
    })),
  ],
  VerifyMac: [
    one('a MAC of the key', async (c) => {
      const KeyId = await newKey(c, { KeySpec: 'HMAC_SHA_256', KeyUsage: 'GENERATE/VERIFY_MAC' });
      const params = { KeyId, Algorithm: 'HMAC_SHA_256', Message: 'aGVsbG8=' };
      return { ...params, Mac: (await c.call('GenerateMac', params)).Mac };
    }),
  ],

  // --- certificates (models of alibabacloud_kms20160120 2.3.1, the last release with them) ---
  CreateCertificate: [
    one('an RSA certificate request with SANs', () => ({
      Subject: 'CN=contract.example.com,O=Example,C=CN',
      KeySpec: 'RSA_2048',
      SubjectAlternativeNames: json(['contract.example.com']),
      ExportablePrivateKey: false,
    })),
  ],
  UploadCertificate: [
    one('a pending certificate', async (c) => {
      const { CertificateId, Csr } = await c.call('CreateCertificate', {
        Subject: 'CN=contract.example.com,O=Example,C=CN',
        KeySpec: 'RSA_2048',
      });
      return { CertificateId, Certificate: await issue(Csr), CertificateChain: (await testCa()).pem };
    }),
  ],
  GetCertificate: [
    one('a pending certificate (no certificate yet)', async (c) => ({
      CertificateId: (
        await c.call('CreateCertificate', { Subject: 'CN=pending.example.com,C=CN', KeySpec: 'RSA_2048' })
      ).CertificateId,
    })),
    one('an uploaded certificate with its chain', async (c) => ({ CertificateId: await certificate(c) })),
  ],
  DescribeCertificate: [
    one('a pending certificate', async (c) => ({
      CertificateId: (
        await c.call('CreateCertificate', { Subject: 'CN=pending.example.com,C=CN', KeySpec: 'RSA_2048' })
      ).CertificateId,
    })),
    one('an uploaded certificate with SANs', async (c) => ({ CertificateId: await certificate(c) })),
  ],
  UpdateCertificateStatus: [
    one('an active certificate', async (c) => ({ CertificateId: await certificate(c), Status: 'INACTIVE' })),
  ],
  DeleteCertificate: [one('a certificate', async (c) => ({ CertificateId: await certificate(c) }))],
  CertificatePrivateKeySign: [
    one('an active certificate, RAW message', async (c) => ({
      CertificateId: await certificate(c),
      Algorithm: 'RSA_PKCS1_SHA_256',
      MessageType: 'RAW',
      Message: 'aGVsbG8=',
    })),
  ],
  CertificatePublicKeyVerify: [
    one('a signature of the certificate', async (c) => {
      const params = {
        CertificateId: await certificate(c),
        Algorithm: 'RSA_PKCS1_SHA_256',
        MessageType: 'RAW',
        Message: 'aGVsbG8=',
      };
      return {
        ...params,
        SignatureValue: (await c.call('CertificatePrivateKeySign', params)).SignatureValue,
      };
    }),
  ],
  CertificatePublicKeyEncrypt: [
    one('an active certificate', async (c) => ({
      CertificateId: await certificate(c),
      Algorithm: 'RSAES_OAEP_SHA_256',
      Plaintext: 'aGVsbG8=',
    })),
  ],
  CertificatePrivateKeyDecrypt: [
    one('a ciphertext for the certificate', async (c) => {
      const params = { CertificateId: await certificate(c), Algorithm: 'RSAES_OAEP_SHA_256' };
      const encrypted = await c.call('CertificatePublicKeyEncrypt', { ...params, Plaintext: 'aGVsbG8=' });
      return { ...params, CiphertextBlob: encrypted.CiphertextBlob };
    }),
  ],

  // --- application access (network rules, policies, access points, client keys) ---
  CreateNetworkRule: [
    one('a private rule', () => ({
      Name: unique('contract-rule'),
      Type: 'Private',
      Description: 'office',
      SourcePrivateIp: json(['10.0.0.0/8', '192.168.1.7']),
    })),
  ],
  DescribeNetworkRule: [one('a rule', async (c) => ({ Name: await networkRule(c) }))],
  ListNetworkRules: [
    one('some rules', async (c) => {
      await networkRule(c);
      return {};
    }),
  ],
  UpdateNetworkRule: [
    one('a rule', async (c) => ({
      Name: await networkRule(c),
      Description: 'd',
      SourcePrivateIp: '10.1.0.0/16',
    })),
  ],
  DeleteNetworkRule: [one('an unused rule', async (c) => ({ Name: await networkRule(c) }))],
  CreatePolicy: [
    one('with network rules', async (c) => ({
      Name: unique('contract-policy'),
      Description: 'app',
      KmsInstance: (await c.call('GetDefaultKmsInstance')).DefaultKmsInstanceId,
      Permissions: json([KEY_USER, SECRET_USER]),
      Resources: json(['key/*', 'secret/*']),
      AccessControlRules: json({ NetworkRules: [await networkRule(c)] }),
    })),
  ],
  DescribePolicy: [one('a policy with network rules', async (c) => ({ Name: await policy(c) }))],
  ListPolicies: [
    one('some policies', async (c) => {
      await policy(c);
      return {};
    }),
  ],
  UpdatePolicy: [
    one('a policy', async (c) => ({
      Name: await policy(c),
      Description: 'd',
      Permissions: json([KEY_USER]),
      Resources: json(['key/*']),
      AccessControlRules: json({ NetworkRules: [] }),
    })),
  ],
  DeletePolicy: [one('an unused policy', async (c) => ({ Name: await policy(c) }))],
  CreateApplicationAccessPoint: [
    one('with a policy', async (c) => ({
      Name: unique('contract-aap'),
      AuthenticationMethod: 'ClientKey',
      Description: 'app',
      Policies: json([await policy(c)]),
    })),
  ],
  DescribeApplicationAccessPoint: [one('an access point', async (c) => ({ Name: await accessPoint(c) }))],
  ListApplicationAccessPoints: [
    one('some access points', async (c) => {
      await accessPoint(c);
      return {};
    }),
  ],
  UpdateApplicationAccessPoint: [
    one('an access point', async (c) => ({
      Name: await accessPoint(c),
      Description: 'd',
      Policies: json([await policy(c)]),
    })),
  ],
  DeleteApplicationAccessPoint: [one('an access point', async (c) => ({ Name: await accessPoint(c) }))],
  CreateClientKey: [
    one('with a validity window', async (c) => ({
      AapName: await accessPoint(c),
      Password: CLIENT_KEY_PASSWORD,
      NotBefore: '2026-01-01T00:00:00Z',
      NotAfter: '2031-01-01T00:00:00Z',
    })),
    one('with the default validity', async (c) => ({
      AapName: await accessPoint(c),
      Password: CLIENT_KEY_PASSWORD,
    })),
  ],
  GetClientKey: [one('a client key', async (c) => ({ ClientKeyId: await clientKey(c) }))],
  ListClientKeys: [
    one('some client keys', async (c) => {
      await clientKey(c);
      return {};
    }),
  ],
  DeleteClientKey: [one('a client key', async (c) => ({ ClientKeyId: await clientKey(c) }))],
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

// --- asymmetric keys, certificates and access points ---

/** base64 of a SHA-256 digest (AsymmetricSign takes the digest). */
const DIGEST = createHash('sha256').update('contract').digest('base64');
const KEY_USER = 'RbacPermission/Template/CryptoServiceKeyUser';
const SECRET_USER = 'RbacPermission/Template/CryptoServiceSecretUser';
const CLIENT_KEY_PASSWORD = 'Contract#2026pw';

async function keyPair(c: Caller, KeySpec: string, KeyUsage: string): Promise<Params> {
  const KeyId = await newKey(c, { KeySpec, KeyUsage });
  const KeyVersionId = (await c.call('DescribeKey', { KeyId })).KeyMetadata.PrimaryKeyVersion;
  return { KeyId, KeyVersionId };
}

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
let ca: Promise<{ keys: webcrypto.CryptoKeyPair; cert: x509.X509Certificate; pem: string }> | undefined;

/** A test CA (WebCrypto keys, certificates by @peculiar/x509) that issues for the emulator's CSRs. */
function testCa() {
  ca ??= (async () => {
    const keys = (await webcrypto.subtle.generateKey(
      { ...RSA_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=Contract CA,C=CN',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      signingAlgorithm: RSA_SHA256,
      keys,
    });
    return { keys, cert, pem: cert.toString('pem') };
  })();
  return ca;
}

async function issue(csrPem: string): Promise<string> {
  const { keys, cert } = await testCa();
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const issued = await x509.X509CertificateGenerator.create({
    serialNumber: String(++counter).padStart(2, '0').replace(/^(.)$/, '0$1'),
    subject: csr.subject,
    issuer: cert.subject,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    signingAlgorithm: RSA_SHA256,
    publicKey: await csr.publicKey.export(),
    signingKey: keys.privateKey,
    extensions: csr.extensions,
  });
  return issued.toString('pem');
}

/** An ACTIVE RSA certificate (uploaded with its chain), with a SAN. */
async function certificate(c: Caller): Promise<string> {
  const { CertificateId, Csr } = await c.call('CreateCertificate', {
    Subject: 'CN=contract.example.com,O=Example,C=CN',
    KeySpec: 'RSA_2048',
    SubjectAlternativeNames: json(['contract.example.com', 'www.contract.example.com']),
  });
  await c.call('UploadCertificate', {
    CertificateId,
    Certificate: await issue(Csr),
    CertificateChain: (await testCa()).pem,
  });
  return CertificateId;
}

async function networkRule(c: Caller): Promise<string> {
  const name = unique('contract-rule');
  await c.call('CreateNetworkRule', { Name: name, Type: 'Private', SourcePrivateIp: json(['10.0.0.0/8']) });
  return name;
}

async function policy(c: Caller): Promise<string> {
  const name = unique('contract-policy');
  await c.call('CreatePolicy', {
    Name: name,
    KmsInstance: (await c.call('GetDefaultKmsInstance')).DefaultKmsInstanceId,
    Permissions: json([KEY_USER]),
    Resources: json(['key/*']),
    AccessControlRules: json({ NetworkRules: [await networkRule(c)] }),
  });
  return name;
}

async function accessPoint(c: Caller): Promise<string> {
  const name = unique('contract-aap');
  await c.call('CreateApplicationAccessPoint', {
    Name: name,
    AuthenticationMethod: 'ClientKey',
    Policies: json([await policy(c)]),
  });
  return name;
}

async function clientKey(c: Caller): Promise<string> {
  return (await c.call('CreateClientKey', { AapName: await accessPoint(c), Password: CLIENT_KEY_PASSWORD }))
    .ClientKeyId;
}

/** A managed data key of the default instance (made through the control plane, as in the console). */
async function managedDataKey(c: Caller, rotated: boolean): Promise<string> {
  const { keyId, instanceId } = await keyInInstance(c);
  const name = unique('contract-dk');
  await c.control('POST', 'managed-data-keys', {
    DataKeyName: name,
    KmsInstanceId: instanceId,
    KeyId: keyId,
    ...(rotated ? { Length: 64 } : { Plaintext: Buffer.from('imported data key').toString('base64') }),
  });
  if (rotated) await c.control('POST', `managed-data-keys/${encodeURIComponent(name)}/rotate`, {});
  return name;
}
