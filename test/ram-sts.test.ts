import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc, type RpcResponse } from '../src/testkit/rpc-client.js';
import { checkBody, type SdkModels } from './contract/model-check.js';
import { advance, type Body } from './helpers/client.js';
import { v3Request } from './helpers/rpc.js';

/**
 * RAM (2015-05-01) and STS (2015-04-01) on the KMS listeners (#25 §1): their operations persist
 * in the domain, a key made through RAM signs the next request, an STS session signs with its
 * token until the virtual clock passes its expiry; every answer is checked against the SDK models.
 */
const RAM = '2015-05-01';
const STS = '2015-04-01';
const ACCOUNT = '1234567890123456';

const models = {
  [RAM]: JSON.parse(
    readFileSync(resolve(import.meta.dirname, '..', 'spec', 'ram-2015-05-01.sdk-models.json'), 'utf8'),
  ) as SdkModels,
  [STS]: JSON.parse(
    readFileSync(resolve(import.meta.dirname, '..', 'spec', 'sts-2015-04-01.sdk-models.json'), 'utf8'),
  ) as SdkModels,
};

let emulator: Emulator;
/** Every successful RAM/STS answer, checked against its SDK model at the end. */
const answered: { version: string; action: string; body: Body }[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

type Signer = { accessKeyId?: string; secret?: string; securityToken?: string };

async function call(
  version: string,
  action: string,
  params: Record<string, string> = {},
  as: Signer = {},
): Promise<RpcResponse> {
  const res = await callRpc(
    emulator.url,
    action,
    as.securityToken === undefined ? params : { ...params, SecurityToken: as.securityToken },
    { version, accessKeyId: as.accessKeyId, secret: as.secret },
  );
  if (res.status === 200) answered.push({ version, action, body: res.body });
  return res;
}
const ram = (action: string, params: Record<string, string> = {}, as: Signer = {}) =>
  call(RAM, action, params, as);
const sts = (action: string, params: Record<string, string> = {}, as: Signer = {}) =>
  call(STS, action, params, as);

async function ok(res: Promise<RpcResponse>): Promise<Body> {
  const { status, body } = await res;
  expect(body.Code, JSON.stringify(body)).toBeUndefined();
  expect(status).toBe(200);
  return body;
}
async function fails(res: Promise<RpcResponse>): Promise<{ status: number; code: string }> {
  const { status, body } = await res;
  return { status, code: String(body.Code) };
}

const trust = (...principals: string[]) =>
  JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: principals } }],
  });
const kmsDecryptPolicy = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['*'] }],
});

