import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  DEFAULT_ACCOUNT_ID,
  type Emulator,
  startEmulator,
} from '../src/index.js';
import type { Body } from './helpers/client.js';
import { type OpenApiCredentials, openApiCaller } from './helpers/openapi.js';

/**
 * #25's "Done when", through the official @alicloud/openapi-client (V3 signatures): RAM users made
 * through the RAM API, denied and allowed by custom and system policies, conditions, key policies
 * in the same account and across accounts, the root pair, and the simulator explaining each.
 */
const RAM = '2015-05-01';
const KMS = '2016-01-20';
const A = DEFAULT_ACCOUNT_ID;
const B = '2222222222222222';
const B_ROOT = { accessKeyId: 'LTAIAccountBRoot000001', accessKeySecret: 'account-b-root-secret' };

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ env: {} });
  await request(emulator.app)
    .post('/_emulator/seed')
    .send({ principals: [{ ...B_ROOT, accountId: B, name: 'account B' }] })
    .expect(200);
});
afterEach(() => emulator.close());

type Credentials = OpenApiCredentials;
const ROOT_A: Credentials = {
  accessKeyId: DEFAULT_ACCESS_KEY_ID,
  accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
};

function as(credentials: Credentials) {
  return openApiCaller(emulator.url.replace('http://', ''), credentials);
}

/** The error the official client raised: its code and the AccessDeniedDetail it carries. */
async function refused(call: Promise<unknown>): Promise<{ code: string; detail?: Record<string, string> }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; accessDeniedDetail?: Record<string, string>; data?: Body };
    return { code: e.code, detail: e.accessDeniedDetail ?? e.data?.AccessDeniedDetail };
  }
  throw new Error('the call succeeded');
}

async function newUser(root: ReturnType<typeof as>, userName: string): Promise<ReturnType<typeof as>> {
  await root(RAM, 'CreateUser', { UserName: userName });
  const key = (await root(RAM, 'CreateAccessKey', { UserName: userName })).AccessKey;
  return as({ accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret });
}

