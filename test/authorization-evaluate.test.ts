import { describe, expect, it } from 'vitest';
import {
  type AttachedPolicy,
  accessDeniedDetail,
  assumedRoleArn,
  attachedSystemPolicy,
  compilePolicy,
  decodeDiagnosticMessage,
  evaluate,
  kmsAliasArn,
  kmsContainerArn,
  kmsInstanceArn,
  kmsKeyArn,
  kmsSecretArn,
  NO_PERMISSION,
  type PolicyDocumentKind,
  type PolicyType,
  type Principal,
  parseArn,
  principalArn,
  ramGroupArn,
  ramPolicyArn,
  ramRoleArn,
  ramUserArn,
  SYSTEM_POLICIES,
  systemPolicy,
} from '../src/domain/authorization/index.js';

const OWNER = '1111';
const OTHER = '2222';
const REGION = 'cn-hangzhou';
const KEY = kmsKeyArn(REGION, OWNER, 'key-1');
const CONTEXT = { currentTime: Date.parse('2026-12-06T00:00:00Z') };

const alice: Principal = { type: 'SubUser', accountId: OWNER, userName: 'alice', userId: '2000001' };
const bob: Principal = { type: 'SubUser', accountId: OTHER, userName: 'bob', userId: '2000002' };
const session: Principal = { type: 'AssumedRoleUser', accountId: OWNER, roleName: 'app', sessionName: 's1' };

function attach(
  name: string,
  type: PolicyType,
  statements: object[],
  kind?: PolicyDocumentKind,
): AttachedPolicy {
  const documentKind: PolicyDocumentKind =
    kind ??
    (type === 'KeyPolicy'
      ? 'KeyPolicy'
      : type === 'SecretPolicy'
        ? 'SecretPolicy'
        : type === 'TrustPolicy'
          ? 'Trust'
          : type === 'SessionPolicy'
            ? 'Session'
            : 'Identity');
  return {
    name,
    type,
    policy: compilePolicy(JSON.stringify({ Version: '1', Statement: statements }), documentKind),
  };
}
const allowDecrypt = attach('allow-decrypt', 'Custom', [
  { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY },
]);
const denyDecrypt = attach('deny-decrypt', 'Custom', [
  { Effect: 'Deny', Action: 'kms:decrypt', Resource: '*' },
]);
const keyPolicyFor = (principals: string[], effect = 'Allow', action = 'kms:*') =>
  attach('default', 'KeyPolicy', [
    { Effect: effect, Principal: { RAM: principals }, Action: [action], Resource: ['*'] },
  ]);
const system = (name: string) => attachedSystemPolicy(name) as AttachedPolicy;

