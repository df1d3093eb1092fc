import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc, type RpcResponse } from '../src/testkit/rpc-client.js';
import { advance, type Body } from './helpers/client.js';

/**
 * The dashboard's "Access control" data (#25 §8), under `access` in GET /_emulator/world: RAM users,
 * groups, roles, STS sessions with their expiry on the virtual clock, custom policies and their
 * attachments, the authorization mode and the recent denials with why — and never an
 * AccessKeySecret or a security token, opened or sealed.
 */
const RAM = '2015-05-01';
const STS = '2015-04-01';
const ACCOUNT = '1234567890123456';
const DEPLOYER = { accessKeyId: 'LTAIdashDeployer01', secret: 'deployer-secret-0xD1A5' };

const seed = {
  ram: {
    policies: [
      {
        policyName: 'read-secrets',
        description: 'reads secrets',
        policyDocument: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: '*' }],
        },
      },
      {
        policyName: 'no-new-keys',
        policyDocument: {
          Version: '1',
          Statement: [{ Sid: 'NoKeys', Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*' }],
        },
      },
    ],
    users: [
      {
        userName: 'deployer',
        displayName: 'CI deployer',
        accessKeys: [{ accessKeyId: DEPLOYER.accessKeyId, accessKeySecret: DEPLOYER.secret }],
        policies: [{ policyName: 'read-secrets' }, { policyName: 'no-new-keys' }],
      },
    ],
    groups: [
      {
        groupName: 'ci',
        members: ['deployer'],
        policies: [{ policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }],
      },
    ],
    roles: [
      {
        roleName: 'app',
        description: 'the application',
        assumeRolePolicyDocument: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { RAM: [`acs:ram::${ACCOUNT}:root`], Service: ['ecs.aliyuncs.com'] },
            },
          ],
        },
        maxSessionDuration: 7200,
        policies: [{ policyName: 'read-secrets' }],
      },
    ],
  },
};

type Signer = { accessKeyId?: string; secret?: string; securityToken?: string };
const signed = (
  e: Emulator,
  version: string | undefined,
  action: string,
  params: Record<string, string>,
  as: Signer = {},
): Promise<RpcResponse> =>
  callRpc(e.url, action, as.securityToken ? { ...params, SecurityToken: as.securityToken } : params, {
    ...(version ? { version } : {}),
    ...(as.accessKeyId ? { accessKeyId: as.accessKeyId, secret: as.secret } : {}),
  });

/** Every property name in a JSON value, at any depth. */
function fieldNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) fieldNames(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      found.add(k);
      fieldNames(v, found);
    }
  }
  return found;
}