async function attachCustom(
  root: ReturnType<typeof as>,
  userName: string,
  policyName: string,
  statements: object[],
) {
  await root(RAM, 'CreatePolicy', {
    PolicyName: policyName,
    PolicyDocument: JSON.stringify({ Version: '1', Statement: statements }),
  });
  await root(RAM, 'AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: policyName, UserName: userName });
}

const explain = async (body: object) =>
  (await request(emulator.app).post('/_emulator/authorize').send(body).expect(200)).body;

describe('access control, end to end through the official client', () => {
  it('a RAM user is denied, allowed by a custom policy, denied again by an explicit Deny; the root pair never', async () => {
    const rootA = as(ROOT_A);
    const keyId = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    const blob = (await rootA(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob as string;
    const alice = await newUser(rootA, 'alice');
    const denied = await refused(alice(KMS, 'Decrypt', { CiphertextBlob: blob }));
    expect(denied).toMatchObject({
      code: 'Forbidden.NoPermission',
      detail: {
        AuthAction: 'kms:Decrypt',
        NoPermissionType: 'ImplicitDeny',
        AuthPrincipalType: 'SubUser',
        AuthPrincipalOwnerId: A,
      },
    });
    await attachCustom(rootA, 'alice', 'decrypt-keys', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'acs:kms:*:*:key/*' },
    ]);
    expect((await alice(KMS, 'Decrypt', { CiphertextBlob: blob })).KeyId).toBe(keyId);
    await attachCustom(rootA, 'alice', 'not-this-key', [
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: `acs:kms:*:*:key/${keyId}` },
    ]);
    expect((await refused(alice(KMS, 'Decrypt', { CiphertextBlob: blob }))).detail?.NoPermissionType).toBe(
      'ExplicitDeny',
    );
    // A RAM user without ram:AttachPolicyToUser cannot grant itself AliyunKMSFullAccess.
    expect(
      (
        await refused(
          alice(RAM, 'AttachPolicyToUser', {
            PolicyType: 'System',
            PolicyName: 'AliyunKMSFullAccess',
            UserName: 'alice',
          }),
        )
      ).code,
    ).toBe('NoPermission');
    // The root pair: never denied, even by the explicit Deny of a key policy.
    await rootA(KMS, 'SetKeyPolicy', {
      KeyId: keyId,
      Policy: JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: ['kms:*'], Resource: ['*'] },
        ],
      }),
    });
    expect((await rootA(KMS, 'Decrypt', { CiphertextBlob: blob })).KeyId).toBe(keyId);
    // The simulator explains the denial with the statement that decided it.
    const accessKeyId = (await rootA(RAM, 'ListAccessKeys', { UserName: 'alice' })).AccessKeys.AccessKey[0]
      .AccessKeyId;
    const why = await explain({
      accessKeyId,
      action: 'kms:Decrypt',
      resource: `acs:kms:cn-hangzhou:${A}:key/${keyId}`,
    });
    expect(why).toMatchObject({
      decision: 'ExplicitDeny',
      principal: { type: 'SubUser', userName: 'alice' },
    });
    expect(why.matched).toContainEqual(
      expect.objectContaining({ policy: 'not-this-key', policyType: 'Custom', effect: 'Deny', statement: 0 }),
    );
  });

  it('AliyunKMSSecretUserAccess reads a secret, but not one under a key it may not Decrypt', async () => {
    const rootA = as(ROOT_A);
    const ownKey = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    const otherKey = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    await rootA(KMS, 'CreateSecret', {
      SecretName: 'app/own',
      SecretData: 'one',
      VersionId: 'v1',
      EncryptionKeyId: ownKey,
    });
    await rootA(KMS, 'CreateSecret', {
      SecretName: 'app/other',
      SecretData: 'two',
      VersionId: 'v1',
      EncryptionKeyId: otherKey,
    });
    await rootA(KMS, 'CreateSecret', { SecretName: 'app/service-key', SecretData: 'three', VersionId: 'v1' });
    const app = await newUser(rootA, 'app');
    await rootA(RAM, 'AttachPolicyToUser', {
      PolicyType: 'System',
      PolicyName: 'AliyunKMSSecretUserAccess',
      UserName: 'app',
    });
    await attachCustom(rootA, 'app', 'decrypt-own-key', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: `acs:kms:*:*:key/${ownKey}` },
    ]);
    expect((await app(KMS, 'GetSecretValue', { SecretName: 'app/own' })).SecretData).toBe('one');
    expect((await app(KMS, 'GetSecretValue', { SecretName: 'app/service-key' })).SecretData).toBe('three');
    const refusal = await refused(app(KMS, 'GetSecretValue', { SecretName: 'app/other' }));
    expect(refusal).toMatchObject({ code: 'Forbidden.NoPermission', detail: { AuthAction: 'kms:Decrypt' } });
  });

  it('conditions decide: source address, virtual time, the key’s tags', async () => {
    const rootA = as(ROOT_A);
    const keyId = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    await rootA(KMS, 'TagResource', {
      KeyId: keyId,
      Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'orders' }]),
    });
    const user = await newUser(rootA, 'bob');
    await attachCustom(rootA, 'bob', 'conditional', [
      {
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: {
          IpAddress: { 'acs:SourceIp': ['127.0.0.1/32', '::1/128'] },
          DateLessThan: { 'acs:CurrentTime': '2040-01-01T00:00:00Z' },
          StringEquals: { 'kms:tag/team': 'orders' },
        },
      },
    ]);
    expect((await user(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).KeyId).toBe(keyId);
    emulator.options.sourceIp = '203.0.113.9';
    expect((await refused(user(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' }))).code).toBe(
      'Forbidden.NoPermission',
    );
    emulator.options.sourceIp = undefined;
    await request(emulator.app).post('/_emulator/clock').send({ set: '2041-01-01T00:00:00Z' }).expect(200);
    expect((await refused(user(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' }))).code).toBe(
      'Forbidden.NoPermission',
    );
    await request(emulator.app).post('/_emulator/clock').send({ set: '2039-01-01T00:00:00Z' }).expect(200);
    await rootA(KMS, 'UntagResource', { KeyId: keyId, TagKeys: JSON.stringify(['team']) });
    expect((await refused(user(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' }))).code).toBe(
      'Forbidden.NoPermission',
    );
  });

  it('an assumed role’s session works until the virtual clock passes its Expiration', async () => {
    const rootA = as(ROOT_A);
    const keyId = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    await rootA(RAM, 'CreateRole', {
      RoleName: 'encryptor',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } },
        ],
      }),
    });
    await rootA(RAM, 'AttachPolicyToRole', {
      PolicyType: 'System',
      PolicyName: 'AliyunKMSCryptoUserAccess',
      RoleName: 'encryptor',
    });
    const assumed = await rootA('2015-04-01', 'AssumeRole', {
      RoleArn: `acs:ram::${A}:role/encryptor`,
      RoleSessionName: 'job',
      DurationSeconds: '900',
    });
    const session = as({
      accessKeyId: assumed.Credentials.AccessKeyId,
      accessKeySecret: assumed.Credentials.AccessKeySecret,
      securityToken: assumed.Credentials.SecurityToken,
    });
    const call = (action: string, query: Record<string, string>) => session(KMS, action, query);
    expect((await call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).KeyId).toBe(keyId);
    // CryptoUser may not create keys.
    const denied = await refused(call('CreateKey', {}));
    expect(denied).toMatchObject({
      code: 'Forbidden.NoPermission',
      detail: { AuthPrincipalType: 'AssumedRoleUser' },
    });
    await request(emulator.app).post('/_emulator/clock').send({ advance: '16m' }).expect(200);
    expect((await refused(call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' }))).code).toBe(
      'InvalidSecurityToken.Expired',
    );
  });

  it('a key policy alone admits a user of its account; another account’s user needs that account’s RAM policy too', async () => {
    const rootA = as(ROOT_A);
    const rootB = as(B_ROOT);
    const keyId = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    const keyArn = `acs:kms:cn-hangzhou:${A}:key/${keyId}`;
    const carol = await newUser(rootA, 'carol');
    const dave = await newUser(rootB, 'dave');
    await rootA(KMS, 'SetKeyPolicy', {
      KeyId: keyId,
      Policy: JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: ['kms:*'], Resource: ['*'] },
          {
            Effect: 'Allow',
            Principal: { RAM: [`acs:ram::${A}:user/carol`, `acs:ram::${B}:user/dave`] },
            Action: ['kms:Encrypt'],
            Resource: ['*'],
          },
        ],
      }),
    });
    // Same account: the key policy alone (carol has no RAM policy).
    expect((await carol(KMS, 'Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).KeyId).toBe(keyId);
    expect((await refused(carol(KMS, 'Decrypt', { CiphertextBlob: 'AAAA' }))).code).toBeDefined();
    // Across accounts: the key policy names dave, but account B has not allowed him yet.
    const crossDenied = await refused(dave(KMS, 'Encrypt', { KeyId: keyArn, Plaintext: 'aGk=' }));
    expect(crossDenied).toMatchObject({
      code: 'Forbidden.NoPermission',
      detail: { AuthPrincipalOwnerId: B, AuthAction: 'kms:Encrypt' },
    });
    await attachCustom(rootB, 'dave', 'use-a-key', [
      { Effect: 'Allow', Action: 'kms:Encrypt', Resource: keyArn },
    ]);
    expect((await dave(KMS, 'Encrypt', { KeyId: keyArn, Plaintext: 'aGk=' })).KeyId).toBe(keyId);
    // Account B's root is another account for A's key: the key policy must name it, and does not.
    expect((await refused(rootB(KMS, 'Encrypt', { KeyId: keyArn, Plaintext: 'aGk=' }))).code).toBe(
      'Forbidden.NoPermission',
    );
    const daveKey = (await rootB(RAM, 'ListAccessKeys', { UserName: 'dave' })).AccessKeys.AccessKey[0]
      .AccessKeyId;
    const why = await explain({ accessKeyId: daveKey, action: 'kms:Encrypt', resource: keyArn });
    expect(why).toMatchObject({ decision: 'Allow', crossAccount: true, resourceOwnerId: A });
  });
});

describe('a secret of another account under its customer key', () => {
  it('read by ARN across accounts also needs kms:Decrypt on that key, from both sides', async () => {
    const rootA = as(ROOT_A);
    const rootB = as(B_ROOT);
    const keyId = (await rootA(KMS, 'CreateKey', {})).KeyMetadata.KeyId as string;
    const keyArn = `acs:kms:cn-hangzhou:${A}:key/${keyId}`;
    await rootA(KMS, 'CreateSecret', {
      SecretName: 'shared/db',
      SecretData: 'pw',
      VersionId: 'v1',
      EncryptionKeyId: keyId,
    });
    const secretArn = `acs:kms:cn-hangzhou:${A}:secret/shared/db`;
    const dave = await newUser(rootB, 'dave');
    const naming = (action: string) =>
      JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: ['kms:*'], Resource: ['*'] },
          {
            Effect: 'Allow',
            Principal: { RAM: [`acs:ram::${B}:user/dave`] },
            Action: [action],
            Resource: ['*'],
          },
        ],
      });
    await rootA(KMS, 'SetSecretPolicy', { SecretName: 'shared/db', Policy: naming('kms:GetSecretValue') });
    await attachCustom(rootB, 'dave', 'read-a-secret', [
      { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: secretArn },
    ]);
    // GetSecretValue is allowed on both sides, Decrypt on the secret's key is not.
    const denied = await refused(dave(KMS, 'GetSecretValue', { SecretName: secretArn }));
    expect(denied).toMatchObject({ code: 'Forbidden.NoPermission', detail: { AuthAction: 'kms:Decrypt' } });
    await rootA(KMS, 'SetKeyPolicy', { KeyId: keyId, Policy: naming('kms:Decrypt') });
    await attachCustom(rootB, 'dave', 'decrypt-a-key', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn },
    ]);
    expect((await dave(KMS, 'GetSecretValue', { SecretName: secretArn })).SecretData).toBe('pw');
  });
});