describe('evaluation: Alibaba’s order (facts §2)', () => {
  it('denies by default', () => {
    const decision = evaluate({ principal: alice, action: 'kms:Decrypt', resource: KEY, context: CONTEXT });
    expect(decision.decision).toBe('ImplicitDeny');
    expect(decision.policyType).toBe('AccountLevelIdentityBasedPolicy');
    expect(decision.matched).toEqual([]);
  });

  it('allows by an identity policy and says which statement', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt],
    });
    expect(decision.decision).toBe('Allow');
    expect(decision.matched).toEqual([
      { policy: 'allow-decrypt', policyType: 'Custom', statement: 0, effect: 'Allow' },
    ]);
    expect(decision.policyType).toBeUndefined();
  });

  it('matches actions case-insensitively and with wildcards', () => {
    const policy = attach('p', 'Custom', [
      { Effect: 'Allow', Action: ['KMS:DECRYPT', 'kms:Gen?rate*'], Resource: '*' },
    ]);
    const ask = (action: string) =>
      evaluate({ principal: alice, action, resource: KEY, context: CONTEXT, identityPolicies: [policy] })
        .decision;
    expect(ask('kms:Decrypt')).toBe('Allow');
    expect(ask('kms:GenerateDataKey')).toBe('Allow');
    expect(ask('kms:Encrypt')).toBe('ImplicitDeny');
  });

  it('an explicit Deny beats an Allow, whichever policy holds it', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt, system('AliyunKMSFullAccess'), denyDecrypt],
    });
    expect(decision.decision).toBe('ExplicitDeny');
    expect(decision.policyType).toBe('AccountLevelIdentityBasedPolicy');
    expect(decision.matched.map((m) => [m.policy, m.effect])).toEqual([
      ['allow-decrypt', 'Allow'],
      ['AliyunKMSFullAccess', 'Allow'],
      ['deny-decrypt', 'Deny'],
    ]);
  });

  it('an explicit Deny in a key policy beats an identity Allow, and the reverse', () => {
    const keyDeny = keyPolicyFor([ramUserArn(OWNER, 'alice')], 'Deny', 'kms:Decrypt');
    const byKeyPolicy = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt],
      resourcePolicy: keyDeny,
    });
    expect(byKeyPolicy.decision).toBe('ExplicitDeny');
    expect(byKeyPolicy.policyType).toBe('ResourceBasedPolicy');
    const byIdentity = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [denyDecrypt],
      resourcePolicy: keyPolicyFor([ramUserArn(OWNER, 'alice')]),
    });
    expect(byIdentity.decision).toBe('ExplicitDeny');
    expect(byIdentity.policyType).toBe('AccountLevelIdentityBasedPolicy');
  });

  it('a Deny naming only the account applies to its RAM users', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt],
      resourcePolicy: keyPolicyFor([`acs:ram::${OWNER}:root`], 'Deny'),
    });
    expect(decision.decision).toBe('ExplicitDeny');
  });

  it('lets the account itself (root) do anything on its own resources, never across accounts alone', () => {
    const root: Principal = { type: 'Account', accountId: OWNER };
    expect(
      evaluate({ principal: root, action: 'kms:Decrypt', resource: KEY, context: CONTEXT }).decision,
    ).toBe('Allow');
    const otherRoot: Principal = { type: 'Account', accountId: OTHER };
    expect(
      evaluate({ principal: otherRoot, action: 'kms:Decrypt', resource: KEY, context: CONTEXT }).decision,
    ).toBe('ImplicitDeny');
    expect(
      evaluate({
        principal: otherRoot,
        action: 'kms:Decrypt',
        resource: KEY,
        context: CONTEXT,
        resourcePolicy: keyPolicyFor([`acs:ram::${OTHER}:root`]),
      }).decision,
    ).toBe('Allow');
  });
});