describe('GET /_emulator/world: access control', () => {
  let emulator: Emulator;
  /** Every credential made on the way, opened and sealed: none may reach the view. */
  const hidden: string[] = [DEPLOYER.secret];
  let ops: Signer = {};
  let session: Signer = {};

  beforeAll(async () => {
    emulator = await startEmulator({ env: {}, randomSeed: 'dashboard-access' });
    const seeded = await request(emulator.app).post('/_emulator/seed').send(seed);
    expect(seeded.status, JSON.stringify(seeded.body)).toBe(200);
    await control('POST', 'clock', { freeze: true });

    // A user and its AccessKey made through the RAM API by the account's root pair.
    expect((await signed(emulator, RAM, 'CreateUser', { UserName: 'ops' })).status).toBe(200);
    const key = (await signed(emulator, RAM, 'CreateAccessKey', { UserName: 'ops' })).body.AccessKey as Body;
    ops = { accessKeyId: key.AccessKeyId, secret: key.AccessKeySecret };
    hidden.push(key.AccessKeySecret);

    // A session of the role, by AssumeRole.
    const assumed = await signed(emulator, STS, 'AssumeRole', {
      RoleArn: `acs:ram::${ACCOUNT}:role/app`,
      RoleSessionName: 'worker-1',
      DurationSeconds: '900',
    });
    expect(assumed.status, JSON.stringify(assumed.body)).toBe(200);
    const credentials = assumed.body.Credentials as Body;
    session = {
      accessKeyId: credentials.AccessKeyId,
      secret: credentials.AccessKeySecret,
      securityToken: credentials.SecurityToken,
    };
    hidden.push(credentials.AccessKeySecret, credentials.SecurityToken);

    // The sealed forms at rest, too.
    const store = emulator.world.store;
    for (const k of store.table<{ secret: string }>('ram-access-keys').list('all')) hidden.push(k.secret);
    for (const s of store.table<{ secret: string; securityToken: string }>('sts-sessions').list('all'))
      hidden.push(s.secret, s.securityToken);

    // Denials: an explicit Deny, an implicit one (no policy), one of the session; then audit mode.
    expect((await signed(emulator, undefined, 'CreateKey', {}, DEPLOYER)).body.Code).toBe(
      'Forbidden.NoPermission',
    );
    expect((await signed(emulator, undefined, 'ListKeys', {}, ops)).body.Code).toBe('Forbidden.NoPermission');
    expect((await signed(emulator, undefined, 'CreateKey', {}, session)).body.Code).toBe(
      'Forbidden.NoPermission',
    );
    emulator.authorizer.mode = 'audit';
    expect((await signed(emulator, undefined, 'ListKeys', {}, ops)).status).toBe(200);
  });
  afterAll(async () => {
    await emulator.close();
  });

  async function control(method: 'GET' | 'POST', path: string, body?: object): Promise<Body> {
    const req =
      method === 'GET'
        ? request(emulator.app).get(`/_emulator/${path}`)
        : request(emulator.app).post(`/_emulator/${path}`).send(body);
    const res = await req;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  const accountOf = (world: Body) =>
    (world.access.accounts as Body[]).find((a) => a.accountId === ACCOUNT) as Body;

  it('never holds an AccessKeySecret or a security token, opened or sealed, nor a field named for one', async () => {
    expect(hidden.filter(Boolean).length).toBeGreaterThanOrEqual(7);
    const world = await control('GET', 'world');
    const text = JSON.stringify(world);
    for (const secret of hidden) {
      expect(secret.length).toBeGreaterThan(8);
      expect(text, `the world view holds ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    const names = [...fieldNames(world.access)];
    expect(names.filter((n) => /secret|token|password|sealed/i.test(n))).toEqual([]);
    // RAM's tables are shown by the access part only, not again as unknown tables.
    expect(Object.keys(world.resources).filter((t) => /^(ram|sts)-/.test(t))).toEqual([]);
  });

  it('shows users with their AccessKeys, groups, roles, custom policies and attachments', async () => {
    const world = await control('GET', 'world');
    expect(world.access.mode).toBe('audit');
    const account = accountOf(world);
    const deployer = account.users.find((u: Body) => u.userName === 'deployer');
    expect(deployer).toMatchObject({
      displayName: 'CI deployer',
      arn: `acs:ram::${ACCOUNT}:user/deployer`,
      accessKeys: [{ accessKeyId: DEPLOYER.accessKeyId, status: 'Active' }],
      groups: ['ci'],
    });
    expect(deployer.userId).toMatch(/^\d{16}$/);
    expect(deployer.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(deployer.policies).toEqual(
      expect.arrayContaining([
        { policyName: 'read-secrets', policyType: 'Custom' },
        { policyName: 'no-new-keys', policyType: 'Custom' },
      ]),
    );
    expect(account.users.find((u: Body) => u.userName === 'ops').accessKeys).toEqual([
      expect.objectContaining({ accessKeyId: ops.accessKeyId, status: 'Active' }),
    ]);

    expect(account.groups).toEqual([
      expect.objectContaining({
        groupName: 'ci',
        members: ['deployer'],
        policies: [{ policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }],
      }),
    ]);
    expect(account.roles).toEqual([
      expect.objectContaining({
        roleName: 'app',
        arn: `acs:ram::${ACCOUNT}:role/app`,
        description: 'the application',
        maxSessionDuration: 7200,
        trustedPrincipals: [
          { effect: 'Allow', kind: 'RAM', value: `acs:ram::${ACCOUNT}:root` },
          { effect: 'Allow', kind: 'Service', value: 'ecs.aliyuncs.com' },
        ],
        policies: [{ policyName: 'read-secrets', policyType: 'Custom' }],
      }),
    ]);
    expect(account.policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          policyName: 'read-secrets',
          policyType: 'Custom',
          defaultVersion: 'v1',
          versions: ['v1'],
          attachmentCount: 2,
        }),
        expect.objectContaining({ policyName: 'no-new-keys', attachmentCount: 1 }),
      ]),
    );
    expect(account.policies).toHaveLength(2);
    expect(account.attachments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          policyName: 'AliyunKMSReadOnlyAccess',
          policyType: 'System',
          attachedTo: 'Group',
          name: 'ci',
        }),
        expect.objectContaining({ policyName: 'read-secrets', attachedTo: 'Role', name: 'app' }),
        expect.objectContaining({ policyName: 'read-secrets', attachedTo: 'User', name: 'deployer' }),
      ]),
    );
    expect(account.attachments).toHaveLength(4);
  });

  it('shows the session with its expiry on the virtual clock, expired once the clock passes it', async () => {
    let world = await control('GET', 'world');
    const shown = () => accountOf(world).sessions.find((s: Body) => s.accessKeyId === session.accessKeyId);
    expect(shown()).toMatchObject({
      roleName: 'app',
      roleArn: `acs:ram::${ACCOUNT}:role/app`,
      sessionName: 'worker-1',
      arn: `acs:ram::${ACCOUNT}:role/app/worker-1`,
      expired: false,
      sessionPolicy: false,
    });
    expect(accountOf(world).sessionsTotal).toBe(1);
    expect(shown().expirationMs - world.clock.epochMs).toBeLessThanOrEqual(900_000);
    expect(shown().expiration).toBe(new Date(shown().expirationMs).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await advance(emulator, '16m');
    world = await control('GET', 'world');
    expect(shown().expired).toBe(true);
  });

  it('shows the recent denials, newest first, with the reason and the statements that decided', async () => {
    const world = await control('GET', 'world');
    const denials = world.access.denials as Body[];
    expect(world.access.denialsTotal).toBe(4);
    expect(denials.map((d) => [d.operation, d.principal.displayName, d.decision, d.allowedByMode])).toEqual([
      ['ListKeys', 'ops', 'ImplicitDeny', true],
      ['CreateKey', 'app/worker-1', 'ImplicitDeny', false],
      ['ListKeys', 'ops', 'ImplicitDeny', false],
      ['CreateKey', 'deployer', 'ExplicitDeny', false],
    ]);
    const explicit = denials[3] as Body;
    expect(explicit).toMatchObject({
      accessKeyId: DEPLOYER.accessKeyId,
      product: 'Kms',
      action: 'kms:CreateKey',
      principal: { type: 'SubUser', accountId: ACCOUNT, arn: `acs:ram::${ACCOUNT}:user/deployer` },
    });
    expect(explicit.time).toMatch(/Z$/);
    expect(explicit.reason).toEqual(expect.any(String));
    expect(explicit.reason.length).toBeGreaterThan(10);
    expect(explicit.matched).toContainEqual(
      expect.objectContaining({
        policy: 'no-new-keys',
        policyType: 'Custom',
        policyVersion: 'v1',
        statement: 0,
        sid: 'NoKeys',
        effect: 'Deny',
        text: JSON.stringify({ Sid: 'NoKeys', Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*' }),
      }),
    );
    const ofSession = denials[1] as Body;
    expect(ofSession).toMatchObject({
      accessKeyId: session.accessKeyId,
      principal: { type: 'AssumedRoleUser', arn: `acs:ram::${ACCOUNT}:role/app/worker-1` },
    });
    // The same explanation the simulator's GET /_emulator/authorize/denials gives.
    const simulator = await control('GET', 'authorize/denials');
    const same = (simulator.denials as Body[]).find((d) => d.requestId === explicit.requestId) as Body;
    expect(same.reason).toBe(explicit.reason);
    expect(same.decision).toBe(explicit.decision);
    expect(same.matched.length).toBe(explicit.matched.length);
  });

  it('lists at most 200 sessions of an account, those that expire last, and says how many there are', async () => {
    for (let i = 0; i < 205; i++) {
      emulator.world.identities.createSession({
        accountId: ACCOUNT,
        roleName: 'app',
        roleId: '300000000000000001',
        sessionName: `loop-${i}`,
        durationMs: 900_000 + i * 1000,
      });
    }
    const account = accountOf(await control('GET', 'world'));
    expect(account.sessionsTotal).toBe(206);
    expect(account.sessions).toHaveLength(200);
    expect(account.sessions[0].sessionName).toBe('loop-204');
    expect(account.sessions.some((s: Body) => s.sessionName === 'worker-1')).toBe(false);
  });
});
