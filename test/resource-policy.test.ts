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
import { kmsClient } from './helpers/client.js';

/** A JSON policy document of exactly `bytes` bytes. */
function policyOfSize(bytes: number): string {
  const base = JSON.stringify({ Version: '1', Statement: [], Pad: '' });
  const text = JSON.stringify({ Version: '1', Statement: [], Pad: 'a'.repeat(bytes - base.length) });
  expect(Buffer.byteLength(text, 'utf8')).toBe(bytes);
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
      const wide = JSON.stringify({ Version: '1', Statement: [], Pad: 'é'.repeat(16_400) });
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
    const own = JSON.stringify({ Version: '1', Statement: [] });
    await kms.call('CreateSecret', {
      SecretName: 'policy/own',
      SecretData: 'v',
      VersionId: 'v1',
      Policy: own,
    });
    expect((await kms.call('GetSecretPolicy', { SecretName: 'policy/own' })).Policy).toBe(own);
  });

  it('policyOf and setPolicy read and write the stored policy of a key or a secret', () => {
    const { world } = emulator;
    const scope = { accountId: '1234567890123456', regionId: 'cn-hangzhou' };
    const key = world.keys.create(scope, {});
    const policy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny' }] });
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
