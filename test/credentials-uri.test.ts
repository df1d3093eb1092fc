import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc, type RpcResponse } from '../src/testkit/rpc-client.js';
import { advance, type Body } from './helpers/client.js';

/**
 * GET /_emulator/credentials/<role> (#25 §10): the emulator as the `ALIBABA_CLOUD_CREDENTIALS_URI`
 * server of the credentials libraries. It assumes the role as the account's root would (the trust
 * policy must name the account) and answers a real STS session in the shape the libraries read.
 */
const RAM = '2015-05-01';
const ACCOUNT = '1234567890123456';

let emulator: Emulator;
let keyId: string;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  await ok(
    ram('CreateRole', { RoleName: 'AppRole', AssumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:root`) }),
  );
  await ok(
    ram('AttachPolicyToRole', {
      PolicyName: 'AliyunKMSCryptoUserAccess',
      PolicyType: 'System',
      RoleName: 'AppRole',
    }),
  );
  await ok(
    ram('CreateRole', {
      RoleName: 'OtherAccountsRole',
      AssumeRolePolicyDocument: trust('acs:ram::999:root'),
    }),
  );
  keyId = (await ok(callRpc(emulator.url, 'CreateKey', {}))).KeyMetadata.KeyId;
});
afterAll(() => emulator.close());

function trust(...principals: string[]): string {
  return JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: principals } }],
  });
}
const ram = (action: string, params: Record<string, string>) =>
  callRpc(emulator.url, action, params, { version: RAM });
async function ok(res: Promise<RpcResponse>): Promise<Body> {
  const { status, body } = await res;
  expect(body.Code, JSON.stringify(body)).toBeUndefined();
  expect(status).toBe(200);
  return body;
}
async function credentials(path: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${emulator.url}/_emulator/credentials/${path}`);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Body };
}
function asSession(body: Body) {
  return { accessKeyId: body.AccessKeyId as string, secret: body.AccessKeySecret as string };
}

describe('GET /_emulator/credentials/<role>', () => {
  it('answers the credentials URI shape the libraries read, a session of the role expiring on the virtual clock', async () => {
    const now = Date.parse(((await (await fetch(`${emulator.url}/_emulator/clock`)).json()) as Body).now);
    const { status, body } = await credentials('AppRole');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(
      ['AccessKeyId', 'AccessKeySecret', 'Code', 'Expiration', 'LastUpdated', 'SecurityToken'].sort(),
    );
    expect(body.Code).toBe('Success');
    expect(body.AccessKeyId).toMatch(/^STS\./);
    expect(body.SecurityToken).toMatch(/^CAIS/);
    // The libraries parse `YYYY-MM-DDTHH:MM:SSZ` (Python strptime, Go time.Parse, Java).
    expect(body.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.LastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The default duration is AssumeRole's: 3600 s on the virtual clock.
    expect(Date.parse(body.Expiration) - now).toBeGreaterThanOrEqual(3599_000);
    expect(Date.parse(body.Expiration) - now).toBeLessThanOrEqual(3601_000);

    // The session signs as the role: GetCallerIdentity, then what the role's policy allows and denies.
    const session = asSession(body);
    const token = { SecurityToken: body.SecurityToken as string };
    const me = await ok(
      callRpc(emulator.url, 'GetCallerIdentity', token, { ...session, version: '2015-04-01' }),
    );
    expect(me).toMatchObject({
      IdentityType: 'AssumedRoleUser',
      AccountId: ACCOUNT,
      // RAM writes a role's name lower-case in its ARN.
      Arn: `acs:ram::${ACCOUNT}:role/approle/credentials-uri`,
    });
    const encrypted = await ok(
      callRpc(emulator.url, 'Encrypt', { ...token, KeyId: keyId, Plaintext: 'aGVsbG8=' }, session),
    );
    expect(encrypted.KeyId).toBe(keyId);
    const denied = await callRpc(emulator.url, 'CreateKey', token, session);
    expect(denied.body.Code).toBe('Forbidden.NoPermission');
    expect(denied.body.AccessDeniedDetail).toMatchObject({ AuthAction: 'kms:CreateKey' });
  });

  it('expires the session when the virtual clock passes `duration`; sessionName names it', async () => {
    const { status, body } = await credentials('AppRole?duration=900&sessionName=ci-job.1');
    expect(status).toBe(200);
    const session = asSession(body);
    const token = { SecurityToken: body.SecurityToken as string };
    const me = await ok(
      callRpc(emulator.url, 'GetCallerIdentity', token, { ...session, version: '2015-04-01' }),
    );
    expect(me.Arn).toBe(`acs:ram::${ACCOUNT}:role/approle/ci-job.1`);
    await advance(emulator, '14m');
    await ok(callRpc(emulator.url, 'Encrypt', { ...token, KeyId: keyId, Plaintext: 'aGVsbG8=' }, session));
    await advance(emulator, '2m');
    const expired = await callRpc(
      emulator.url,
      'Encrypt',
      { ...token, KeyId: keyId, Plaintext: 'aGVsbG8=' },
      session,
    );
    expect(expired.body.Code).toBe('InvalidSecurityToken.Expired');
    // The next fetch is a fresh session.
    const next = await credentials('AppRole');
    expect(next.body.AccessKeyId).not.toBe(body.AccessKeyId);
    await ok(
      callRpc(
        emulator.url,
        'Encrypt',
        { SecurityToken: next.body.SecurityToken, KeyId: keyId, Plaintext: 'aGVsbG8=' },
        asSession(next.body),
      ),
    );
  });

  it('refuses an unknown role (404), a role whose trust policy does not name the account (403, with why), bad input (400)', async () => {
    expect(await credentials('NoSuchRole')).toEqual({
      status: 404,
      body: { Code: 'EntityNotExist.Role', Message: expect.stringContaining('NoSuchRole') },
    });
    // The role exists in the default account, not in another one.
    expect((await credentials('AppRole?accountId=5555555555555555')).status).toBe(404);
    const refused = await credentials('OtherAccountsRole');
    expect(refused.status).toBe(403);
    expect(refused.body.Code).toBe('NoPermission');
    expect(refused.body.Message).toContain(`acs:ram::${ACCOUNT}:role/otheraccountsrole`);
    expect(refused.body.Message).toMatch(/trust policy/);
    expect((await credentials('AppRole?duration=899')).body.Code).toBe('InvalidParameter.DurationSeconds');
    expect((await credentials('AppRole?duration=3601')).body.Code).toBe('InvalidParameter.DurationSeconds');
    expect((await credentials('AppRole?duration=1e3')).status).toBe(400);
    expect((await credentials('AppRole?sessionName=x')).body.Code).toBe('InvalidParameter.RoleSessionName');
    expect((await credentials('AppRole?accountId=abc')).status).toBe(400);
  });

  it('in the audit mode a role whose trust does not name the account is assumed, as AssumeRole would be', async () => {
    const before = emulator.authorizer.mode;
    emulator.authorizer.mode = 'audit';
    try {
      expect((await credentials('OtherAccountsRole')).status).toBe(200);
    } finally {
      emulator.authorizer.mode = before;
    }
  });
});
