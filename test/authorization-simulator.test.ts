import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';

/**
 * The simulator (POST /_emulator/authorize, #25 §8) for the identities the RAM and STS APIs make:
 * a RAM user's AccessKey and an assumed role's session are found like the built-in pairs (the
 * authorization fuzz saw every such question answered InvalidAccessKeyId.NotFound).
 */
const ACCOUNT = '1234567890123456';
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

async function ok(version: string, action: string, params: Record<string, string>) {
  const res = await callRpc(emulator.url, action, params, { version });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Record<string, Record<string, string>>;
}

describe('the simulator asks about RAM users and sessions made through the APIs', () => {
  it('explains a RAM user’s AccessKey and an STS session’s, not only the built-in pairs', async () => {
    await ok('2015-05-01', 'CreateUser', { UserName: 'sim-user' });
    const key = (await ok('2015-05-01', 'CreateAccessKey', { UserName: 'sim-user' })).AccessKey;
    await ok('2015-05-01', 'CreatePolicy', {
      PolicyName: 'sim-decrypt',
      PolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }],
      }),
    });
    await ok('2015-05-01', 'AttachPolicyToUser', {
      PolicyType: 'Custom',
      PolicyName: 'sim-decrypt',
      UserName: 'sim-user',
    });
    const asked = (accessKeyId: string, action: string) =>
      request(emulator.app)
        .post('/_emulator/authorize')
        .send({ accessKeyId, action, resource: `acs:kms:cn-hangzhou:${ACCOUNT}:key/key-x` });
    const allowed = await asked(key?.AccessKeyId as string, 'kms:Decrypt').expect(200);
    expect(allowed.body).toMatchObject({
      decision: 'Allow',
      principal: { type: 'SubUser', userName: 'sim-user' },
    });
    expect((await asked(key?.AccessKeyId as string, 'kms:Encrypt').expect(200)).body.decision).toBe(
      'ImplicitDeny',
    );

    await ok('2015-05-01', 'CreateRole', {
      RoleName: 'sim-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } },
        ],
      }),
    });
    const session = (
      await ok('2015-04-01', 'AssumeRole', {
        RoleArn: `acs:ram::${ACCOUNT}:role/sim-role`,
        RoleSessionName: 'sim',
      })
    ).Credentials;
    const denied = await asked(session?.AccessKeyId as string, 'kms:Decrypt').expect(200);
    expect(denied.body).toMatchObject({
      decision: 'ImplicitDeny',
      principal: { type: 'AssumedRoleUser', roleName: 'sim-role', sessionName: 'sim' },
    });
    await request(emulator.app)
      .post('/_emulator/authorize')
      .send({ accessKeyId: 'LTAInobody', action: 'kms:Decrypt' })
      .expect(404);
  });
});