describe('evaluation: key and secret policies with RAM policies (facts §5.3)', () => {
  const keyPolicyNamingAlice = keyPolicyFor([ramUserArn(OWNER, 'alice')]);

  it('same account: a key policy Allow alone suffices', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      resourcePolicy: keyPolicyNamingAlice,
    });
    expect(decision.decision).toBe('Allow');
    expect(decision.matched).toEqual([
      {
        policy: 'default',
        policyType: 'KeyPolicy',
        statement: 0,
        effect: 'Allow',
        principalMatch: 'Identity',
      },
    ]);
  });

  it('same account: a RAM policy Allow alone suffices', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt],
      resourcePolicy: keyPolicyFor([ramUserArn(OWNER, 'somebody-else')]),
    });
    expect(decision.decision).toBe('Allow');
  });

  it('across accounts: the key policy naming the user is not enough, nor is the user’s RAM policy; both are', () => {
    const keyPolicyNamingBob = keyPolicyFor([ramUserArn(OTHER, 'bob')]);
    const bobsPolicy = attach('bob-decrypt', 'Custom', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY },
    ]);
    const keyOnly = evaluate({
      principal: bob,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      resourcePolicy: keyPolicyNamingBob,
    });
    expect(keyOnly.decision).toBe('ImplicitDeny');
    expect(keyOnly.crossAccount).toBe(true);
    expect(keyOnly.policyType).toBe('AccountLevelIdentityBasedPolicy');
    const ramOnly = evaluate({
      principal: bob,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [bobsPolicy],
      resourcePolicy: keyPolicyFor([ramUserArn(OWNER, 'alice')]),
    });
    expect(ramOnly.decision).toBe('ImplicitDeny');
    expect(ramOnly.policyType).toBe('ResourceBasedPolicy');
    const noResourcePolicy = evaluate({
      principal: bob,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [bobsPolicy],
    });
    expect(noResourcePolicy.decision).toBe('ImplicitDeny');
    const both = evaluate({
      principal: bob,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [bobsPolicy],
      resourcePolicy: keyPolicyNamingBob,
    });
    expect(both.decision).toBe('Allow');
  });

  it('the owner is the resource’s account (its ARN), or the one given', () => {
    const secret = kmsSecretArn(REGION, OWNER, 'db/password');
    const policy = attach('p', 'Custom', [
      { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: secret },
    ]);
    const decision = evaluate({
      principal: alice,
      action: 'kms:GetSecretValue',
      resource: secret,
      resourceOwnerId: OTHER,
      context: CONTEXT,
      identityPolicies: [policy],
    });
    expect(decision.resourceOwnerId).toBe(OTHER);
    expect(decision.decision).toBe('ImplicitDeny');
  });

  describe('acs:ram::<uid>:* (facts §5.4, switchable)', () => {
    const defaultKeyPolicy = keyPolicyFor([`acs:ram::${OWNER}:*`]);
    it('AccountOnly (default): the default key policy alone does not admit a RAM user of the owner', () => {
      expect(
        evaluate({
          principal: alice,
          action: 'kms:Decrypt',
          resource: KEY,
          context: CONTEXT,
          resourcePolicy: defaultKeyPolicy,
        }).decision,
      ).toBe('ImplicitDeny');
    });
    it('AllIdentities: it does', () => {
      expect(
        evaluate(
          {
            principal: alice,
            action: 'kms:Decrypt',
            resource: KEY,
            context: CONTEXT,
            resourcePolicy: defaultKeyPolicy,
          },
          { accountWildcardPrincipal: 'AllIdentities' },
        ).decision,
      ).toBe('Allow');
    });
    it('AccountOnly: across accounts it delegates to the other account’s RAM policies', () => {
      const bobsPolicy = attach('bob', 'Custom', [
        { Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:key/*' },
      ]);
      const decision = evaluate({
        principal: bob,
        action: 'kms:Decrypt',
        resource: KEY,
        context: CONTEXT,
        identityPolicies: [bobsPolicy],
        resourcePolicy: keyPolicyFor([`acs:ram::${OTHER}:*`]),
      });
      expect(decision.decision).toBe('Allow');
      expect(decision.matched.at(-1)?.principalMatch).toBe('Account');
    });
  });

  it('a role named in a key policy covers its sessions', () => {
    const decision = evaluate({
      principal: session,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      resourcePolicy: keyPolicyFor([ramRoleArn(OWNER, 'app')]),
    });
    expect(decision.decision).toBe('Allow');
  });
});

describe('evaluation: sessions of assumed roles (facts §2 step 2, §7)', () => {
  const rolePolicies = [system('AliyunKMSFullAccess')];
  it('without a session policy the role’s policies apply', () => {
    expect(
      evaluate({
        principal: session,
        action: 'kms:Encrypt',
        resource: KEY,
        context: CONTEXT,
        identityPolicies: rolePolicies,
      }).decision,
    ).toBe('Allow');
  });
  it('a session policy narrows: it must allow too', () => {
    const sessionPolicy = attach('session', 'SessionPolicy', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
    ]);
    const ask = (action: string) =>
      evaluate({
        principal: session,
        action,
        resource: KEY,
        context: CONTEXT,
        identityPolicies: rolePolicies,
        sessionPolicy,
      });
    expect(ask('kms:Decrypt').decision).toBe('Allow');
    const encrypt = ask('kms:Encrypt');
    expect(encrypt.decision).toBe('ImplicitDeny');
    expect(encrypt.policyType).toBe('SessionPolicy');
  });
  it('a session policy never widens', () => {
    const sessionPolicy = attach('session', 'SessionPolicy', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
    ]);
    expect(
      evaluate({
        principal: session,
        action: 'ram:CreateUser',
        resource: '*',
        context: CONTEXT,
        identityPolicies: rolePolicies,
        sessionPolicy,
      }).decision,
    ).toBe('ImplicitDeny');
  });
  it('a session policy Deny is an explicit deny of type SessionPolicy', () => {
    const sessionPolicy = attach('session', 'SessionPolicy', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' },
    ]);
    const decision = evaluate({
      principal: session,
      action: 'kms:Encrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: rolePolicies,
      sessionPolicy,
    });
    expect(decision.decision).toBe('ExplicitDeny');
    expect(decision.policyType).toBe('SessionPolicy');
  });
  it('a session policy is ignored for a RAM user', () => {
    const sessionPolicy = attach('session', 'SessionPolicy', [
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
    ]);
    expect(
      evaluate({
        principal: alice,
        action: 'kms:Encrypt',
        resource: KEY,
        context: CONTEXT,
        identityPolicies: rolePolicies,
        sessionPolicy,
      }).decision,
    ).toBe('Allow');
  });
});

describe('evaluation: AssumeRole needs the caller’s permission AND the trust policy (facts §2)', () => {
  const role = ramRoleArn(OWNER, 'app');
  const trustAccount = attach('trust', 'TrustPolicy', [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${OWNER}:root`] } },
  ]);
  const canAssume = system('AliyunSTSAssumeRoleAccess');
  it('a RAM user of the trusted account with sts:AssumeRole may', () => {
    expect(
      evaluate({
        principal: alice,
        action: 'sts:AssumeRole',
        resource: role,
        context: CONTEXT,
        identityPolicies: [canAssume],
        resourcePolicy: trustAccount,
      }).decision,
    ).toBe('Allow');
  });
  it('without sts:AssumeRole it may not, even in the same account', () => {
    const decision = evaluate({
      principal: alice,
      action: 'sts:AssumeRole',
      resource: role,
      context: CONTEXT,
      resourcePolicy: trustAccount,
    });
    expect(decision.decision).toBe('ImplicitDeny');
    expect(decision.policyType).toBe('AccountLevelIdentityBasedPolicy');
  });
  it('with sts:AssumeRole but not trusted it may not', () => {
    const trustOther = attach('trust', 'TrustPolicy', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${OTHER}:root`] } },
    ]);
    const decision = evaluate({
      principal: alice,
      action: 'sts:AssumeRole',
      resource: role,
      context: CONTEXT,
      identityPolicies: [canAssume],
      resourcePolicy: trustOther,
    });
    expect(decision.decision).toBe('ImplicitDeny');
    expect(decision.policyType).toBe('AssumeRolePolicy');
  });
  it('a service named in the trust policy may', () => {
    const trustEcs = attach('trust', 'TrustPolicy', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } },
    ]);
    const ecs: Principal = { type: 'Service', service: 'ECS.aliyuncs.com', accountId: OWNER };
    expect(
      evaluate({
        principal: ecs,
        action: 'sts:AssumeRole',
        resource: role,
        context: CONTEXT,
        resourcePolicy: trustEcs,
      }).decision,
    ).toBe('Allow');
  });
});

describe('system policies (facts §4)', () => {
  const secret = kmsSecretArn(REGION, OWNER, 'db/password');
  const ask = (policies: string[], action: string, resource: string) =>
    evaluate({ principal: alice, action, resource, context: CONTEXT, identityPolicies: policies.map(system) })
      .decision;

  it('lists the six KMS ones, AdministratorAccess and the cheap RAM/STS ones', () => {
    expect(SYSTEM_POLICIES.map((p) => p.name)).toEqual([
      'AdministratorAccess',
      'AliyunKMSFullAccess',
      'AliyunKMSReadOnlyAccess',
      'AliyunKMSCryptoAdminAccess',
      'AliyunKMSCryptoUserAccess',
      'AliyunKMSSecretAdminAccess',
      'AliyunKMSSecretUserAccess',
      'AliyunRAMFullAccess',
      'AliyunRAMReadOnlyAccess',
      'AliyunSTSAssumeRoleAccess',
    ]);
    for (const policy of SYSTEM_POLICIES) {
      expect(policy.description.length).toBeGreaterThan(10);
      expect(attachedSystemPolicy(policy.name)?.type).toBe('System');
    }
    expect(systemPolicy('aliyunkmsfullaccess')?.defaultVersion).toBe('v3');
  });

  it('AliyunKMSSecretUserAccess reads a secret but cannot Decrypt with its key unless allowed', () => {
    expect(ask(['AliyunKMSSecretUserAccess'], 'kms:GetSecretValue', secret)).toBe('Allow');
    expect(ask(['AliyunKMSSecretUserAccess'], 'kms:DescribeSecret', secret)).toBe('Allow');
    expect(ask(['AliyunKMSSecretUserAccess'], 'kms:Decrypt', KEY)).toBe('ImplicitDeny');
    expect(ask(['AliyunKMSSecretUserAccess'], 'kms:PutSecretValue', secret)).toBe('ImplicitDeny');
    expect(ask(['AliyunKMSSecretUserAccess', 'AliyunKMSCryptoUserAccess'], 'kms:Decrypt', KEY)).toBe('Allow');
  });

  it('AliyunKMSCryptoUserAccess: cryptography and MACs, no management, no DescribeKey, no ReEncrypt', () => {
    for (const action of [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:GenerateMac',
      'kms:VerifyMac',
      'kms:AsymmetricSign',
    ]) {
      expect(ask(['AliyunKMSCryptoUserAccess'], action, KEY)).toBe('Allow');
    }
    for (const action of [
      'kms:DescribeKey',
      'kms:ReEncryptFrom',
      'kms:ScheduleKeyDeletion',
      'kms:GetSecretValue',
    ]) {
      expect(ask(['AliyunKMSCryptoUserAccess'], action, KEY)).toBe('ImplicitDeny');
    }
  });

  it('AliyunKMSReadOnlyAccess reads, never uses', () => {
    expect(ask(['AliyunKMSReadOnlyAccess'], 'kms:ListKeys', kmsContainerArn(REGION, OWNER, 'key'))).toBe(
      'Allow',
    );
    expect(ask(['AliyunKMSReadOnlyAccess'], 'kms:DescribeKey', KEY)).toBe('Allow');
    expect(ask(['AliyunKMSReadOnlyAccess'], 'kms:GetKeyPolicy', KEY)).toBe('Allow');
    expect(ask(['AliyunKMSReadOnlyAccess'], 'kms:Decrypt', KEY)).toBe('ImplicitDeny');
    expect(ask(['AliyunKMSReadOnlyAccess'], 'kms:GetSecretValue', secret)).toBe('ImplicitDeny');
  });

  it('AliyunKMSCryptoAdminAccess: keys and aliases (containers too), not secrets', () => {
    expect(ask(['AliyunKMSCryptoAdminAccess'], 'kms:CreateKey', kmsContainerArn(REGION, OWNER, 'key'))).toBe(
      'Allow',
    );
    expect(ask(['AliyunKMSCryptoAdminAccess'], 'kms:Decrypt', KEY)).toBe('Allow');
    expect(
      ask(['AliyunKMSCryptoAdminAccess'], 'kms:CreateAlias', kmsAliasArn(REGION, OWNER, 'alias/app')),
    ).toBe('Allow');
    expect(ask(['AliyunKMSCryptoAdminAccess'], 'kms:GetSecretValue', secret)).toBe('ImplicitDeny');
  });

  it('AliyunKMSSecretAdminAccess: secrets and GetRandomPassword, not keys', () => {
    expect(ask(['AliyunKMSSecretAdminAccess'], 'kms:GetSecretValue', secret)).toBe('Allow');
    expect(
      ask(['AliyunKMSSecretAdminAccess'], 'kms:CreateSecret', kmsContainerArn(REGION, OWNER, 'secret')),
    ).toBe('Allow');
    expect(ask(['AliyunKMSSecretAdminAccess'], 'kms:GetRandomPassword', '*')).toBe('Allow');
    expect(ask(['AliyunKMSSecretAdminAccess'], 'kms:Decrypt', KEY)).toBe('ImplicitDeny');
  });

  it('AliyunKMSFullAccess allows ram:CreateServiceLinkedRole only for its services', () => {
    const slr = (service: string) =>
      evaluate({
        principal: alice,
        action: 'ram:CreateServiceLinkedRole',
        resource: '*',
        context: { ...CONTEXT, values: { 'ram:ServiceName': service } },
        identityPolicies: [system('AliyunKMSFullAccess')],
      }).decision;
    expect(slr('keystore.kms.aliyuncs.com')).toBe('Allow');
    expect(slr('ecs.aliyuncs.com')).toBe('ImplicitDeny');
    expect(ask(['AliyunKMSFullAccess'], 'kms:Decrypt', KEY)).toBe('Allow');
    expect(ask(['AliyunKMSFullAccess'], 'ram:AttachPolicyToUser', ramUserArn(OWNER, 'alice'))).toBe(
      'ImplicitDeny',
    );
  });

  it('AdministratorAccess allows everything; RAM read-only reads RAM', () => {
    expect(ask(['AdministratorAccess'], 'ram:AttachPolicyToUser', ramUserArn(OWNER, 'alice'))).toBe('Allow');
    expect(ask(['AliyunRAMReadOnlyAccess'], 'ram:GetUser', ramUserArn(OWNER, 'alice'))).toBe('Allow');
    expect(ask(['AliyunRAMReadOnlyAccess'], 'ram:CreateUser', ramUserArn(OWNER, 'eve'))).toBe('ImplicitDeny');
  });
});

describe('the denial (facts §6)', () => {
  it('builds AccessDeniedDetail from a decision, with a decodable diagnostic message', () => {
    const decision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: { ...CONTEXT, sourceIp: '192.0.2.7' },
      identityPolicies: [
        attach('ip-bound', 'Custom', [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
          },
        ]),
      ],
    });
    const detail = accessDeniedDetail(decision);
    expect(detail).toMatchObject({
      PolicyType: 'AccountLevelIdentityBasedPolicy',
      AuthPrincipalOwnerId: OWNER,
      AuthPrincipalType: 'SubUser',
      AuthPrincipalDisplayName: '2000001',
      NoPermissionType: 'ImplicitDeny',
      AuthAction: 'kms:Decrypt',
    });
    const decoded = decodeDiagnosticMessage(detail?.EncodedDiagnosticMessage ?? '');
    expect(decoded).toEqual({
      ExplicitDeny: false,
      NoPermissionPolicyType: 'AccountLevelIdentityBasedPolicy',
      AuthAction: 'kms:Decrypt',
      AuthResource: KEY,
      AuthPrincipal: {
        AuthPrincipalType: 'SubUser',
        AuthPrincipalOwnerId: OWNER,
        AuthPrincipalDisplayName: '2000001',
      },
      AuthConditions: [{ ConditionKey: 'acs:sourceip', ConditionValues: ['192.0.2.7'] }],
    });
    expect(NO_PERMISSION).toEqual({
      code: 'Forbidden.NoPermission',
      message: 'This operation is forbidden by permission system.',
    });
  });

  it('names a session RoleName:RoleSessionName and an explicit deny as such; none for an Allow', () => {
    const decision = evaluate({
      principal: session,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [denyDecrypt],
    });
    expect(accessDeniedDetail(decision)).toMatchObject({
      AuthPrincipalType: 'AssumedRoleUser',
      AuthPrincipalDisplayName: 'app:s1',
      NoPermissionType: 'ExplicitDeny',
    });
    const allowedDecision = evaluate({
      principal: alice,
      action: 'kms:Decrypt',
      resource: KEY,
      context: CONTEXT,
      identityPolicies: [allowDecrypt],
    });
    expect(accessDeniedDetail(allowedDecision)).toBeUndefined();
    expect(decodeDiagnosticMessage('not base64!')).toBeUndefined();
  });
});

describe('ARNs (facts §3.2, §7)', () => {
  it('builds KMS and RAM ARNs', () => {
    expect(kmsKeyArn(REGION, OWNER, 'k')).toBe('acs:kms:cn-hangzhou:1111:key/k');
    expect(kmsAliasArn(REGION, OWNER, 'alias/app')).toBe('acs:kms:cn-hangzhou:1111:alias/app');
    expect(kmsAliasArn(REGION, OWNER, 'app')).toBe('acs:kms:cn-hangzhou:1111:alias/app');
    expect(kmsSecretArn(REGION, OWNER, 'RdsSecret/Mysql5.4/MyCred')).toBe(
      'acs:kms:cn-hangzhou:1111:secret/RdsSecret/Mysql5.4/MyCred',
    );
    expect(kmsInstanceArn(REGION, OWNER, 'kst-hzz1')).toBe('acs:kms:cn-hangzhou:1111:keystore/kst-hzz1');
    expect(kmsContainerArn(REGION, OWNER, 'secret')).toBe('acs:kms:cn-hangzhou:1111:secret');
    expect(ramUserArn(OWNER, 'alice')).toBe('acs:ram::1111:user/alice');
    expect(ramGroupArn(OWNER, 'devs')).toBe('acs:ram::1111:group/devs');
    expect(ramRoleArn(OWNER, 'app')).toBe('acs:ram::1111:role/app');
    expect(ramPolicyArn(OWNER, 'p')).toBe('acs:ram::1111:policy/p');
    expect(assumedRoleArn(OWNER, 'app', 's1')).toBe('acs:ram::1111:role/app/s1');
    expect(principalArn(session)).toBe('acs:ram::1111:role/app/s1');
    expect(principalArn({ type: 'Account', accountId: OWNER })).toBe('acs:ram::1111:root');
  });
  it('parses them, a resource part with colons and slashes included', () => {
    expect(parseArn('acs:kms:cn-hangzhou:1111:secret/a/b:c')).toEqual({
      service: 'kms',
      regionId: 'cn-hangzhou',
      accountId: '1111',
      resource: 'secret/a/b:c',
    });
    expect(parseArn('acs:ram::1111:user/alice')?.regionId).toBe('');
    expect(parseArn('arn:aws:kms:us-east-1:1:key/x')).toBeUndefined();
    expect(parseArn('acs:kms')).toBeUndefined();
  });
  it('resource patterns match case-sensitively', () => {
    const policy = attach('p', 'Custom', [
      { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/Prod/*' },
    ]);
    const ask = (name: string) =>
      evaluate({
        principal: alice,
        action: 'kms:GetSecretValue',
        resource: kmsSecretArn(REGION, OWNER, name),
        context: CONTEXT,
        identityPolicies: [policy],
      }).decision;
    expect(ask('Prod/db')).toBe('Allow');
    expect(ask('prod/db')).toBe('ImplicitDeny');
  });
});
