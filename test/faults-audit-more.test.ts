import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, type Emulator, startEmulator } from '../src/index.js';
import { type Body, kmsClient } from './helpers/client.js';

let emulator: Emulator;
afterEach(() => emulator?.close());

const REGION = 'cn-hangzhou';

async function control(method: string, path: string, body?: unknown): Promise<{ status: number } & Body> {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as Body) };
}

const audit = async (query = ''): Promise<Body[]> =>
  (await control('GET', `audit${query ? `?${query}` : ''}`)).events as Body[];

/** Two keys; `alias/orders` names the first. */
async function twoKeys() {
  emulator = await startEmulator({ env: {} });
  const kms = kmsClient(emulator);
  const keyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
  const otherKeyId = (await kms.call('CreateKey', {})).KeyMetadata.KeyId as string;
  await kms.call('CreateAlias', { AliasName: 'alias/orders', KeyId: keyId });
  const arn = `acs:kms:${REGION}:${DEFAULT_ACCOUNT_ID}:key/${keyId}`;
  return { kms, keyId, otherKeyId, arn };
}

describe('fault rules on a key', () => {
  it('a rule naming the key ID fires for calls via alias, via ARN and for Decrypt of its blob — not for another key', async () => {
    const { kms, keyId, otherKeyId, arn } = await twoKeys();
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob;
    const otherBlob = (await kms.call('Encrypt', { KeyId: otherKeyId, Plaintext: 'aGk=' })).CiphertextBlob;
    const added = await control('POST', 'faults', {
      resource: keyId,
      error: { code: 'Rejected.Throttling' },
    });
    expect(added.status).toBe(200);
    expect(await kms.fails('Encrypt', { KeyId: 'alias/orders', Plaintext: 'aGk=' })).toBe(
      'Rejected.Throttling',
    );
    expect(await kms.fails('Encrypt', { KeyId: arn, Plaintext: 'aGk=' })).toBe('Rejected.Throttling');
    expect(await kms.fails('GenerateDataKey', { KeyId: 'alias/orders' })).toBe('Rejected.Throttling');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.Throttling');
    expect(
      await kms.fails('ReEncrypt', { CiphertextBlob: otherBlob, DestinationKeyId: 'alias/orders' }),
    ).toBe('Rejected.Throttling');
    // Another key is untouched.
    expect((await kms.call('Encrypt', { KeyId: otherKeyId, Plaintext: 'aGk=' })).KeyId).toBe(otherKeyId);
    expect((await kms.call('Decrypt', { CiphertextBlob: otherBlob })).Plaintext).toBe('aGk=');
    const rules = (await control('GET', 'faults')).faults as Body[];
    expect(rules[0]).toMatchObject({ matched: 5, fired: 5 });
  });

  it('a rule naming the alias or the ARN fires for calls by key ID, and an unknown alias matches nothing', async () => {
    const { kms, keyId, otherKeyId, arn } = await twoKeys();
    const blob = (await kms.call('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).CiphertextBlob;
    await control('POST', 'faults', {
      rules: [
        { resource: 'alias/orders', action: 'Encrypt', error: { code: 'InternalFailure' } },
        { resource: arn, action: 'Decrypt', error: { code: 'Rejected.Throttling' } },
        { resource: 'alias/nothing', error: { code: 'Forbidden.NoPermission', status: 403 } },
      ],
    });
    expect(await kms.fails('Encrypt', { KeyId: keyId, Plaintext: 'aGk=' })).toBe('InternalFailure');
    expect(await kms.fails('Decrypt', { CiphertextBlob: blob })).toBe('Rejected.Throttling');
    expect((await kms.call('Encrypt', { KeyId: otherKeyId, Plaintext: 'aGk=' })).KeyId).toBe(otherKeyId);
    const rules = (await control('GET', 'faults')).faults as Body[];
    expect(rules.map((r) => r.fired)).toEqual([1, 1, 0]);
  });

  it('refuses a rule with an unknown field, naming it, and keeps the documented ones', async () => {
    emulator = await startEmulator({ env: {} });
    const typo = await control('POST', 'faults', { action: 'Encrypt', time: 1, error: { code: 'X' } });
    expect(typo.status).toBe(400);
    expect(typo.error).toBe('InvalidParameter');
    expect(typo.message).toContain('Fault rule: unknown field "time"');
    const nested = await control('POST', 'faults', { error: { code: 'X', retryAfter: 5 } });
    expect(nested.status).toBe(400);
    expect(nested.message).toContain('"error.retryAfter"');
    expect((await control('GET', 'faults')).faults).toEqual([]);
    const full = await control('POST', 'faults', {
      action: ['Encrypt'],
      resource: 'alias/x',
      principal: 'LTAIsomeone',
      error: { code: 'Rejected.Throttling', status: 429, message: 'slow down', retryAfterMs: 10 },
      latencyMs: 0,
      drop: false,
      times: 1,
      after: 0,
      probability: 1,
    });
    expect(full.status).toBe(200);
    expect(full.faults).toHaveLength(1);
  });
});

describe('audit journal', () => {
  it('records calls via an alias under the key ARN, with the key version, and Decrypt with the blob version', async () => {
    const { kms, keyId, arn } = await twoKeys();
    await control('DELETE', 'audit');
    const enc = await kms.call('Encrypt', { KeyId: 'alias/orders', Plaintext: 'aGk=' });
    await kms.call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    const viaArn = await kms.call('GenerateDataKey', { KeyId: arn });
    const events = await audit();
    expect(events.map((e) => [e.action, e.resourceArn, e.keyVersionId])).toEqual([
      ['Encrypt', arn, enc.KeyVersionId],
      ['Decrypt', arn, enc.KeyVersionId],
      ['GenerateDataKey', arn, viaArn.KeyVersionId],
    ]);
    expect(typeof enc.KeyVersionId).toBe('string');
    expect(JSON.stringify(events)).not.toContain('alias/orders');
    expect(JSON.stringify(events)).not.toContain(viaArn.Plaintext);
    // The resource filter takes the key ID, the ARN or the alias.
    expect(await audit(`resource=${keyId}`)).toHaveLength(3);
    expect(await audit(`resource=${encodeURIComponent(arn)}`)).toHaveLength(3);
    expect(await audit('resource=alias/orders')).toHaveLength(3);
    // A failed Decrypt still names the key and version of its blob.
    expect(
      await kms.fails('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: '{"a":"b"}' }),
    ).toBe('InvalidCiphertext');
    expect((await audit('code=InvalidCiphertext'))[0]).toMatchObject({
      resourceArn: arn,
      keyVersionId: enc.KeyVersionId,
    });
    // One key version so far: every call used it; another version ID finds nothing.
    expect(await audit(`keyVersionId=${enc.KeyVersionId}`)).toHaveLength(4);
    expect(await audit('keyVersionId=no-such-version')).toEqual([]);
  });

  it('records the secret version GetSecretValue read, and filters by it', async () => {
    emulator = await startEmulator({ env: {} });
    const kms = kmsClient(emulator);
    await kms.call('CreateSecret', { SecretName: 'db', SecretData: 'one', VersionId: 'v1' });
    await kms.call('PutSecretValue', { SecretName: 'db', SecretData: 'two', VersionId: 'v2' });
    await kms.call('GetSecretValue', { SecretName: 'db' });
    await kms.call('GetSecretValue', { SecretName: 'db', VersionId: 'v1' });
    const reads = await audit('action=GetSecretValue');
    expect(reads.map((e) => [e.resourceArn, e.secretVersionId])).toEqual([
      [`acs:kms:${REGION}:${DEFAULT_ACCOUNT_ID}:secret/db`, 'v2'],
      [`acs:kms:${REGION}:${DEFAULT_ACCOUNT_ID}:secret/db`, 'v1'],
    ]);
    expect(JSON.stringify(reads)).not.toMatch(/"one"|"two"/);
    expect((await audit('action=GetSecretValue&secretVersionId=v1')).map((e) => e.secretVersionId)).toEqual([
      'v1',
    ]);
  });

  it('records calls that fail authentication, with the claimed principal and the code — and no fault fires on them', async () => {
    emulator = await startEmulator({ env: {} });
    await control('POST', 'faults', { principal: DEFAULT_ACCESS_KEY_ID, error: { code: 'InternalFailure' } });
    const wrong = kmsClient(emulator, { secret: 'not-the-secret' });
    expect(await wrong.fails('DescribeRegions')).toBe('SignatureDoesNotMatch');
    const nobody = kmsClient(emulator, { accessKeyId: 'LTAInobody', secret: 'x' });
    expect(await nobody.fails('DescribeRegions')).toBe('InvalidAccessKeyId.NotFound');
    const mismatch = await audit('code=SignatureDoesNotMatch');
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]).toMatchObject({
      action: 'DescribeRegions',
      accessKeyId: DEFAULT_ACCESS_KEY_ID,
      status: 400,
      authFailed: true,
    });
    expect(await audit('principal=LTAInobody')).toMatchObject([
      { action: 'DescribeRegions', code: 'InvalidAccessKeyId.NotFound', authFailed: true },
    ]);
    // The rule for that principal neither matched nor fired on the unauthenticated call.
    expect((await control('GET', 'faults')).faults[0]).toMatchObject({ matched: 0, fired: 0 });
    // An authenticated call is not flagged.
    expect(await kmsClient(emulator).fails('DescribeRegions')).toBe('InternalFailure');
    const last = (await audit('code=InternalFailure'))[0];
    expect(last?.authFailed).toBeUndefined();
  });

  it('records a call a drop fault cut off, with status 0 and code ConnectionDropped', async () => {
    const { kms, arn } = await twoKeys();
    await control('POST', 'faults', { resource: 'alias/orders', action: 'Encrypt', drop: true, times: 1 });
    await expect(kms.call('Encrypt', { KeyId: 'alias/orders', Plaintext: 'aGk=' })).rejects.toThrow();
    const dropped = await audit('code=ConnectionDropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ action: 'Encrypt', status: 0, resourceArn: arn });
    // The next call goes through and is recorded as usual.
    await kms.call('Encrypt', { KeyId: 'alias/orders', Plaintext: 'aGk=' });
    expect(await audit('action=Encrypt&code=Success')).toHaveLength(1);
  });
});
