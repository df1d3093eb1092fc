import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultPolicy,
  MAX_POLICY_BYTES,
  type PolicyKind,
  parsePolicy,
  policyOf,
  setPolicy,
  validatePolicy,
} from '../src/domain/resource-policy.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { KmsError } from '../src/protocol/errors.js';
import { advance, kmsClient } from './helpers/client.js';

/** A valid policy document of `bytes` bytes (RAM users of the account as principals, `char` repeated in their names). */
function policyOfSize(bytes: number, char = 'a'): string {
  const document = (names: string[]) =>
    JSON.stringify({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { RAM: names.map((n) => `acs:ram::1234567890123456:user/${n}`) },
          Action: ['kms:*'],
          Resource: ['*'],
        },
      ],
    });
  const names: string[] = [];
  // Whole names of 900 characters, then one that makes up the rest (each value stays under the cap).
  while (Buffer.byteLength(document([...names, char.repeat(900)]), 'utf8') <= bytes)
    names.push(char.repeat(900));
  const rest = bytes - Buffer.byteLength(document([...names, '']), 'utf8');
  const text = document([...names, char.repeat(Math.floor(rest / Buffer.byteLength(char)))]);
  if (char === 'a') expect(Buffer.byteLength(text, 'utf8')).toBe(bytes);
  return text;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof KmsError ? error.code : `not a KmsError: ${String(error)}`;
  }
  return undefined;
}

const KINDS: PolicyKind[] = ['key', 'secret'];

describe('resource-policy: documents', () => {
  it('the default key and secret policies: every RAM identity of the account, every action', () => {
    expect(defaultPolicy('key', '1234567890123456')).toBe(
      '{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow","Principal":{"RAM":["acs:ram::1234567890123456:*"]},"Action":["kms:*"],"Resource":["*"]}]}',
    );
    expect(defaultPolicy('secret', '42')).toBe(
      '{"Version":"1","Statement":[{"Sid":"kms default secret policy","Effect":"Allow","Principal":{"RAM":["acs:ram::42:*"]},"Action":["kms:*"],"Resource":["*"]}]}',
    );
    expect(parsePolicy(defaultPolicy('secret', '42'))?.Statement?.[0]?.Principal).toEqual({
      RAM: ['acs:ram::42:*'],
    });
    expect(parsePolicy('not json')).toBeUndefined();
    expect(parsePolicy('[1]')).toBeUndefined();
  });

  for (const kind of KINDS) {
    it(`${kind}: JSON only, at most 32,768 bytes (counted in UTF-8)`, () => {
      expect(codeOf(() => validatePolicy(kind, 'not json'))).toBe('InvalidParameter');
      const largest = policyOfSize(MAX_POLICY_BYTES);
      expect(validatePolicy(kind, largest)).toBe(largest);
      expect(codeOf(() => validatePolicy(kind, policyOfSize(MAX_POLICY_BYTES + 1)))).toBe('InvalidParameter');
      // 2-byte characters: fewer than 32,768 characters, more than 32,768 bytes.
      const wide = policyOfSize(MAX_POLICY_BYTES + 40, 'é');
      expect(wide.length).toBeLessThan(MAX_POLICY_BYTES);
      expect(Buffer.byteLength(wide, 'utf8')).toBeGreaterThan(MAX_POLICY_BYTES);
      expect(codeOf(() => validatePolicy(kind, wide))).toBe('InvalidParameter');
    });
  }
});

