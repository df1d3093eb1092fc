import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, createSign, createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, kmsClient } from './helpers/client.js';

let emulator: Emulator;
afterEach(() => emulator?.close());

const KEY_USER = 'RbacPermission/Template/CryptoServiceKeyUser';
const SECRET_USER = 'RbacPermission/Template/CryptoServiceSecretUser';

async function setUp() {
  emulator = await startEmulator();
  const kms = kmsClient(emulator);
  const instanceId = (await kms.call('GetDefaultKmsInstance')).DefaultKmsInstanceId as string;
  return { kms, instanceId };
}

/** OpenSSL, a second implementation, opens the PKCS#12 with the password. */
function opensslPkcs12(der: Buffer, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-p12-'));
  const file = join(dir, 'key.p12');
  writeFileSync(file, der);
  return execFileSync('openssl', ['pkcs12', '-in', file, '-nodes', '-passin', `pass:${password}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('network rules, policies, application access points (OpenAPI)', () => {
  it('create, describe, list, update and delete each, with the ARNs and shapes of the models', async () => {
    const { kms, instanceId } = await setUp();
    const rule = await kms.call('CreateNetworkRule', {
      Name: 'office',
      Type: 'Private',
      Description: 'office VPC',
      SourcePrivateIp: '["192.168.0.0/16","10.0.0.7"]',
    });
    expect(rule).toMatchObject({
      Name: 'office',
      Type: 'Private',
      Arn: 'acs:kms:cn-hangzhou:1234567890123456:network/office',
      SourcePrivateIp: '["192.168.0.0/16","10.0.0.7"]',
    });
    await kms.call('UpdateNetworkRule', { Name: 'office', SourcePrivateIp: '10.1.0.0/24,10.2.0.1' });
    const described = await kms.call('DescribeNetworkRule', { Name: 'office' });
    expect(described.SourcePrivateIp).toBe('["10.1.0.0/24","10.2.0.1"]');
    expect(described.Description).toBe('office VPC');
    const rules = await kms.call('ListNetworkRules');
    expect(rules).toMatchObject({ TotalCount: 1, PageSize: 20, PageNumber: 1 });
    expect(rules.NetworkRules.NetworkRule).toEqual([{ Name: 'office', Type: 'Private' }]);

    const policy = await kms.call('CreatePolicy', {
      Name: 'app-policy',
      KmsInstance: instanceId,
      Permissions: JSON.stringify([KEY_USER, SECRET_USER]),
      Resources: '["key/*","secret/db-password"]',
      AccessControlRules: '{"NetworkRules":["office"]}',
    });
    expect(policy).toMatchObject({
      Arn: 'acs:kms:cn-hangzhou:1234567890123456:policy/app-policy',
      KmsInstance: instanceId,
      Permissions: JSON.stringify([KEY_USER, SECRET_USER]),
      Resources: '["key/*","secret/db-password"]',
      AccessControlRules: '{"NetworkRules":["office"]}',
    });
    await kms.call('UpdatePolicy', { Name: 'app-policy', Resources: '["secret/*"]', Description: 'd2' });
    const got = await kms.call('DescribePolicy', { Name: 'app-policy' });
    expect(got.Permissions).toEqual([KEY_USER, SECRET_USER]);
    expect(got.Resources).toEqual(['secret/*']);
    expect(got.Description).toBe('d2');
    expect((await kms.call('ListPolicies')).Policies.Policy).toEqual([{ Name: 'app-policy' }]);

    const aap = await kms.call('CreateApplicationAccessPoint', {
      Name: 'my-app',
      AuthenticationMethod: 'ClientKey',
      Policies: '["app-policy"]',
      Description: 'the app',
    });
    expect(aap).toMatchObject({
      Arn: 'acs:kms:cn-hangzhou:1234567890123456:applicationaccesspoint/my-app',
      AuthenticationMethod: 'ClientKey',
      Policies: '["app-policy"]',
    });
    await kms.call('UpdateApplicationAccessPoint', { Name: 'my-app', Description: 'renamed' });
    expect((await kms.call('DescribeApplicationAccessPoint', { Name: 'my-app' })).Description).toBe(
      'renamed',
    );
    expect(
      (await kms.call('ListApplicationAccessPoints')).ApplicationAccessPoints.ApplicationAccessPoint,
    ).toEqual([{ Name: 'my-app', AuthenticationMethod: 'ClientKey' }]);

    // Referential rules: nothing still referenced can go.
    expect(await kms.fails('DeleteNetworkRule', { Name: 'office' })).toBe('Rejected.ResourceInUse');
    expect(await kms.fails('DeletePolicy', { Name: 'app-policy' })).toBe('Rejected.ResourceInUse');
    await kms.call('DeleteApplicationAccessPoint', { Name: 'my-app' });
    await kms.call('DeletePolicy', { Name: 'app-policy' });
    await kms.call('DeleteNetworkRule', { Name: 'office' });
    expect(await kms.fails('DescribeNetworkRule', { Name: 'office' })).toBe('Forbidden.ResourceNotFound');
    expect(await kms.fails('DescribePolicy', { Name: 'app-policy' })).toBe('Forbidden.ResourceNotFound');
    expect(await kms.fails('DescribeApplicationAccessPoint', { Name: 'my-app' })).toBe(
      'Forbidden.ResourceNotFound',
    );
  });

  it('refuses what the documentation refuses', async () => {
    const { kms, instanceId } = await setUp();
    const policy = { KmsInstance: instanceId, Permissions: `["${KEY_USER}"]`, Resources: '["key/*"]' };
    expect(
      await kms.fails('CreateNetworkRule', { Name: 'n', Type: 'Public', SourcePrivateIp: '10.0.0.1' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateNetworkRule', { Name: 'n', Type: 'Private', SourcePrivateIp: '10.0.0.300' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateNetworkRule', { Name: 'n', Type: 'Private', SourcePrivateIp: '10.0.0.0/33' }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('CreateNetworkRule', { Type: 'Private' })).toBe('MissingParameter');
    await kms.call('CreateNetworkRule', { Name: 'n', Type: 'Private', SourcePrivateIp: '10.0.0.1' });
    expect(
      await kms.fails('CreateNetworkRule', { Name: 'n', Type: 'Private', SourcePrivateIp: '10.0.0.2' }),
    ).toBe('Rejected.ResourceExist');
    expect(await kms.fails('CreatePolicy', { ...policy, Name: 'p', Permissions: '["Admin"]' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreatePolicy', { ...policy, Name: 'p', Resources: '["cert/x"]' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreatePolicy', { ...policy, Name: 'p', KmsInstance: 'kst-missing' })).toBe(
      'Forbidden.DKMSInstanceNotFound',
    );
    expect(
      await kms.fails('CreatePolicy', {
        ...policy,
        Name: 'p',
        AccessControlRules: '{"NetworkRules":["nope"]}',
      }),
    ).toBe('Forbidden.ResourceNotFound');
    expect(
      await kms.fails('CreatePolicy', { ...policy, Name: 'p', AccessControlRules: '{"NetworkRules":"n"}' }),
    ).toBe('InvalidParameter');
    for (const name of ['p1', 'p2', 'p3', 'p4']) await kms.call('CreatePolicy', { ...policy, Name: name });
    expect(await kms.fails('CreatePolicy', { ...policy, Name: 'p1' })).toBe('Rejected.ResourceExist');
    expect(
      await kms.fails('CreateApplicationAccessPoint', { Name: 'a', Policies: '["p1","p2","p3","p4"]' }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('CreateApplicationAccessPoint', { Name: 'a', Policies: '["ghost"]' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    expect(
      await kms.fails('CreateApplicationAccessPoint', {
        Name: 'a',
        Policies: '["p1"]',
        AuthenticationMethod: 'RAM',
      }),
    ).toBe('InvalidParameter');
    await kms.call('CreateApplicationAccessPoint', { Name: 'a', Policies: '["p1","p2","p3"]' });
    expect(await kms.fails('CreateApplicationAccessPoint', { Name: 'a', Policies: '["p1"]' })).toBe(
      'Rejected.ResourceExist',
    );
    expect(
      await kms.fails('UpdateApplicationAccessPoint', { Name: 'a', Policies: '["p1","p2","p3","p4"]' }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('UpdatePolicy', { Name: 'ghost', Resources: '["key/*"]' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    // A failed update changes nothing.
    expect(await kms.fails('UpdatePolicy', { Name: 'p1', Permissions: '["x"]' })).toBe('InvalidParameter');
    expect((await kms.call('DescribePolicy', { Name: 'p1' })).Permissions).toEqual([KEY_USER]);
  });
});

describe('client keys', () => {
  it('CreateClientKey answers a PKCS#12 that OpenSSL opens with the password; only the certificate is kept', async () => {
    const { kms, instanceId } = await setUp();
    await kms.call('CreatePolicy', {
      Name: 'p',
      KmsInstance: instanceId,
      Permissions: `["${KEY_USER}"]`,
      Resources: '["key/*"]',
    });
    await kms.call('CreateApplicationAccessPoint', { Name: 'app', Policies: '["p"]' });
    const created = await kms.call('CreateClientKey', { AapName: 'app', Password: 'Passw0rd-demo' });
    expect(created.ClientKeyId).toMatch(/^KAAP\.[0-9a-f-]{36}$/);
    expect(created.KeyAlgorithm).toBe('RSA_2048');
    const validity = Date.parse(created.NotAfter) - Date.parse(created.NotBefore);
    expect(validity).toBe(5 * 365 * 86400_000);

    const pem = opensslPkcs12(Buffer.from(created.PrivateKeyData, 'base64'), 'Passw0rd-demo');
    const privateKey = createPrivateKey(pem.slice(pem.indexOf('-----BEGIN PRIVATE KEY-----')));
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const cert = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
    expect(cert.subject).toContain(`CN=${created.ClientKeyId}`);
    expect(() => opensslPkcs12(Buffer.from(created.PrivateKeyData, 'base64'), 'wrong-pass1')).toThrow();

    const got = await kms.call('GetClientKey', { ClientKeyId: created.ClientKeyId });
    expect(got).toMatchObject({
      ClientKeyId: created.ClientKeyId,
      AapName: 'app',
      KeyAlgorithm: 'RSA_2048',
      KeyOrigin: 'KMS_PROVIDED',
      NotBefore: created.NotBefore,
      NotAfter: created.NotAfter,
    });
    // The kept public half verifies what the private half signs.
    const signature = createSign('sha256').update('hello').sign(privateKey);
    expect(createVerify('sha256').update('hello').verify(createPublicKey(got.PublicKeyData), signature)).toBe(
      true,
    );
    expect(JSON.stringify(emulator.store.table('client-keys').list('all'))).not.toContain('PRIVATE KEY');

    const listed = await kms.call('ListClientKeys', { AapName: 'app' });
    expect(listed.ClientKeys.map((k: { ClientKeyId: string }) => k.ClientKeyId)).toEqual([
      created.ClientKeyId,
    ]);
    expect((await kms.call('ListClientKeys')).ClientKeys).toHaveLength(1);
    expect(await kms.fails('DeleteApplicationAccessPoint', { Name: 'app' })).toBe('Rejected.ResourceInUse');
    await kms.call('DeleteClientKey', { ClientKeyId: created.ClientKeyId });
    expect(await kms.fails('GetClientKey', { ClientKeyId: created.ClientKeyId })).toBe(
      'Forbidden.ResourceNotFound',
    );
    await kms.call('DeleteApplicationAccessPoint', { Name: 'app' });
  });

  it('checks the password, the validity window and the access point; defaults follow the virtual clock', async () => {
    const { kms, instanceId } = await setUp();
    await kms.call('CreatePolicy', {
      Name: 'p',
      KmsInstance: instanceId,
      Permissions: `["${KEY_USER}"]`,
      Resources: '["key/*"]',
    });
    await kms.call('CreateApplicationAccessPoint', { Name: 'app', Policies: '["p"]' });
    for (const password of ['short1A', 'alllowercaseletters', 'has space 123', `${'x'.repeat(60)}12345`]) {
      expect(await kms.fails('CreateClientKey', { AapName: 'app', Password: password })).toBe(
        'InvalidParameter',
      );
    }
    expect(await kms.fails('CreateClientKey', { AapName: 'ghost', Password: 'Passw0rd-demo' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    expect(
      await kms.fails('CreateClientKey', {
        AapName: 'app',
        Password: 'Passw0rd-demo',
        NotAfter: '2030-01-01T00:00:00Z',
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CreateClientKey', {
        AapName: 'app',
        Password: 'Passw0rd-demo',
        NotBefore: '2030-01-01T00:00:00Z',
        NotAfter: '2029-01-01T00:00:00Z',
      }),
    ).toBe('InvalidParameter');
    const explicit = await kms.call('CreateClientKey', {
      AapName: 'app',
      Password: 'Passw0rd-demo',
      NotBefore: '2030-01-01T00:00:00Z',
      NotAfter: '2031-01-01T00:00:00Z',
    });
    expect(explicit).toMatchObject({ NotBefore: '2030-01-01T00:00:00Z', NotAfter: '2031-01-01T00:00:00Z' });
    await advance(emulator, '100d');
    const later = await kms.call('CreateClientKey', { AapName: 'app', Password: 'Passw0rd-demo' });
    expect(Date.parse(later.NotBefore) - Date.now()).toBeGreaterThan(99 * 86400_000);
  });
});

describe('seeds', () => {
  it('declare network rules, policies, access points and client keys; export writes them back', async () => {
    const { kms, instanceId } = await setUp();
    await kms.call('CreatePolicy', {
      Name: 'tmp',
      KmsInstance: instanceId,
      Permissions: `["${KEY_USER}"]`,
      Resources: '["key/*"]',
    });
    await kms.call('CreateApplicationAccessPoint', { Name: 'tmp-app', Policies: '["tmp"]' });
    const { ClientKeyId } = await kms.call('CreateClientKey', {
      AapName: 'tmp-app',
      Password: 'Passw0rd-demo',
    });
    const { PublicKeyData } = await kms.call('GetClientKey', { ClientKeyId });
    const seed = {
      networkRules: [{ name: 'loopback', sourcePrivateIp: ['127.0.0.1', '10.0.0.0/8'] }],
      accessPolicies: [
        {
          name: 'seeded',
          kmsInstanceId: instanceId,
          permissions: [SECRET_USER],
          resources: ['secret/*'],
          networkRules: ['loopback'],
        },
      ],
      applicationAccessPoints: [{ name: 'seeded-app', policies: ['seeded'] }],
      clientKeys: [
        {
          clientKeyId: 'KAAP.00000000-0000-4000-8000-000000000001',
          aapName: 'seeded-app',
          certificate: PublicKeyData,
          notAfter: '2099-01-01T00:00:00Z',
        },
      ],
    };
    const post = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(seed)).status).toBe(200);
    expect((await post(seed)).status).toBe(200);
    const got = await kms.call('GetClientKey', { ClientKeyId: 'KAAP.00000000-0000-4000-8000-000000000001' });
    expect(got).toMatchObject({ AapName: 'seeded-app', NotAfter: '2099-01-01T00:00:00Z' });
    expect((await kms.call('DescribePolicy', { Name: 'seeded' })).AccessControlRules).toBe(
      '{"NetworkRules":["loopback"]}',
    );
    const broken = { applicationAccessPoints: [{ name: 'x', policies: ['ghost'] }] };
    const refused = await post(broken);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('/applicationAccessPoints/0');

    const exported = (await (await fetch(`${emulator.url}/_emulator/export?format=json`)).json()) as Record<
      string,
      unknown[]
    >;
    expect(exported.networkRules).toEqual(seed.networkRules);
    expect(exported.accessPolicies).toContainEqual(seed.accessPolicies[0]);
    expect(exported.applicationAccessPoints).toContainEqual(seed.applicationAccessPoints[0]);
    expect(exported.clientKeys).toHaveLength(2);

    // The export loads into a fresh emulator.
    const second = await startEmulator();
    try {
      const res = await fetch(`${second.url}/_emulator/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(exported),
      });
      expect(res.status).toBe(200);
      const again = await kmsClient(second).call('GetClientKey', { ClientKeyId });
      expect(again.PublicKeyData).toBe(PublicKeyData);
    } finally {
      await second.close();
    }
  });
});
