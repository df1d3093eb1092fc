import { request as httpsRequest } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { control, kmsClient } from './helpers/client.js';
import { openApiCaller } from './helpers/openapi.js';
import { AK, SK, v3Request } from './helpers/rpc.js';

/**
 * #26 §1: the instance endpoint (the gateway listener) answers the Alibaba Cloud SDK V2.0 too — the
 * seed document's Step 2 — through the official typed Node client with `config.ca` (PEM content),
 * certificate verification on.
 */
let emulator: Emulator;
afterEach(() => emulator?.close());

interface World {
  instanceId: string;
  keyId: string;
  otherKeyId: string;
  ca: string;
}

async function setUp(): Promise<World> {
  emulator = await startEmulator({ gatewayPort: 0 });
  const kms = kmsClient(emulator);
  const instanceId = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance[0].KmsInstanceId;
  const keyId = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata.KeyId;
  await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-other01' });
  const otherKeyId = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-other01' })).KeyMetadata.KeyId;
  await kms.call('CreateSecret', {
    SecretName: 'orders/db',
    SecretData: 'pa55word',
    VersionId: 'v1',
    EncryptionKeyId: keyId,
    DKMSInstanceId: instanceId,
  });
  const ca = (await kms.call('GetKmsInstance', { KmsInstanceId: instanceId })).KmsInstance
    .CaCertificateChainPem;
  return { instanceId, keyId, otherKeyId, ca };
}

/**
 * The V2.0 engine every generated Tea client calls (`callApi`, V3 ACS3-HMAC-SHA256), with `ca` as PEM
 * content. (The npm @alicloud/kms20160120 is an older rpc-client generation that takes no CA; the
 * typed Python, Java and Go clients are run against the instance endpoint by the conformance suite.)
 */
function v2Client(world: World, secret = SK) {
  const call = openApiCaller(
    new URL(emulator.gatewayUrl as string).host,
    { accessKeyId: AK, accessKeySecret: secret },
    { protocol: 'https', ca: world.ca },
  );
  return (action: string, query: Record<string, string>) => call('2016-01-20', action, query);
}

describe('the OpenAPI on the instance endpoint, through the Tea V2.0 client with config.ca', () => {
  it('reads a secret, encrypts and decrypts, and refuses a management operation', async () => {
    const world = await setUp();
    const call = v2Client(world);
    const secret = await call('GetSecretValue', { SecretName: 'orders/db' });
    expect(secret).toMatchObject({ SecretData: 'pa55word', VersionId: 'v1' });
    const context = JSON.stringify({ app: 'orders' });
    const sealed = await call('Encrypt', {
      KeyId: world.keyId,
      Plaintext: 'aGVsbG8=',
      EncryptionContext: context,
    });
    expect(sealed.KeyId).toBe(world.keyId);
    const opened = await call('Decrypt', {
      CiphertextBlob: String(sealed.CiphertextBlob),
      EncryptionContext: context,
    });
    expect(opened.Plaintext).toBe('aGVsbG8=');
    // Management operations are served by the shared endpoint only; ReEncrypt too.
    await expect(call('CreateKey', {})).rejects.toMatchObject({
      code: 'UnsupportedOperation',
      statusCode: 400,
    });
    await expect(
      call('ReEncrypt', { CiphertextBlob: String(sealed.CiphertextBlob), DestinationKeyId: world.keyId }),
    ).rejects.toMatchObject({ code: 'UnsupportedOperation' });
    // The caller is authenticated as on the shared endpoint.
    await expect(
      v2Client(world, 'not-the-secret')('GetSecretValue', { SecretName: 'orders/db' }),
    ).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    // The audit journal names both calls like shared-endpoint calls.
    const audit = (await fetch(`${emulator.url}/_emulator/audit?action=GetSecretValue`).then((r) =>
      r.json(),
    )) as {
      events: { code: string }[];
    };
    expect(audit.events.map((e: { code: string }) => e.code)).toEqual(['Success', 'SignatureDoesNotMatch']);
  });

  it('finds only the named instance’s keys through its host name (SNI and Host)', async () => {
    const world = await setUp();
    const port = new URL(emulator.gatewayUrl as string).port;
    const host = `${world.instanceId}.cryptoservice.kms.aliyuncs.com`;
    const call = (keyId: string) => {
      const body = `KeyId=${keyId}&Plaintext=aGk%3D`;
      const { path, headers } = v3Request(
        'Encrypt',
        {},
        {
          body,
          host,
          contentType: 'application/x-www-form-urlencoded',
        },
      );
      return new Promise<{ status: number; body: Record<string, string> }>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port, path, method: 'POST', headers, servername: host, ca: world.ca },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    };
    const own = await call(world.keyId);
    expect(own.status).toBe(200);
    expect(own.body.KeyId).toBe(world.keyId);
    const other = await call(world.otherKeyId);
    expect(other.status).toBe(404);
    expect(other.body.Code).toBe('Forbidden.KeyNotFound');
  });

  it('presents the new world’s loopback certificate on the first connection after a reset', async () => {
    // A connection to 127.0.0.1 names no instance (no SNI): it gets the listener's default
    // certificate, which must be the current root's from the very first connection after a reset
    // (the Python and Go clients of the conformance suite open exactly one there, and fail on it).
    const handshake = (ca: string) =>
      new Promise<void>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: new URL(emulator.gatewayUrl as string).port,
            path: '/',
            method: 'POST',
            ca,
            agent: false,
            headers: { 'x-acs-action': 'ListKeys' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end();
      });
    const before = await setUp();
    await handshake(before.ca);
    await control(emulator, 'POST', 'reset');
    const kms = kmsClient(emulator);
    const instanceId = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance[0].KmsInstanceId;
    const after = (await kms.call('GetKmsInstance', { KmsInstanceId: instanceId })).KmsInstance
      .CaCertificateChainPem as string;
    expect(after).not.toBe(before.ca);
    await handshake(after);
    await expect(handshake(before.ca)).rejects.toThrow(/certificate|signature/);
  });

  it('still answers the KMS Instance API (x-kms-apiname) on the same listener', async () => {
    await setUp();
    const port = new URL(emulator.gatewayUrl as string).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          method: 'POST',
          rejectUnauthorized: false,
          headers: { 'x-kms-apiname': 'GenerateRandom', 'x-kms-apiversion': 'dkms-gcs-0.2' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          expect(res.headers['content-type']).toBe('application/x-protobuf');
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});