describe('RAM users and AccessKeys', () => {
  it('a key made by CreateAccessKey signs the next request as that user; Inactive or deleted refuses it at once', async () => {
    const created = await ok(ram('CreateUser', { UserName: 'alice', DisplayName: 'Alice A.' }));
    expect(created.User).toMatchObject({ UserName: 'alice', DisplayName: 'Alice A.' });
    expect(created.User.UserId).toMatch(/^\d{16}$/);
    expect(await fails(ram('CreateUser', { UserName: 'alice' }))).toEqual({
      status: 409,
      code: 'EntityAlreadyExists.User',
    });
    expect((await fails(ram('CreateUser', { UserName: 'bad name!' }))).code).toBe(
      'InvalidParameter.UserName.InvalidChars',
    );

    const key = (await ok(ram('CreateAccessKey', { UserName: 'alice' }))).AccessKey;
    expect(key).toMatchObject({ Status: 'Active' });
    expect(key.AccessKeyId).toMatch(/^LTAI/);
    const alice = { accessKeyId: key.AccessKeyId, secret: key.AccessKeySecret };
    const me = await ok(sts('GetCallerIdentity', {}, alice));
    expect(me).toMatchObject({
      IdentityType: 'RAMUser',
      AccountId: ACCOUNT,
      UserId: created.User.UserId,
      PrincipalId: created.User.UserId,
      Arn: `acs:ram::${ACCOUNT}:user/alice`,
    });
    // The same key works on KMS (same listener, Version picks the product).
    expect((await callRpc(emulator.url, 'DescribeRegions', {}, alice)).status).toBe(200);

    await ok(
      ram('UpdateAccessKey', { UserName: 'alice', UserAccessKeyId: key.AccessKeyId, Status: 'Inactive' }),
    );
    expect(await fails(sts('GetCallerIdentity', {}, alice))).toEqual({
      status: 400,
      code: 'InvalidAccessKeyId.Inactive',
    });
    const listed = await ok(ram('ListAccessKeys', { UserName: 'alice' }));
    expect(listed.AccessKeys.AccessKey).toEqual([
      expect.objectContaining({ AccessKeyId: key.AccessKeyId, Status: 'Inactive' }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(key.AccessKeySecret);
    await ok(
      ram('UpdateAccessKey', { UserName: 'alice', UserAccessKeyId: key.AccessKeyId, Status: 'Active' }),
    );
    expect((await sts('GetCallerIdentity', {}, alice)).status).toBe(200);

    // Two keys per user; a user with keys cannot be deleted.
    const second = (await ok(ram('CreateAccessKey', { UserName: 'alice' }))).AccessKey;
    expect(await fails(ram('CreateAccessKey', { UserName: 'alice' }))).toEqual({
      status: 409,
      code: 'LimitExceeded.User.AccessKey',
    });
    // A RAM user calling CreateAccessKey without UserName acts on itself — once a policy lets it.
    expect(await fails(ram('CreateAccessKey', {}, alice))).toEqual({ status: 403, code: 'NoPermission' });
    await ok(
      ram('CreatePolicy', {
        PolicyName: 'own-keys',
        PolicyDocument: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'ram:CreateAccessKey', Resource: '*' }],
        }),
      }),
    );
    await ok(ram('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: 'own-keys', UserName: 'alice' }));
    expect((await fails(ram('CreateAccessKey', {}, alice))).code).toBe('LimitExceeded.User.AccessKey');
    await ok(
      ram('DetachPolicyFromUser', { PolicyType: 'Custom', PolicyName: 'own-keys', UserName: 'alice' }),
    );
    expect(await fails(ram('DeleteUser', { UserName: 'alice' }))).toEqual({
      status: 409,
      code: 'DeleteConflict.User.AccessKey',
    });
    await ok(ram('DeleteAccessKey', { UserName: 'alice', UserAccessKeyId: second.AccessKeyId }));
    expect(
      (
        await fails(
          sts('GetCallerIdentity', {}, { accessKeyId: second.AccessKeyId, secret: second.AccessKeySecret }),
        )
      ).code,
    ).toBe('InvalidAccessKeyId.NotFound');
    expect(
      (await fails(ram('DeleteAccessKey', { UserName: 'alice', UserAccessKeyId: second.AccessKeyId }))).code,
    ).toBe('EntityNotExist.User.AccessKey');

    // Renamed, the user keeps its key, which now signs under the new name.
    const renamed = await ok(
      ram('UpdateUser', { UserName: 'alice', NewUserName: 'alice2', NewDisplayName: 'Alice' }),
    );
    expect(renamed.User).toMatchObject({
      UserName: 'alice2',
      DisplayName: 'Alice',
      UserId: created.User.UserId,
    });
    expect((await ok(sts('GetCallerIdentity', {}, alice))).Arn).toBe(`acs:ram::${ACCOUNT}:user/alice2`);
    expect((await ok(ram('GetUser', { UserName: 'alice2' }))).User.UpdateDate).toMatch(/Z$/);
    expect((await fails(ram('GetUser', { UserName: 'alice' }))).code).toBe('EntityNotExist.User');
    const users = await ok(ram('ListUsers'));
    expect(users.Users.User.map((u: Body) => u.UserName)).toContain('alice2');
    expect(users.IsTruncated).toBe(false);
  });

  it('pages ListUsers with MaxItems and Marker', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await ok(ram('CreateUser', { UserName: name }));
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const res = await ok(ram('ListUsers', { MaxItems: '2', ...(marker ? { Marker: marker } : {}) }));
      names.push(...res.Users.User.map((u: Body) => u.UserName));
      marker = res.IsTruncated ? res.Marker : undefined;
      if (res.IsTruncated) expect(res.Users.User).toHaveLength(2);
    } while (marker);
    expect(names).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['page-a', 'page-b', 'page-c']) await ok(ram('DeleteUser', { UserName: name }));
  });
});

