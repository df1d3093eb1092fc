import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  type Emulator,
  startEmulator,
} from '../src/index.js';
import { type OpenApiCredentials, openApiCaller } from './helpers/openapi.js';

/**
 * RAM and STS through the official Node OpenAPI client (@alicloud/openapi-client), unmodified: V3
 * (its default) and V1 ('v2') signatures, with the session's token put where the client puts it.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

/** The official client against this emulator, over HTTP. */
function client(credentials: OpenApiCredentials, signatureAlgorithm?: string) {
  return openApiCaller(emulator.url.replace('http://', ''), credentials, { signatureAlgorithm });
}

const root = (version: string, action: string, query: Record<string, string> = {}) =>
  client({ accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET })(
    version,
    action,
    query,
  );

describe('RAM and STS through @alicloud/openapi-client', () => {
  it('a user made through RAM signs; an assumed role signs with its token by V3 and V1', async () => {
    await root('2015-05-01', 'CreateUser', { UserName: 'sdk-user' });
    const key = (await root('2015-05-01', 'CreateAccessKey', { UserName: 'sdk-user' })).AccessKey;
    await root('2015-05-01', 'AttachPolicyToUser', {
      PolicyType: 'System',
      PolicyName: 'AliyunSTSAssumeRoleAccess',
      UserName: 'sdk-user',
    });
    const user = client({ accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret });
    expect((await user('2015-04-01', 'GetCallerIdentity')).Arn).toBe(
      'acs:ram::1234567890123456:user/sdk-user',
    );

    await root('2015-05-01', 'CreateRole', {
      RoleName: 'sdk-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { RAM: ['acs:ram::1234567890123456:user/sdk-user'] },
          },
        ],
      }),
    });
    const assumed = await user('2015-04-01', 'AssumeRole', {
      RoleArn: 'acs:ram::1234567890123456:role/sdk-role',
      RoleSessionName: 'sdk-session',
    });
    const session = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      accessKeySecret: assumed.Credentials.AccessKeySecret,
      securityToken: assumed.Credentials.SecurityToken,
    };
    for (const algorithm of [undefined, 'v2']) {
      const me = await client(session, algorithm)('2015-04-01', 'GetCallerIdentity');
      expect(me).toMatchObject({
        IdentityType: 'AssumedRoleUser',
        Arn: 'acs:ram::1234567890123456:role/sdk-role/sdk-session',
      });
    }
    // Without its token the session's key is refused, whatever the signature.
    await expect(
      client({ accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret })(
        '2015-04-01',
        'GetCallerIdentity',
      ),
    ).rejects.toMatchObject({ code: 'MissingSecurityToken' });
  });

  it('surfaces RAM and STS error codes with their statuses', async () => {
    await expect(root('2015-05-01', 'GetUser', { UserName: 'nobody' })).rejects.toMatchObject({
      code: 'EntityNotExist.User',
      statusCode: 404,
    });
    await expect(
      root('2015-04-01', 'AssumeRole', {
        RoleArn: 'acs:ram::1234567890123456:role/none',
        RoleSessionName: 'x1',
      }),
    ).rejects.toMatchObject({ code: 'EntityNotExist.Role', statusCode: 404 });
  });
});
