import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../src/index.js';
import { kmsClient } from './client.js';

/**
 * The world the KMS Instance SDK suites of Go and Java run against, made through the OpenAPI:
 * a key, an EC_P256 signing key and a secret of the default instance, three AAPs (app: key + secret from loopback;
 * keys-app: key/* only; far-app: a network rule the caller is outside of), their client key files,
 * a deleted, a forged and an expired client key, and the instance's CA file.
 */
export const PASSWORD = 'Passw0rd-demo';
const KEY_USER = 'RbacPermission/Template/CryptoServiceKeyUser';
const SECRET_USER = 'RbacPermission/Template/CryptoServiceSecretUser';

export async function instanceAccessWorld(emulator: Emulator): Promise<string> {
  const kms = kmsClient(emulator);
  const work = mkdtempSync(join(tmpdir(), 'kms-instance-access-'));
  const instanceId = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance[0].KmsInstanceId as string;
  const keyId = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata.KeyId as string;
  const otherKeyId = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata
    .KeyId as string;
  const signKeyId = (
    await kms.call('CreateKey', { DKMSInstanceId: instanceId, KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' })
  ).KeyMetadata.KeyId as string;
  const secretName = 'app/db-password';
  await kms.call('CreateSecret', {
    SecretName: secretName,
    SecretData: 's3cret-v1',
    VersionId: 'v1',
    DKMSInstanceId: instanceId,
  });
  await kms.call('CreateNetworkRule', {
    Name: 'loopback',
    Type: 'Private',
    SourcePrivateIp: '["127.0.0.1","::1"]',
  });
  await kms.call('CreateNetworkRule', {
    Name: 'elsewhere',
    Type: 'Private',
    SourcePrivateIp: '["10.9.0.0/16"]',
  });
  const policy = (name: string, permissions: string[], resources: string[], rules?: string[]) =>
    kms.call('CreatePolicy', {
      Name: name,
      KmsInstance: instanceId,
      Permissions: JSON.stringify(permissions),
      Resources: JSON.stringify(resources),
      ...(rules ? { AccessControlRules: JSON.stringify({ NetworkRules: rules }) } : {}),
    });
  await policy('app-policy', [KEY_USER, SECRET_USER], [`key/${keyId}`, `secret/${secretName}`], ['loopback']);
  await policy('keys-only', [KEY_USER], ['key/*']);
  await policy('far-away', [KEY_USER], ['key/*'], ['elsewhere']);
  const clientKeys: Record<string, string> = {};
  const save = (name: string, created: { ClientKeyId: string; PrivateKeyData: string }) => {
    const file = join(work, `clientKey_${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({ KeyId: created.ClientKeyId, PrivateKeyData: created.PrivateKeyData }),
    );
    clientKeys[name] = file;
    return created;
  };
  for (const [name, policies] of [
    ['app', 'app-policy'],
    ['keys-app', 'keys-only'],
    ['far-app', 'far-away'],
  ] as const) {
    await kms.call('CreateApplicationAccessPoint', { Name: name, Policies: JSON.stringify([policies]) });
    save(name, (await kms.call('CreateClientKey', { AapName: name, Password: PASSWORD })) as never);
  }
  const deleted = save(
    'deleted',
    (await kms.call('CreateClientKey', { AapName: 'app', Password: PASSWORD })) as never,
  );
  await kms.call('DeleteClientKey', { ClientKeyId: deleted.ClientKeyId });
  save(
    'expired',
    (await kms.call('CreateClientKey', {
      AapName: 'app',
      Password: PASSWORD,
      NotBefore: '2020-01-01T00:00:00Z',
      NotAfter: '2021-01-01T00:00:00Z',
    })) as never,
  );
  const real = JSON.parse(readFileSync(clientKeys.app as string, 'utf8'));
  const other = JSON.parse(readFileSync(clientKeys['keys-app'] as string, 'utf8'));
  save('forged', { ClientKeyId: real.KeyId, PrivateKeyData: other.PrivateKeyData });
  const caFile = join(work, `PrivateKmsCA_${instanceId}.pem`);
  writeFileSync(
    caFile,
    (await kms.call('GetKmsInstance', { KmsInstanceId: instanceId })).KmsInstance.CaCertificateChainPem,
  );
  const config = join(work, 'world.json');
  writeFileSync(
    config,
    JSON.stringify({
      gateway: (emulator.gatewayUrl as string).replace('https://', ''),
      controlUrl: emulator.url,
      instanceId,
      caFile,
      password: PASSWORD,
      keyId,
      otherKeyId,
      signKeyId,
      secretName,
      secretValue: 's3cret-v1',
      clientKeys,
    }),
  );
  return config;
}
