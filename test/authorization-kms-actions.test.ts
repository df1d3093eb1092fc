import { describe, expect, it } from 'vitest';
import { kms } from '../src/kms/product.js';

const { operations } = kms.spec;

import {
  type AttachedPolicy,
  attachedSystemPolicy,
  checksFor,
  compilePolicy,
  deriveOperationChecks,
  evaluateChecks,
  KMS_OPERATION_CHECKS,
  kmsKeyArn,
  kmsSecretArn,
  type Principal,
  type ResolvedResource,
  type ResourceResolver,
} from '../src/domain/authorization/index.js';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1111';
const OTHER = '2222';

/** A small world: two keys (one tagged, one with a key policy), an alias, two secrets. */
function resolver(): ResourceResolver {
  const keys: Record<string, ResolvedResource> = {
    'key-1': { arn: kmsKeyArn(REGION, ACCOUNT, 'key-1'), ownerId: ACCOUNT, tags: { Project: 'Apollo' } },
    'key-2': { arn: kmsKeyArn(REGION, ACCOUNT, 'key-2'), ownerId: ACCOUNT },
  };
  const aliases: Record<string, string> = { 'alias/app': 'key-1' };
  const secrets: Record<string, { resource: ResolvedResource; key?: string }> = {
    plain: { resource: { arn: kmsSecretArn(REGION, ACCOUNT, 'plain'), ownerId: ACCOUNT } },
    guarded: { resource: { arn: kmsSecretArn(REGION, ACCOUNT, 'guarded'), ownerId: ACCOUNT }, key: 'key-2' },
  };
  const keyOf = (id: string) => {
    const tail = id.startsWith('acs:') ? id.slice(id.lastIndexOf('/') + 1) : id;
    return keys[aliases[id] ?? tail];
  };
  return {
    regionId: REGION,
    accountId: ACCOUNT,
    key: keyOf,
    keyOfCiphertext: (blob) =>
      blob.startsWith('blob-of-') ? keyOf(blob.slice('blob-of-'.length)) : undefined,
    secret: (name) => secrets[name]?.resource,
    customerKeyOfSecret: (name) => {
      const key = secrets[name]?.key;
      return key ? keys[key] : undefined;
    },
  };
}

const summary = (operation: string, params: Record<string, unknown>) =>
  checksFor(operation, params, resolver()).map((c) => `${c.action} ${c.resource}`);

describe('the operation table', () => {
  it('has an entry for every operation of the spec, and nothing else', () => {
    const specNames = [...operations.keys()].sort();
    const tableNames = [...KMS_OPERATION_CHECKS.keys()].sort();
    expect(specNames.length).toBeGreaterThan(90);
    expect(tableNames).toEqual(specNames);
  });

  it('derived entries are what the spec’s parameters derive (kms:<Operation> on the named resource)', () => {
    let derived = 0;
    for (const [name, entry] of KMS_OPERATION_CHECKS) {
      if (!entry.derived) continue;
      derived++;
      const parameters = (operations.get(name)?.params ?? []).map((p) => p.name);
      expect(entry, name).toEqual(deriveOperationChecks(name, parameters));
    }
    expect(derived).toBeGreaterThan(60);
  });

  it('every check names a kms: action and every parameter it reads exists in the spec', () => {
    for (const [name, entry] of KMS_OPERATION_CHECKS) {
      const parameters = new Set((operations.get(name)?.params ?? []).map((p) => p.name));
      for (const rule of entry.checks) {
        expect(rule.action, name).toMatch(/^kms:[A-Z][A-Za-z]+$/);
        for (const param of [
          rule.ifParam,
          rule.unlessParam,
          'param' in rule.resource ? rule.resource.param : undefined,
        ]) {
          if (param) expect(parameters.has(param), `${name}.${param}`).toBe(true);
        }
      }
    }
  });

  it('keeps the documented exceptions (facts §3.1)', () => {
    expect(KMS_OPERATION_CHECKS.get('DescribeRegions')?.checks).toEqual([]);
    expect(KMS_OPERATION_CHECKS.get('ReEncrypt')?.checks.map((c) => c.action)).toEqual([
      'kms:ReEncryptFrom',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ]);
  });
});