describe('a KMS instance shared with another account (#25 §5)', () => {
  it('under the default policies the owner’s secrets stay its own; what the other account creates there is usable by both', async () => {
    const rootA = as(ROOT_A);
    const rootB = as(B_ROOT);
    const instanceId = (await rootA(KMS, 'ListKmsInstances', {})).KmsInstances.KmsInstance[0]
      .KmsInstanceId as string;
    // Not shared yet: account B cannot use A's instance.
    expect(
      (
        await refused(
          rootB(KMS, 'CreateSecret', {
            SecretName: 'b/early',
            SecretData: 'x',
            VersionId: 'v1',
            DKMSInstanceId: instanceId,
          }),
        )
      ).code,
    ).toBe('Forbidden.DKMSInstanceNotFound');
    await request(emulator.app)
      .post(`/_emulator/instances/${instanceId}/share`)
      .send({ shareWith: B })
      .expect(200);
    await rootA(KMS, 'CreateSecret', {
      SecretName: 'a/own',
      SecretData: 'a-value',
      VersionId: 'v1',
      DKMSInstanceId: instanceId,
    });
    await rootB(KMS, 'CreateSecret', {
      SecretName: 'b/shared',
      SecretData: 'b-value',
      VersionId: 'v1',
      DKMSInstanceId: instanceId,
    });
    const bSecretArn = `acs:kms:cn-hangzhou:${B}:secret/b/shared`;
    const aSecretArn = `acs:kms:cn-hangzhou:${A}:secret/a/own`;
    // B's secret in A's instance: its default policy names both accounts, so both read it.
    expect((await rootB(KMS, 'GetSecretValue', { SecretName: 'b/shared' })).SecretData).toBe('b-value');
    expect((await rootA(KMS, 'GetSecretValue', { SecretName: bSecretArn })).SecretData).toBe('b-value');
    // A's own secret: its default policy names A alone.
    expect((await refused(rootB(KMS, 'GetSecretValue', { SecretName: aSecretArn }))).code).toBe(
      'Forbidden.NoPermission',
    );
    const policy = JSON.parse((await rootB(KMS, 'GetSecretPolicy', { SecretName: 'b/shared' })).Policy);
    expect(policy.Statement[0].Principal.RAM).toEqual([`acs:ram::${B}:*`, `acs:ram::${A}:*`]);
    // The instance's quota counts B's secret.
    const quota = (
      await rootA(KMS, 'GetKmsInstanceQuotaInfos', { KmsInstanceId: instanceId, ResourceType: 'secret' })
    ).KmsInstanceQuotaInfos[0];
    expect(quota.UsedQuantity).toBe(2);
  });
});
