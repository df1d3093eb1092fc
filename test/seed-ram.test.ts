import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { applySeed, exportSeed, parseSeed, SeedError } from '../src/testkit/seed.js';

/** The `ram` seed section (#25 §9): declared identities load through RAM's rules and export back. */
const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});
async function start(): Promise<Emulator> {
  const emulator = await startEmulator({ env: {} });
  running.push(emulator);
  return emulator;
}

const seedYaml = `
ram:
  policies:
    - policyName: read-secrets
      description: reads one secret
      policyDocument: { Version: "1", Statement: [{ Effect: Allow, Action: "kms:GetSecretValue", Resource: "*" }] }
  users:
    - userName: deployer
      displayName: CI deployer
      accessKeys:
        - { accessKeyId: LTAIdeployerFixed01, accessKeySecret: deployer-secret-01 }
      policies:
        - { policyName: read-secrets }
        - { policyName: AliyunKMSCryptoUserAccess, policyType: System }
  groups:
    - groupName: ci
      members: [deployer]
      policies: [{ policyName: read-secrets }]
  roles:
    - roleName: app
      assumeRolePolicyDocument: { Version: "1", Statement: [{ Effect: Allow, Action: "sts:AssumeRole", Principal: { RAM: ["acs:ram::1234567890123456:root"] } }] }
      maxSessionDuration: 7200
      policies: [{ policyName: read-secrets }]
`;

const whoAmI = (e: Emulator, accessKeyId: string, secret: string) =>
  callRpc(e.url, 'GetCallerIdentity', {}, { version: '2015-04-01', accessKeyId, secret });

describe('a seed with RAM identities', () => {
  it('loads users with fixed keys, groups, roles, policies and attachments, idempotently, and exports them back', async () => {
    const e = await start();
    const seed = parseSeed(seedYaml, 'ram.yaml');
    await applySeed(e, seed, 'ram.yaml');
    await applySeed(e, seed, 'ram.yaml');
    const me = await whoAmI(e, 'LTAIdeployerFixed01', 'deployer-secret-01');
    expect(me.body).toMatchObject({
      IdentityType: 'RAMUser',
      Arn: 'acs:ram::1234567890123456:user/deployer',
    });
    const account = '1234567890123456';
    expect(
      e.world.ram
        .policiesFor(account, 'User', 'deployer')
        .map((p) => p.policy.policyName)
        .sort(),
    ).toEqual(['AliyunKMSCryptoUserAccess', 'read-secrets']);
    expect(e.world.ram.groupsOfUser(account, 'deployer').map((g) => g.group.groupName)).toEqual(['ci']);
    expect(e.world.ram.role(account, 'app').maxSessionDuration).toBe(7200);

    const redacted = exportSeed(e, { includeSecrets: false });
    expect(JSON.stringify(redacted.ram)).not.toContain('deployer-secret-01');
    const full = exportSeed(e, { includeSecrets: true });
    const other = await start();
    await applySeed(other, JSON.parse(JSON.stringify(full)), 'export');
    expect((await whoAmI(other, 'LTAIdeployerFixed01', 'deployer-secret-01')).body.IdentityType).toBe(
      'RAMUser',
    );
    expect(exportSeed(other, { includeSecrets: true }).ram).toEqual(full.ram);
  });

  it('a seed that fails leaves no RAM identity behind', async () => {
    const e = await start();
    const bad = parseSeed(
      `ram:
  users:
    - userName: half
      accessKeys: [{ accessKeyId: LTAIhalfUser01, accessKeySecret: half-secret }]
      policies: [{ policyName: no-such-policy }]
`,
      'bad.yaml',
    );
    await expect(applySeed(e, bad, 'bad.yaml')).rejects.toThrow(SeedError);
    await expect(applySeed(e, bad, 'bad.yaml')).rejects.toThrow(
      /bad\.yaml: \/ram\/users\/0: EntityNotExist\.Policy/,
    );
    expect(e.world.identities.user('1234567890123456', 'half')).toBeUndefined();
    expect((await whoAmI(e, 'LTAIhalfUser01', 'half-secret')).body.Code).toBe('InvalidAccessKeyId.NotFound');
  });
});

describe('a seed with key and secret policies (#25 §9)', () => {
  it('declares a key policy naming a RAM user, enforces it, and exports it back', async () => {
    const e = await start();
    const keyPolicy = {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { RAM: ['acs:ram::1234567890123456:*'] },
          Action: ['kms:*'],
          Resource: ['*'],
        },
        {
          Effect: 'Allow',
          Principal: { RAM: ['acs:ram::1234567890123456:user/reader'] },
          Action: ['kms:Encrypt'],
          Resource: ['*'],
        },
      ],
    };
    const seed = parseSeed(
      JSON.stringify({
        ram: {
          users: [
            {
              userName: 'reader',
              accessKeys: [{ accessKeyId: 'LTAIreaderFixed0001', accessKeySecret: 'reader-secret' }],
            },
          ],
        },
        keys: [{ keyId: 'f0e1d2c3-0000-4000-8000-00000000a001', policy: keyPolicy }],
        secrets: [
          {
            secretName: 'app/db',
            versions: [{ versionId: 'v1', secretData: 'pw' }],
            policy: JSON.stringify(keyPolicy),
          },
        ],
      }),
      'policies.json',
    );
    await applySeed(e, seed, 'policies.json');
    const reader = { accessKeyId: 'LTAIreaderFixed0001', secret: 'reader-secret' };
    // The key policy alone admits the user named in it (no RAM policy).
    const encrypted = await callRpc(
      e.url,
      'Encrypt',
      { KeyId: 'f0e1d2c3-0000-4000-8000-00000000a001', Plaintext: 'aGk=' },
      reader,
    );
    expect(encrypted.status).toBe(200);
    expect((await callRpc(e.url, 'GetSecretValue', { SecretName: 'app/db' }, reader)).body.Code).toBe(
      'Forbidden.NoPermission',
    );
    const exported = exportSeed(e, { includeSecrets: false }) as {
      keys?: { policy?: string }[];
      secrets?: { policy?: string }[];
    };
    expect(JSON.parse(exported.keys?.[0]?.policy ?? '{}')).toEqual(keyPolicy);
    expect(JSON.parse(exported.secrets?.[0]?.policy ?? '{}')).toEqual(keyPolicy);
    // A policy the service would refuse is refused in a seed too.
    const bad = parseSeed(
      JSON.stringify({
        keys: [{ keyId: 'f0e1d2c3-0000-4000-8000-00000000a002', policy: { Version: '1', Statement: [] } }],
      }),
      'bad.json',
    );
    await expect(applySeed(e, bad, 'bad.json')).rejects.toThrow(SeedError);
  });
});