describe('checksFor', () => {
  it('the common case: the action on the key the KeyId names, an alias or an ARN resolving to it', () => {
    expect(summary('Encrypt', { KeyId: 'key-1', Plaintext: 'x' })).toEqual([
      `kms:Encrypt ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
    ]);
    expect(summary('Encrypt', { KeyId: 'alias/app' })).toEqual([
      `kms:Encrypt ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
    ]);
    expect(summary('DescribeKey', { KeyId: kmsKeyArn(REGION, ACCOUNT, 'key-2') })).toEqual([
      `kms:DescribeKey ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
  });

  it('carries the resource’s tags and owner', () => {
    const [check] = checksFor('Encrypt', { KeyId: 'key-1' }, resolver());
    expect(check).toMatchObject({ resourceOwnerId: ACCOUNT, tags: { Project: 'Apollo' } });
  });

  it('a key that does not exist is checked on the ARN its parameter spells', () => {
    expect(summary('Encrypt', { KeyId: 'nope' })).toEqual([
      `kms:Encrypt ${kmsKeyArn(REGION, ACCOUNT, 'nope')}`,
    ]);
    const foreign = kmsKeyArn(REGION, OTHER, 'k9');
    const [check] = checksFor('Encrypt', { KeyId: foreign }, resolver());
    expect(check).toMatchObject({ resource: foreign, resourceOwnerId: OTHER });
  });

  it('Decrypt checks the key of the ciphertext; an unreadable blob any key of the account', () => {
    expect(summary('Decrypt', { CiphertextBlob: 'blob-of-key-2' })).toEqual([
      `kms:Decrypt ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
    expect(summary('Decrypt', { CiphertextBlob: 'garbage' })).toEqual([
      `kms:Decrypt ${kmsKeyArn(REGION, ACCOUNT, '*')}`,
    ]);
  });

  it('ReEncrypt: ReEncryptFrom on the source key, ReEncryptTo on the destination', () => {
    expect(summary('ReEncrypt', { CiphertextBlob: 'blob-of-key-1', DestinationKeyId: 'key-2' })).toEqual([
      `kms:ReEncryptFrom ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
      `kms:ReEncryptTo ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
    expect(
      summary('ReEncrypt', { CiphertextBlob: 'x', SourceKeyId: 'key-2', DestinationKeyId: 'key-1' }),
    ).toEqual([
      `kms:ReEncryptFrom ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
      `kms:ReEncryptTo ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
    ]);
  });

  it('alias operations need the alias and the key', () => {
    expect(summary('CreateAlias', { AliasName: 'alias/new', KeyId: 'key-2' })).toEqual([
      `kms:CreateAlias acs:kms:${REGION}:${ACCOUNT}:alias/new`,
      `kms:CreateAlias ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
    expect(summary('DeleteAlias', { AliasName: 'alias/app' })).toEqual([
      `kms:DeleteAlias acs:kms:${REGION}:${ACCOUNT}:alias/app`,
      `kms:DeleteAlias ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
    ]);
  });

  it('CreateSecret: the secret container, plus GenerateDataKey on its EncryptionKeyId when given', () => {
    expect(summary('CreateSecret', { SecretName: 's', EncryptionKeyId: 'key-1' })).toEqual([
      `kms:CreateSecret acs:kms:${REGION}:${ACCOUNT}:secret`,
      `kms:GenerateDataKey ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
    ]);
    expect(summary('CreateSecret', { SecretName: 's' })).toEqual([
      `kms:CreateSecret acs:kms:${REGION}:${ACCOUNT}:secret`,
    ]);
  });

  it('GetSecretValue: Decrypt too, on a customer key only', () => {
    expect(summary('GetSecretValue', { SecretName: 'guarded' })).toEqual([
      `kms:GetSecretValue ${kmsSecretArn(REGION, ACCOUNT, 'guarded')}`,
      `kms:Decrypt ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
    expect(summary('GetSecretValue', { SecretName: 'plain' })).toEqual([
      `kms:GetSecretValue ${kmsSecretArn(REGION, ACCOUNT, 'plain')}`,
    ]);
  });

  it('BatchGetSecretValue: each secret, and Decrypt on each customer key', () => {
    const list = [{ SecretName: 'plain' }, { SecretName: 'guarded' }];
    const expected = [
      `kms:GetSecretValue ${kmsSecretArn(REGION, ACCOUNT, 'plain')}`,
      `kms:GetSecretValue ${kmsSecretArn(REGION, ACCOUNT, 'guarded')}`,
      `kms:Decrypt ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ];
    expect(summary('BatchGetSecretValue', { SecretsList: list })).toEqual(expected);
    expect(summary('BatchGetSecretValue', { SecretsList: JSON.stringify(list) })).toEqual(expected);
  });

  it('list and create operations check their containers; DescribeRegions nothing', () => {
    expect(summary('ListKeys', {})).toEqual([`kms:ListKeys acs:kms:${REGION}:${ACCOUNT}:key`]);
    expect(summary('CreateKey', {})).toEqual([`kms:CreateKey acs:kms:${REGION}:${ACCOUNT}:key`]);
    expect(summary('ListAliases', {})).toEqual([`kms:ListAliases acs:kms:${REGION}:${ACCOUNT}:alias`]);
    expect(summary('GetRandomPassword', {})).toEqual(['kms:GetRandomPassword *']);
    expect(summary('DescribeRegions', {})).toEqual([]);
  });

  it('tag operations act on the key or the secret, TagResources on each ResourceId', () => {
    expect(summary('TagResource', { SecretName: 'plain', Tags: '[]' })).toEqual([
      `kms:TagResource ${kmsSecretArn(REGION, ACCOUNT, 'plain')}`,
    ]);
    expect(summary('TagResources', { ResourceType: 'key', ResourceId: ['key-1', 'key-2'] })).toEqual([
      `kms:TagResources ${kmsKeyArn(REGION, ACCOUNT, 'key-1')}`,
      `kms:TagResources ${kmsKeyArn(REGION, ACCOUNT, 'key-2')}`,
    ]);
    expect(summary('UntagResources', { ResourceType: 'secret', ResourceId: '["plain"]' })).toEqual([
      `kms:UntagResources ${kmsSecretArn(REGION, ACCOUNT, 'plain')}`,
    ]);
  });

  it('a ResourceId list holding other than names (deeply nested arrays, objects) checks its names only (fuzz: was a 500)', () => {
    const nested = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(summary('TagResources', { ResourceType: 'key', ResourceId: nested })).toEqual([
      `kms:TagResources acs:kms:${REGION}:${ACCOUNT}:key`,
    ]);
    expect(
      summary('UntagResources', { ResourceType: 'secret', ResourceId: `["plain",${nested},{"a":1},7]` }),
    ).toEqual([
      `kms:UntagResources ${kmsSecretArn(REGION, ACCOUNT, 'plain')}`,
      `kms:UntagResources ${kmsSecretArn(REGION, ACCOUNT, '7')}`,
    ]);
  });

  it('an operation missing from the table is checked as kms:<Operation> on * (fail closed)', () => {
    expect(summary('SomeFutureOperation', { KeyId: 'key-1' })).toEqual(['kms:SomeFutureOperation *']);
  });
});

describe('evaluateChecks: a whole call', () => {
  const alice: Principal = { type: 'SubUser', accountId: ACCOUNT, userName: 'alice' };
  const system = (name: string) => attachedSystemPolicy(name) as AttachedPolicy;
  const call = (operation: string, params: Record<string, unknown>, identityPolicies: AttachedPolicy[]) =>
    evaluateChecks(checksFor(operation, params, resolver()), {
      principal: alice,
      context: { currentTime: 0 },
      identityPolicies,
    });

  it('AliyunKMSSecretUserAccess reads a plain secret but not one under a key it may not Decrypt', () => {
    expect(
      call('GetSecretValue', { SecretName: 'plain' }, [system('AliyunKMSSecretUserAccess')])?.decision,
    ).toBe('Allow');
    const guarded = call('GetSecretValue', { SecretName: 'guarded' }, [system('AliyunKMSSecretUserAccess')]);
    expect(guarded?.decision).toBe('ImplicitDeny');
    expect(guarded?.action).toBe('kms:Decrypt');
    expect(guarded?.resource).toBe(kmsKeyArn(REGION, ACCOUNT, 'key-2'));
    expect(
      call('GetSecretValue', { SecretName: 'guarded' }, [
        system('AliyunKMSSecretUserAccess'),
        system('AliyunKMSCryptoUserAccess'),
      ])?.decision,
    ).toBe('Allow');
  });

  it('kms:tag/<TagKey> conditions see each resource’s own tags', () => {
    const apolloOnly: AttachedPolicy = {
      name: 'apollo',
      type: 'Custom',
      policy: compilePolicy(
        JSON.stringify({
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kms:Encrypt',
              Resource: '*',
              Condition: { StringEquals: { 'kms:tag/Project': 'Apollo' } },
            },
          ],
        }),
        'Identity',
      ),
    };
    expect(call('Encrypt', { KeyId: 'key-1' }, [apolloOnly])?.decision).toBe('Allow');
    expect(call('Encrypt', { KeyId: 'key-2' }, [apolloOnly])?.decision).toBe('ImplicitDeny');
  });

  it('uses the resource policy the resolver returns', () => {
    const keyPolicy: AttachedPolicy = {
      name: 'default',
      type: 'KeyPolicy',
      policy: compilePolicy(
        JSON.stringify({
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { RAM: [`acs:ram::${ACCOUNT}:user/alice`] },
              Action: ['kms:*'],
              Resource: ['*'],
            },
          ],
        }),
        'KeyPolicy',
      ),
    };
    const withPolicy: ResourceResolver = {
      ...resolver(),
      key: (id) =>
        id === 'k'
          ? { arn: kmsKeyArn(REGION, ACCOUNT, 'k'), ownerId: ACCOUNT, policy: keyPolicy }
          : undefined,
    };
    const decision = evaluateChecks(
      checksFor(
        'Decrypt',
        { CiphertextBlob: 'x' },
        { ...withPolicy, keyOfCiphertext: () => withPolicy.key('k') },
      ),
      {
        principal: alice,
        context: { currentTime: 0 },
      },
    );
    expect(decision?.decision).toBe('Allow');
    expect(decision?.matched[0]?.policyType).toBe('KeyPolicy');
  });

  it('answers undefined when the operation checks nothing', () => {
    expect(call('DescribeRegions', {}, [])).toBeUndefined();
  });
});