describe('resource-policy: through the API and the domain', () => {
  let emulator: Emulator;
  let kms: ReturnType<typeof kmsClient>;
  beforeAll(async () => {
    emulator = await startEmulator({ env: {} });
    kms = kmsClient(emulator);
  });
  afterAll(() => emulator.close());

  it('SetSecretPolicy refuses a policy over 32 KB and keeps the one stored; 32 KB exactly is taken', async () => {
    await kms.call('CreateSecret', { SecretName: 'policy/big', SecretData: 'v', VersionId: 'v1' });
    const before = (await kms.call('GetSecretPolicy', { SecretName: 'policy/big' })).Policy;
    expect(before).toBe(defaultPolicy('secret', '1234567890123456'));
    expect(
      await kms.fails('SetSecretPolicy', {
        SecretName: 'policy/big',
        Policy: policyOfSize(MAX_POLICY_BYTES + 1),
      }),
    ).toBe('InvalidParameter');
    expect((await kms.call('GetSecretPolicy', { SecretName: 'policy/big' })).Policy).toBe(before);
    const largest = policyOfSize(MAX_POLICY_BYTES);
    await kms.call('SetSecretPolicy', { SecretName: 'policy/big', Policy: largest });
    expect((await kms.call('GetSecretPolicy', { SecretName: 'policy/big' })).Policy).toBe(largest);
    expect(await kms.fails('SetSecretPolicy', { SecretName: 'policy/big', Policy: '{oops' })).toBe(
      'InvalidParameter',
    );
  });

  it('a document must follow the service grammar (facts §5.1): Version "1", statements, Principal RAM, kms: actions, Resource "*"', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
    const statement = {
      Effect: 'Allow',
      Principal: { RAM: ['acs:ram::1234567890123456:*'] },
      Action: ['kms:*'],
      Resource: ['*'],
    };
    for (const bad of [
      { Version: '1', Statement: [] },
      { Version: '2', Statement: [statement] },
      { Version: '1', Statement: [{ ...statement, Principal: undefined }] },
      { Version: '1', Statement: [{ ...statement, Action: ['ecs:*'] }] },
      { Version: '1', Statement: [{ ...statement, Resource: ['acs:kms:*:*:key/x'] }] },
      { Version: '1', Statement: [{ ...statement, Effect: 'Maybe' }] },
    ]) {
      expect([
        JSON.stringify(bad),
        await kms.fails('SetKeyPolicy', { KeyId: keyId, Policy: JSON.stringify(bad) }),
      ]).toEqual([JSON.stringify(bad), 'InvalidParameter']);
    }
    // PolicyName may only be "default".
    expect(
      await kms.fails('SetKeyPolicy', {
        KeyId: keyId,
        PolicyName: 'other',
        Policy: JSON.stringify({ Version: '1', Statement: [statement] }),
      }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('GetKeyPolicy', { KeyId: keyId, PolicyName: 'other' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    expect(
      JSON.parse((await kms.call('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy).Version,
    ).toBe('1');
  });

  it('SetKeyPolicy follows the same rules', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
    expect(
      await kms.fails('SetKeyPolicy', { KeyId: keyId, Policy: policyOfSize(MAX_POLICY_BYTES + 1) }),
    ).toBe('InvalidParameter');
    expect((await kms.call('GetKeyPolicy', { KeyId: keyId })).Policy).toBe(
      defaultPolicy('key', '1234567890123456'),
    );
  });

  it('CreateKey and CreateSecret check a given Policy the same way, and store it', async () => {
    const tooBig = policyOfSize(MAX_POLICY_BYTES + 1);
    expect(
      await kms.fails('CreateSecret', {
        SecretName: 'policy/new',
        SecretData: 'v',
        VersionId: 'v1',
        Policy: tooBig,
      }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('DescribeSecret', { SecretName: 'policy/new' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    expect(await kms.fails('CreateKey', { Policy: 'not json' })).toBe('InvalidParameter');
    const own = JSON.stringify({
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
    await kms.call('CreateSecret', {
      SecretName: 'policy/own',
      SecretData: 'v',
      VersionId: 'v1',
      Policy: own,
    });
    expect((await kms.call('GetSecretPolicy', { SecretName: 'policy/own' })).Policy).toBe(own);
  });

  it('a single statement written as an object (not a list) is taken, its other accounts counted (fuzz: was a 500)', async () => {
    const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
    await kms.call('CreateSecret', { SecretName: 'policy/one-statement', SecretData: 'v', VersionId: 'v1' });
    const policy = JSON.stringify({
      Version: '1',
      Statement: {
        Effect: 'Allow',
        Principal: { RAM: ['acs:ram::1234567890123456:*', 'acs:ram::1111111111111111:user/app'] },
        Action: 'kms:*',
        Resource: '*',
      },
    });
    await kms.call('SetKeyPolicy', { KeyId: keyId, Policy: policy });
    await kms.call('SetSecretPolicy', { SecretName: 'policy/one-statement', Policy: policy });
    expect((await kms.call('GetKeyPolicy', { KeyId: keyId })).Policy).toBe(policy);
    expect(
      (await kms.call('GetKmsInstanceQuotaInfos', { ResourceType: 'share' })).KmsInstanceQuotaInfos[0]
        .UsedQuantity,
    ).toBe(1);
  });

  it('policyOf and setPolicy read and write the stored policy of a key or a secret', () => {
    const { world } = emulator;
    const scope = { accountId: '1234567890123456', regionId: 'cn-hangzhou' };
    const key = world.keys.create(scope, {});
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
    setPolicy(world, scope, 'key', key.keyId, policy);
    expect(policyOf(world, scope, 'key', world.keys.arn(key))).toBe(policy);
    expect(world.keys.resolve(scope, key.keyId).policy).toBe(policy);
    setPolicy(world, scope, 'secret', 'policy/own', policy);
    expect(policyOf(world, scope, 'secret', 'policy/own')).toBe(policy);
    expect(
      codeOf(() => setPolicy(world, scope, 'secret', 'policy/own', policyOfSize(MAX_POLICY_BYTES + 1))),
    ).toBe('InvalidParameter');
    expect(policyOf(world, scope, 'secret', 'policy/own')).toBe(policy);
    expect(codeOf(() => policyOf(world, scope, 'secret', 'policy/none'))).toBe('Forbidden.ResourceNotFound');
    expect(codeOf(() => policyOf(world, scope, 'key', 'no-such-key'))).toBe('Forbidden.KeyNotFound');
  });
});

describe('the Access Management Quota (facts §5.3)', () => {
  it('counts other accounts named by an instance’s policies, refuses beyond it, releases a revoked one ~5 minutes later', async () => {
    const emulator = await startEmulator({ env: {}, accessManagementQuota: 2 });
    try {
      const kms = kmsClient(emulator);
      const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
      const naming = (...accounts: string[]) =>
        JSON.stringify({
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Principal: {
                RAM: ['acs:ram::1234567890123456:*', ...accounts.map((a) => `acs:ram::${a}:user/app`)],
              },
              Action: ['kms:Decrypt'],
              Resource: ['*'],
            },
          ],
        });
      const used = async () =>
        (await kms.call('GetKmsInstanceQuotaInfos', { ResourceType: 'share' })).KmsInstanceQuotaInfos[0];
      expect(await used()).toMatchObject({ ResourceType: 'share', ResourceQuota: 2, UsedQuantity: 0 });
      await kms.call('SetKeyPolicy', {
        KeyId: keyId,
        Policy: naming('1111111111111111', '2222222222222222'),
      });
      expect((await used()).UsedQuantity).toBe(2);
      // A secret of the same instance naming a third account: beyond the quota.
      expect(
        await kms.fails('CreateSecret', {
          SecretName: 'shared/third',
          SecretData: 'v',
          VersionId: 'v1',
          Policy: naming('3333333333333333'),
        }),
      ).toBe('Rejected.ShareQuotaExceedLimit');
      // Revoking the second account does not free its share at once…
      await kms.call('SetKeyPolicy', { KeyId: keyId, Policy: naming('1111111111111111') });
      expect((await used()).UsedQuantity).toBe(2);
      expect(
        await kms.fails('SetKeyPolicy', {
          KeyId: keyId,
          Policy: naming('1111111111111111', '3333333333333333'),
        }),
      ).toBe('Rejected.ShareQuotaExceedLimit');
      // …but about 5 minutes later on the virtual clock.
      await advance(emulator, '6m');
      expect((await used()).UsedQuantity).toBe(1);
      await kms.call('SetKeyPolicy', {
        KeyId: keyId,
        Policy: naming('1111111111111111', '3333333333333333'),
      });
      expect((await used()).UsedQuantity).toBe(2);
    } finally {
      await emulator.close();
    }
  });
});
