import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallerPolicies } from '../src/authorizer.js';
import {
  type AttachedPolicy,
  attachedSystemPolicy,
  compilePolicy,
} from '../src/domain/authorization/index.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { kmsClient } from './helpers/client.js';

/**
 * The authorization step of the call pipeline (#25 §3, §6–§8), with a stand-in for RAM's store: an
 * AccessKey that signs as a RAM user with the policies a test gives it.
 */
const ACCOUNT = '1234567890123456';
const USER_KEY = { accessKeyId: 'LTAIalice00000000001', secret: 'alice-secret' };

let emulator: Emulator;
afterEach(() => emulator?.close());

function custom(name: string, document: object): AttachedPolicy {
  return { name, type: 'Custom', policy: compilePolicy(document, 'Identity') };
}

async function setUp(policies: AttachedPolicy[], options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  emulator.credentials.add({
    accessKeyId: USER_KEY.accessKeyId,
    secret: USER_KEY.secret,
    accountId: ACCOUNT,
  });
  const caller: CallerPolicies = {
    principal: { type: 'SubUser', accountId: ACCOUNT, userName: 'alice', userId: '2000000000000001' },
    identityPolicies: policies,
  };
  emulator.callerPolicies = (principal) =>
    principal.accessKeyId === USER_KEY.accessKeyId ? caller : undefined;
  const root = kmsClient(emulator);
  const keyId = (await root.call('CreateKey', {})).KeyMetadata.KeyId as string;
  const blob = (await root.call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob as string;
  return { keyId, blob, caller };
}

const asUser = (action: string, params: Record<string, string>) =>
  callRpc(emulator.url, action, params, { accessKeyId: USER_KEY.accessKeyId, secret: USER_KEY.secret });

describe('authorization of a RAM user on KMS', () => {
  it('denies without a policy, with the AccessDeniedDetail the cloud sends; the root pair is never denied', async () => {
    const { keyId, blob } = await setUp([]);
    const denied = await asUser('Decrypt', { CiphertextBlob: blob });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      Code: 'Forbidden.NoPermission',
      Message: 'This operation is forbidden by permission system.',
      AccessDeniedDetail: {
        AuthAction: 'kms:Decrypt',
        AuthPrincipalType: 'SubUser',
        AuthPrincipalOwnerId: ACCOUNT,
        NoPermissionType: 'ImplicitDeny',
        PolicyType: 'AccountLevelIdentityBasedPolicy',
      },
    });
    expect(typeof (denied.body.AccessDeniedDetail as Record<string, unknown>).EncodedDiagnosticMessage).toBe(
      'string',
    );
    // The root pair of the account: unchanged.
    expect((await kmsClient(emulator).call('Decrypt', { CiphertextBlob: blob })).KeyId).toBe(keyId);
    // DescribeRegions checks nothing.
    expect((await asUser('DescribeRegions', {})).status).toBe(200);
  });

  it('allows what a custom policy allows, and an explicit Deny wins over AliyunKMSFullAccess', async () => {
    const { keyId, blob } = await setUp([
      custom('decrypt-one-key', {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `acs:kms:*:${ACCOUNT}:key/${'*'}` }],
      }),
    ]);
    const opened = await asUser('Decrypt', { CiphertextBlob: blob });
    expect(opened.status).toBe(200);
    expect(opened.body.KeyId).toBe(keyId);
    // Encrypt is another action.
    expect((await asUser('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).body.Code).toBe(
      'Forbidden.NoPermission',
    );

    await emulator.close();
    const full = attachedSystemPolicy('AliyunKMSFullAccess') as AttachedPolicy;
    const again = await setUp([
      full,
      custom('no-decrypt', {
        Version: '1',
        Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }],
      }),
    ]);
    const explicit = await asUser('Decrypt', { CiphertextBlob: again.blob });
    expect(explicit.status).toBe(403);
    expect((explicit.body.AccessDeniedDetail as Record<string, string>).NoPermissionType).toBe(
      'ExplicitDeny',
    );
    expect((await asUser('Encrypt', { KeyId: again.keyId, Plaintext: 'aGk=' })).status).toBe(200);
  });

  it('conditions decide: source address, the virtual clock, the key tags', async () => {
    const { keyId, blob } = await setUp([
      custom('office-hours-tagged', {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: {
              IpAddress: { 'acs:SourceIp': '10.0.0.0/8' },
              DateLessThan: { 'acs:CurrentTime': '2030-01-01T00:00:00Z' },
              StringEquals: { 'kms:tag/team': 'orders' },
            },
          },
        ],
      }),
    ]);
    const root = kmsClient(emulator);
    await root.call('TagResource', {
      KeyId: keyId,
      Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'orders' }]),
    });
    // The connection is 127.0.0.1: outside 10.0.0.0/8.
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(403);
    emulator.options.sourceIp = '10.1.2.3';
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(200);
    // Past the date on the virtual clock.
    await request(emulator.app).post('/_emulator/clock').send({ set: '2030-06-01T00:00:00Z' }).expect(200);
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(403);
    await request(emulator.app).post('/_emulator/clock').send({ set: '2029-06-01T00:00:00Z' }).expect(200);
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(200);
    await root.call('UntagResource', { KeyId: keyId, TagKeys: JSON.stringify(['team']) });
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(403);
  });

  it('audit mode lets the call through and records the would-be denial; the simulator explains; suggest proposes', async () => {
    const { keyId, blob } = await setUp([], { authorization: 'audit' });
    const through = await asUser('Decrypt', { CiphertextBlob: blob });
    expect(through.status).toBe(200);
    const audit = await request(emulator.app).get(
      `/_emulator/audit?action=Decrypt&principal=${USER_KEY.accessKeyId}`,
    );
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0]).toMatchObject({
      code: 'Success',
      denied: 'ImplicitDeny',
      authorization: {
        decision: 'ImplicitDeny',
        action: 'kms:Decrypt',
        resource: expect.stringContaining(`key/${keyId}`),
      },
    });
    const simulated = await request(emulator.app)
      .post('/_emulator/authorize')
      .send({
        accessKeyId: USER_KEY.accessKeyId,
        action: 'kms:Decrypt',
        resource: `acs:kms:cn-hangzhou:${ACCOUNT}:key/${keyId}`,
      })
      .expect(200);
    expect(simulated.body).toMatchObject({
      decision: 'ImplicitDeny',
      principal: { type: 'SubUser', userName: 'alice' },
    });
    const suggest = await request(emulator.app)
      .get(`/_emulator/authorize/suggest?accessKeyId=${USER_KEY.accessKeyId}`)
      .expect(200);
    expect(suggest.body.policy).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`acs:kms:cn-hangzhou:${ACCOUNT}:key/${keyId}`],
        },
      ],
    });
    // The root pair, asked of the simulator: the account itself.
    const root = await request(emulator.app)
      .post('/_emulator/authorize')
      .send({ accessKeyId: 'LTAIEmulatorAccessKeyId', action: 'kms:Decrypt', resource: '*' })
      .expect(200);
    expect(root.body.decision).toBe('Allow');
  });

  it('off mode evaluates nothing; a dry run without permission answers AccessDeniedError', async () => {
    const { blob } = await setUp([]);
    const dry = await asUser('Decrypt', { CiphertextBlob: blob, DryRun: 'true' });
    expect(dry.body.Code).toBe('AccessDeniedError');
    emulator.authorizer.mode = 'off';
    expect((await asUser('Decrypt', { CiphertextBlob: blob })).status).toBe(200);
  });

  it('AliyunKMSSecretUserAccess reads a secret but not one under a key it may not Decrypt', async () => {
    const { keyId } = await setUp([
      attachedSystemPolicy('AliyunKMSSecretUserAccess') as AttachedPolicy,
      custom('no-decrypt-with-that-key', {
        Version: '1',
        Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: `acs:kms:*:*:key/${'*'}` }],
      }),
    ]);
    const root = kmsClient(emulator);
    await root.call('CreateSecret', { SecretName: 'plain', SecretData: 'v', VersionId: 'v1' });
    await root.call('CreateSecret', {
      SecretName: 'under-key',
      SecretData: 'v',
      VersionId: 'v1',
      EncryptionKeyId: keyId,
    });
    expect((await asUser('GetSecretValue', { SecretName: 'plain' })).status).toBe(200);
    const refused = await asUser('GetSecretValue', { SecretName: 'under-key' });
    expect(refused.status).toBe(403);
    expect((refused.body.AccessDeniedDetail as Record<string, string>).AuthAction).toBe('kms:Decrypt');
  });
});