describe('RAM policies, versions and attachments', () => {
  it('custom and system policies attach to users, groups and roles, and refuse what RAM refuses', async () => {
    await ok(ram('CreateUser', { UserName: 'bob' }));
    expect(await fails(ram('CreatePolicy', { PolicyName: 'broken', PolicyDocument: '{"Version":' }))).toEqual(
      {
        status: 400,
        code: 'MalformedPolicyDocument',
      },
    );
    expect(
      (await fails(ram('CreatePolicy', { PolicyName: 'nostatement', PolicyDocument: '{"Version":"1"}' })))
        .code,
    ).toBe('MalformedPolicyDocument');
    const policy = await ok(
      ram('CreatePolicy', {
        PolicyName: 'kms-decrypt',
        PolicyDocument: kmsDecryptPolicy,
        Description: 'decrypt only',
      }),
    );
    expect(policy.Policy).toMatchObject({
      PolicyName: 'kms-decrypt',
      PolicyType: 'Custom',
      DefaultVersion: 'v1',
    });
    expect(
      (await fails(ram('CreatePolicy', { PolicyName: 'kms-decrypt', PolicyDocument: kmsDecryptPolicy })))
        .code,
    ).toBe('EntityAlreadyExists.Policy');
    expect(
      (
        await ok(
          ram('UpdatePolicyDescription', {
            PolicyName: 'kms-decrypt',
            NewDescription: 'Decrypt, nothing else',
          }),
        )
      ).Policy.Description,
    ).toBe('Decrypt, nothing else');

    const system = await ok(ram('ListPolicies', { PolicyType: 'System', MaxItems: '1000' }));
    const names = system.Policies.Policy.map((p: Body) => p.PolicyName);
    expect(names).toEqual(
      expect.arrayContaining([
        'AdministratorAccess',
        'AliyunKMSFullAccess',
        'AliyunKMSSecretUserAccess',
        'AliyunKMSCryptoUserAccess',
      ]),
    );
    expect(system.Policies.Policy.every((p: Body) => p.PolicyType === 'System')).toBe(true);
    const full = await ok(ram('GetPolicy', { PolicyName: 'AliyunKMSFullAccess', PolicyType: 'System' }));
    expect(JSON.parse(full.DefaultPolicyVersion.PolicyDocument).Statement[0]).toMatchObject({
      Action: 'kms:*',
    });

    await ok(ram('AttachPolicyToUser', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', UserName: 'bob' }));
    await ok(
      ram('AttachPolicyToUser', {
        PolicyName: 'AliyunKMSSecretUserAccess',
        PolicyType: 'System',
        UserName: 'bob',
      }),
    );
    expect(
      await fails(
        ram('AttachPolicyToUser', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', UserName: 'bob' }),
      ),
    ).toEqual({
      status: 409,
      code: 'EntityAlreadyExists.User.Policy',
    });
    expect(
      (await fails(ram('AttachPolicyToUser', { PolicyName: 'nope', PolicyType: 'Custom', UserName: 'bob' })))
        .code,
    ).toBe('EntityNotExist.Policy');
    expect(
      (
        await fails(
          ram('AttachPolicyToUser', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', UserName: 'nobody' }),
        )
      ).code,
    ).toBe('EntityNotExist.User');
    const forBob = await ok(ram('ListPoliciesForUser', { UserName: 'bob' }));
    expect(forBob.Policies.Policy.map((p: Body) => `${p.PolicyType}:${p.PolicyName}`).sort()).toEqual([
      'Custom:kms-decrypt',
      'System:AliyunKMSSecretUserAccess',
    ]);
    expect(
      (await ok(ram('GetPolicy', { PolicyName: 'kms-decrypt', PolicyType: 'Custom' }))).Policy
        .AttachmentCount,
    ).toBe(1);

    // Groups.
    await ok(ram('CreateGroup', { GroupName: 'ops', Comments: 'operators' }));
    await ok(ram('AddUserToGroup', { GroupName: 'ops', UserName: 'bob' }));
    await ok(
      ram('AttachPolicyToGroup', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', GroupName: 'ops' }),
    );
    expect((await ok(ram('ListGroupsForUser', { UserName: 'bob' }))).Groups.Group).toEqual([
      expect.objectContaining({ GroupName: 'ops', Comments: 'operators' }),
    ]);
    expect((await ok(ram('ListPoliciesForGroup', { GroupName: 'ops' }))).Policies.Policy).toHaveLength(1);
    expect((await ok(ram('GetGroup', { GroupName: 'ops' }))).Group.GroupName).toBe('ops');
    expect((await ok(ram('ListUsersForGroup', { GroupName: 'ops' }))).Users.User).toEqual([
      expect.objectContaining({ UserName: 'bob' }),
    ]);
    expect((await ok(ram('ListGroups'))).Groups.Group.map((g: Body) => g.GroupName)).toContain('ops');
    const renamedGroup = await ok(
      ram('UpdateGroup', { GroupName: 'ops', NewGroupName: 'operators', NewComments: 'ops team' }),
    );
    expect(renamedGroup.Group).toMatchObject({ GroupName: 'operators', Comments: 'ops team' });
    expect((await ok(ram('ListPoliciesForGroup', { GroupName: 'operators' }))).Policies.Policy).toHaveLength(
      1,
    );
    await ok(ram('UpdateGroup', { GroupName: 'operators', NewGroupName: 'ops' }));
    expect((await fails(ram('DeleteUser', { UserName: 'bob' }))).code).toBe('DeleteConflict.User.Group');
    expect((await fails(ram('DeleteGroup', { GroupName: 'ops' }))).code).toBe('DeleteConflict.Group.User');

    // Roles.
    const role = await ok(
      ram('CreateRole', {
        RoleName: 'KmsReader',
        AssumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:root`),
      }),
    );
    expect(role.Role).toMatchObject({
      RoleName: 'KmsReader',
      Arn: `acs:ram::${ACCOUNT}:role/kmsreader`,
      MaxSessionDuration: 3600,
    });
    await ok(
      ram('AttachPolicyToRole', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', RoleName: 'KmsReader' }),
    );
    const entities = await ok(
      ram('ListEntitiesForPolicy', { PolicyName: 'kms-decrypt', PolicyType: 'Custom' }),
    );
    expect(entities.Users.User.map((u: Body) => u.UserName)).toEqual(['bob']);
    expect(entities.Groups.Group.map((g: Body) => g.GroupName)).toEqual(['ops']);
    expect(entities.Roles.Role.map((r: Body) => r.RoleName)).toEqual(['KmsReader']);
    expect((await ok(ram('ListPoliciesForRole', { RoleName: 'KmsReader' }))).Policies.Policy).toHaveLength(1);
    expect((await fails(ram('DeleteRole', { RoleName: 'KmsReader' }))).code).toBe(
      'DeleteConflict.Role.Policy',
    );
    expect(await fails(ram('DeletePolicy', { PolicyName: 'kms-decrypt' }))).toEqual({
      status: 409,
      code: 'DeleteConflict.Policy.User',
    });

    // Versions.
    const v2 = await ok(
      ram('CreatePolicyVersion', {
        PolicyName: 'kms-decrypt',
        PolicyDocument: kmsDecryptPolicy,
        SetAsDefault: 'true',
      }),
    );
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true });
    expect(
      (await fails(ram('DeletePolicyVersion', { PolicyName: 'kms-decrypt', VersionId: 'v2' }))).code,
    ).toBe('DeleteConflict.PolicyVersion.Default');
    await ok(ram('SetDefaultPolicyVersion', { PolicyName: 'kms-decrypt', VersionId: 'v1' }));
    expect(
      (
        await ok(
          ram('GetPolicyVersion', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', VersionId: 'v1' }),
        )
      ).PolicyVersion,
    ).toMatchObject({
      IsDefaultVersion: true,
      PolicyDocument: kmsDecryptPolicy,
    });
    const versions = await ok(ram('ListPolicyVersions', { PolicyName: 'kms-decrypt', PolicyType: 'Custom' }));
    expect(versions.PolicyVersions.PolicyVersion.map((v: Body) => [v.VersionId, v.IsDefaultVersion])).toEqual(
      [
        ['v1', true],
        ['v2', false],
      ],
    );
    await ok(ram('DeletePolicyVersion', { PolicyName: 'kms-decrypt', VersionId: 'v2' }));
    for (let i = 0; i < 4; i++)
      await ok(ram('CreatePolicyVersion', { PolicyName: 'kms-decrypt', PolicyDocument: kmsDecryptPolicy }));
    expect(
      await fails(
        ram('CreatePolicyVersion', { PolicyName: 'kms-decrypt', PolicyDocument: kmsDecryptPolicy }),
      ),
    ).toEqual({
      status: 409,
      code: 'LimitExceeded.Policy.Version',
    });

    // Taking it all apart again.
    await ok(
      ram('DetachPolicyFromUser', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', UserName: 'bob' }),
    );
    expect(
      (
        await fails(
          ram('DetachPolicyFromUser', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', UserName: 'bob' }),
        )
      ).code,
    ).toBe('EntityNotExist.User.Policy');
    await ok(
      ram('DetachPolicyFromUser', {
        PolicyName: 'AliyunKMSSecretUserAccess',
        PolicyType: 'System',
        UserName: 'bob',
      }),
    );
    await ok(
      ram('DetachPolicyFromGroup', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', GroupName: 'ops' }),
    );
    await ok(
      ram('DetachPolicyFromRole', { PolicyName: 'kms-decrypt', PolicyType: 'Custom', RoleName: 'KmsReader' }),
    );
    await ok(ram('RemoveUserFromGroup', { GroupName: 'ops', UserName: 'bob' }));
    await ok(ram('DeleteGroup', { GroupName: 'ops' }));
    await ok(ram('DeletePolicy', { PolicyName: 'kms-decrypt', CascadingDelete: 'true' }));
    expect((await fails(ram('GetPolicy', { PolicyName: 'kms-decrypt', PolicyType: 'Custom' }))).code).toBe(
      'EntityNotExist.Policy',
    );
    await ok(ram('DeleteUser', { UserName: 'bob' }));
    await ok(ram('DeleteRole', { RoleName: 'KmsReader' }));
  });

  it('roles: UpdateRole, GetRole, ListRoles, MaxSessionDuration bounds', async () => {
    expect((await fails(ram('CreateRole', { RoleName: 'r0', AssumeRolePolicyDocument: 'nope' }))).code).toBe(
      'MalformedPolicyDocument',
    );
    expect(
      (
        await fails(
          ram('CreateRole', {
            RoleName: 'r0',
            AssumeRolePolicyDocument: trust(ACCOUNT),
            MaxSessionDuration: '60',
          }),
        )
      ).code,
    ).toBe('InvalidParameter.MaxSessionDuration');
    await ok(
      ram('CreateRole', { RoleName: 'Lister', AssumeRolePolicyDocument: trust(ACCOUNT), Description: 'd' }),
    );
    const updated = await ok(
      ram('UpdateRole', { RoleName: 'Lister', NewMaxSessionDuration: '7200', NewDescription: 'listed' }),
    );
    expect(updated.Role).toMatchObject({ MaxSessionDuration: 7200, Description: 'listed' });
    expect((await ok(ram('GetRole', { RoleName: 'Lister' }))).Role.AssumeRolePolicyDocument).toBe(
      trust(ACCOUNT),
    );
    const roles = await ok(ram('ListRoles'));
    expect(roles.Roles.Role.map((r: Body) => r.RoleName)).toContain('Lister');
    expect((await fails(ram('GetRole', { RoleName: 'Missing' }))).code).toBe('EntityNotExist.Role');
  });
});

describe('STS', () => {
  it('AssumeRole gives a session that signs (V1 and V3) as role/<name>/<session> until the virtual clock passes its Expiration', async () => {
    await ok(
      ram('CreateRole', {
        RoleName: 'Deployer',
        AssumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:root`),
      }),
    );
    const arn = `acs:ram::${ACCOUNT}:role/deployer`;
    expect(
      await fails(sts('AssumeRole', { RoleArn: `acs:ram::${ACCOUNT}:role/nosuch`, RoleSessionName: 's1' })),
    ).toEqual({
      status: 404,
      code: 'EntityNotExist.Role',
    });
    expect(
      (await fails(sts('AssumeRole', { RoleArn: 'arn:aws:iam::1:role/x', RoleSessionName: 's1' }))).code,
    ).toBe('InvalidParameter.RoleArn');
    expect((await fails(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 'bad name' }))).code).toBe(
      'InvalidParameter.RoleSessionName',
    );
    expect(
      (await fails(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 's1', DurationSeconds: '899' }))).code,
    ).toBe('InvalidParameter.DurationSeconds');
    expect(
      (await fails(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 's1', DurationSeconds: '3601' }))).code,
    ).toBe('InvalidParameter.DurationSeconds');
    expect(
      (await fails(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 's1', Policy: '{not json' }))).code,
    ).toBe('InvalidParameter.PolicyGrammar');

    const assumed = await ok(
      sts('AssumeRole', {
        RoleArn: arn,
        RoleSessionName: 'ci-run',
        DurationSeconds: '900',
        Policy: kmsDecryptPolicy,
      }),
    );
    const role = (await ok(ram('GetRole', { RoleName: 'Deployer' }))).Role;
    expect(assumed.AssumedRoleUser).toEqual({ Arn: `${arn}/ci-run`, AssumedRoleId: `${role.RoleId}:ci-run` });
    const creds = assumed.Credentials;
    expect(creds.AccessKeyId).toMatch(/^STS\./);
    expect(creds.SecurityToken).toMatch(/^CAIS/);
    const now = emulator.world.clock.now();
    expect(Date.parse(creds.Expiration) - now).toBeGreaterThan(899_000);
    expect(Date.parse(creds.Expiration) - now).toBeLessThanOrEqual(900_000);
    expect(emulator.world.identities.session(creds.AccessKeyId)?.policy).toBe(kmsDecryptPolicy);

    const session = {
      accessKeyId: creds.AccessKeyId,
      secret: creds.AccessKeySecret,
      securityToken: creds.SecurityToken,
    };
    const me = await ok(sts('GetCallerIdentity', {}, session));
    expect(me).toMatchObject({
      IdentityType: 'AssumedRoleUser',
      AccountId: ACCOUNT,
      RoleId: role.RoleId,
      PrincipalId: `${role.RoleId}:ci-run`,
      Arn: `${arn}/ci-run`,
    });
    expect(me.UserId).toBeUndefined();

    // V3: the token travels in x-acs-security-token, signed with the other headers.
    const host = new URL(emulator.url).host;
    const v3 = (securityToken?: string) => {
      const signed = v3Request(
        'GetCallerIdentity',
        {},
        {
          host,
          version: STS,
          accessKeyId: creds.AccessKeyId,
          secret: creds.AccessKeySecret,
          securityToken,
        },
      );
      return fetch(`${emulator.url}${signed.path}`, { method: 'POST', headers: signed.headers }).then(
        async (r) => ({
          status: r.status,
          body: (await r.json()) as Body,
        }),
      );
    };
    expect((await v3(creds.SecurityToken)).body.IdentityType).toBe('AssumedRoleUser');
    expect((await v3(undefined)).body.Code).toBe('MissingSecurityToken');
    expect(
      (await fails(sts('GetCallerIdentity', {}, { ...session, securityToken: 'garbled!token' }))).code,
    ).toBe('InvalidSecurityToken.Malformed');
    const other = await ok(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 'other' }));
    expect(
      (
        await fails(
          sts('GetCallerIdentity', {}, { ...session, securityToken: other.Credentials.SecurityToken }),
        )
      ).code,
    ).toBe('InvalidSecurityToken.MismatchWithAccessKey');
    // The session works on KMS too.
    expect(
      (await callRpc(emulator.url, 'DescribeRegions', { SecurityToken: creds.SecurityToken }, session))
        .status,
    ).toBe(200);

    await advance(emulator, '14m');
    expect((await sts('GetCallerIdentity', {}, session)).status).toBe(200);
    await advance(emulator, '2m');
    expect(await fails(sts('GetCallerIdentity', {}, session))).toEqual({
      status: 400,
      code: 'InvalidSecurityToken.Expired',
    });
    expect((await v3(creds.SecurityToken)).body.Code).toBe('InvalidSecurityToken.Expired');
    // A day later the next AssumeRole forgets the expired session: its key is then unknown.
    await advance(emulator, '25h');
    await ok(sts('AssumeRole', { RoleArn: arn, RoleSessionName: 'later' }));
    expect((await fails(sts('GetCallerIdentity', {}, session))).code).toBe('InvalidAccessKeyId.NotFound');
  });

  it("refuses a role whose trust policy does not name the caller's account or user, and admits a named RAM user", async () => {
    await ok(
      ram('CreateRole', {
        RoleName: 'Foreign',
        AssumeRolePolicyDocument: trust('acs:ram::9999999999999999:root'),
      }),
    );
    expect(
      await fails(sts('AssumeRole', { RoleArn: `acs:ram::${ACCOUNT}:role/foreign`, RoleSessionName: 's1' })),
    ).toEqual({
      status: 403,
      code: 'NoPermission',
    });
    await ok(ram('CreateUser', { UserName: 'carol' }));
    const key = (await ok(ram('CreateAccessKey', { UserName: 'carol' }))).AccessKey;
    const carol = { accessKeyId: key.AccessKeyId, secret: key.AccessKeySecret };
    // Carol may assume roles (sts:AssumeRole); a role's trust policy must also name her.
    await ok(
      ram('AttachPolicyToUser', {
        PolicyType: 'System',
        PolicyName: 'AliyunSTSAssumeRoleAccess',
        UserName: 'carol',
      }),
    );
    await ok(
      ram('CreateRole', {
        RoleName: 'ForCarol',
        AssumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:user/carol`),
      }),
    );
    const assumed = await ok(
      sts('AssumeRole', { RoleArn: `acs:ram::${ACCOUNT}:role/forcarol`, RoleSessionName: 'carol' }, carol),
    );
    expect(assumed.AssumedRoleUser.Arn).toBe(`acs:ram::${ACCOUNT}:role/forcarol/carol`);
    // The root is not named by that trust policy.
    expect(
      (
        await fails(
          sts('AssumeRole', { RoleArn: `acs:ram::${ACCOUNT}:role/forcarol`, RoleSessionName: 'root' }),
        )
      ).code,
    ).toBe('NoPermission');
    expect((await ok(sts('GetCallerIdentity'))).IdentityType).toBe('Account');
  });
});

describe('RAM login profiles', () => {
  it('Create/Get/Update/DeleteLoginProfile answer the flags (test/ram-terraform.test.ts has the errors)', async () => {
    await ok(ram('CreateUser', { UserName: 'console-user' }));
    const created = await ok(
      ram('CreateLoginProfile', { UserName: 'console-user', Password: 'Console#Passw0rd' }),
    );
    expect(created.LoginProfile).toMatchObject({
      UserName: 'console-user',
      PasswordResetRequired: false,
      MFABindRequired: false,
    });
    await ok(ram('UpdateLoginProfile', { UserName: 'console-user', PasswordResetRequired: 'true' }));
    expect((await ok(ram('GetLoginProfile', { UserName: 'console-user' }))).LoginProfile).toMatchObject({
      PasswordResetRequired: true,
    });
    await ok(ram('DeleteLoginProfile', { UserName: 'console-user' }));
    await ok(ram('DeleteUser', { UserName: 'console-user' }));
  });
});

/** Implemented operations that never answer success here: no MFA device is emulated. */
const ONLY_ERRORS = new Set(['UnbindMFADevice']);

describe('contract: RAM and STS answers are their SDK response models', () => {
  it('every answer above has only model fields, of the model types, and every implemented operation answered', () => {
    const problems = answered.flatMap(({ version, action, body }) => {
      const model = models[version as typeof RAM]?.operations[action]?.response;
      if (!model) return [`${version} ${action}: no SDK model`];
      return checkBody(body, model).problems.map((p) => `${version} ${action}: ${p}`);
    });
    expect(problems).toEqual([]);
    for (const product of [emulator.products.forVersion(RAM), emulator.products.forVersion(STS)]) {
      const seen = new Set(answered.filter((a) => a.version === product?.version).map((a) => a.action));
      const missing = (product?.implementedOperations() ?? []).filter(
        (name) => !seen.has(name) && !ONLY_ERRORS.has(name),
      );
      expect(missing, `${product?.label} operations no test answered`).toEqual([]);
    }
  });
});
