import { createHash, createSign, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import forge from 'node-forge';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/domain/x509.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { control, kmsClient } from './helpers/client.js';

/**
 * The KMS Instance API gateway on the wire, byte for byte as the SDKs send it: what the SDK suites
 * cannot provoke (a stale date, a missing header, SNI), and the audit journal.
 */
let emulator: Emulator;
afterEach(() => emulator?.close());

const schema = protobuf.loadSync(new URL('../schemas/kms-instance-api.proto', import.meta.url).pathname);
const message = (name: string) => schema.lookupType(`kmsinstance.${name}`);

interface Setup {
  keyId: string;
  clientKeyId: string;
  privateKeyPem: string;
  instanceId: string;
  chain: string;
}

async function setUp(options: Parameters<typeof startEmulator>[0] = {}): Promise<Setup> {
  emulator = await startEmulator({ gatewayPort: 0, ...options });
  const kms = kmsClient(emulator);
  const instanceId = (await kms.call('ListKmsInstances')).KmsInstances.KmsInstance[0].KmsInstanceId;
  const keyId = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata.KeyId;
  await kms.call('CreatePolicy', {
    Name: 'p',
    KmsInstance: instanceId,
    Permissions: '["RbacPermission/Template/CryptoServiceKeyUser"]',
    Resources: '["key/*"]',
  });
  await kms.call('CreateApplicationAccessPoint', { Name: 'app', Policies: '["p"]' });
  const created = await kms.call('CreateClientKey', { AapName: 'app', Password: 'Passw0rd-demo' });
  const p12 = forge.pkcs12.pkcs12FromAsn1(
    forge.asn1.fromDer(forge.util.decode64(created.PrivateKeyData)),
    'Passw0rd-demo',
  );
  const oid = forge.pki.oids.pkcs8ShroudedKeyBag as string;
  const bag = p12.getBags({ bagType: oid })[oid]?.[0];
  const privateKeyPem = forge.pki.privateKeyToPem(bag?.key as forge.pki.PrivateKey);
  const chain = (await kms.call('GetKmsInstance', { KmsInstanceId: instanceId })).KmsInstance
    .CaCertificateChainPem;
  return { keyId, clientKeyId: created.ClientKeyId, privateKeyPem, instanceId, chain };
}

interface Call {
  status: number;
  body: Buffer;
  peer: X509Certificate | undefined;
}

/** One signed call, headers as the SDKs build them; `tamper` changes what is sent after signing. */
function call(
  setup: Setup,
  api: string,
  fields: Record<string, unknown>,
  options: {
    date?: string;
    servername?: string;
    omit?: string;
    tamper?: (h: Record<string, string>) => void;
  } = {},
): Promise<Call> {
  const body = Buffer.from(
    message(`${api}Request`)
      .encode(message(`${api}Request`).fromObject(fields))
      .finish(),
  );
  const headers: Record<string, string> = {
    accept: 'application/x-protobuf',
    date: options.date ?? new Date().toUTCString(),
    'x-kms-apiversion': 'dkms-gcs-0.2',
    'x-kms-apiname': api,
    'x-kms-signaturemethod': 'RSA_PKCS1_SHA_256',
    'x-kms-acccesskeyid': setup.clientKeyId,
    'content-type': 'application/x-protobuf',
    'content-sha256': createHash('sha256').update(body).digest('hex').toUpperCase(),
  };
  if (options.omit) delete headers[options.omit];
  const kmsHeaders = Object.keys(headers)
    .filter((h) => h.startsWith('x-kms-'))
    .sort()
    .map((h) => `${h}:${headers[h]}\n`)
    .join('');
  const text = `POST\n${headers['content-sha256'] ?? ''}\n${headers['content-type']}\n${headers.date}\n${kmsHeaders}/`;
  headers.authorization = `Bearer ${createSign('sha256').update(text).sign(setup.privateKeyPem, 'base64')}`;
  options.tamper?.(headers);
  const url = new URL(emulator.gatewayUrl as string);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers,
        ca: setup.chain,
        servername: options.servername,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as TLSSocket).getPeerX509Certificate?.();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), peer }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function error(result: Call) {
  return message('Error').toObject(message('Error').decode(result.body)) as Record<string, unknown>;
}

describe('certificates the emulator issues', () => {
  it('are valid DER whatever the random serial (a leading zero byte is not minimal DER)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    for (const type of ['ec', 'rsa'] as const) {
      const pair =
        type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const name = { commonName: 'serial test' };
      const pem = issueCertificate(
        {
          subject: name,
          publicKey: pair.publicKey,
          serial: Buffer.alloc(16, 0),
          notBefore: 0,
          notAfter: 1e12,
          ca: false,
        },
        { name, ...pair },
      );
      const cert = new X509Certificate(pem);
      expect(cert.verify(pair.publicKey)).toBe(true);
    }
  });
});

describe('the KMS Instance API gateway', () => {
  it('answers a signed call in protobuf and refuses a stale date, a bad signature, missing headers', async () => {
    const setup = await setUp();
    const ok = await call(setup, 'GenerateRandom', { Length: 16 });
    expect(ok.status).toBe(200);
    const answer = message('GenerateRandomResponse').toObject(
      message('GenerateRandomResponse').decode(ok.body),
    );
    expect(answer.Random).toHaveLength(16);
    expect(answer.RequestId).toMatch(/^[0-9a-f-]{36}$/);

    const stale = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { date: new Date(Date.now() - 16 * 60_000).toUTCString() },
    );
    expect([stale.status, error(stale).ErrorCode]).toEqual([400, 'RequestTimeTooSkewed']);
    expect(error(stale).StatusCode).toBe(400);
    const badDate = await call(setup, 'GenerateRandom', { Length: 16 }, { date: 'yesterday' });
    expect(error(badDate).ErrorCode).toBe('InvalidParam');
    const tampered = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { tamper: (h) => void (h.date = new Date(Date.now() - 60_000).toUTCString()) },
    );
    expect([tampered.status, error(tampered).ErrorCode]).toEqual([401, 'SignatureDoesNotMatch']);
    const otherBody = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { tamper: (h) => void (h['content-sha256'] = 'AB') },
    );
    expect(error(otherBody).ErrorCode).toBe('SignatureDoesNotMatch');
    const noKey = await call(setup, 'GenerateRandom', { Length: 16 }, { omit: 'x-kms-acccesskeyid' });
    expect(error(noKey).ErrorCode).toBe('MissingParameter');
    const noVersion = await call(setup, 'GenerateRandom', { Length: 16 }, { omit: 'x-kms-apiversion' });
    expect(error(noVersion).ErrorCode).toBe('InvalidApiVersion');
    const noMethod = await call(setup, 'GenerateRandom', { Length: 16 }, { omit: 'x-kms-signaturemethod' });
    expect(error(noMethod).ErrorCode).toBe('InvalidParam');
    const unknownApi = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { tamper: (h) => void (h['x-kms-apiname'] = 'Nope') },
    );
    expect(error(unknownApi).ErrorCode).toBe('InvalidApiName');
    const noAuth = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { tamper: (h) => void delete h.authorization },
    );
    expect([noAuth.status, error(noAuth).ErrorCode]).toEqual([401, 'IncompleteSignature']);
  });

  it('chooses the certificate by SNI: the instance CA for its host name, the root for loopback', async () => {
    const setup = await setUp();
    const [instanceCa, root] = setup.chain
      .split(/(?<=-----END CERTIFICATE-----\n)/)
      .map((pem) => new X509Certificate(pem));
    const byName = await call(
      setup,
      'GenerateRandom',
      { Length: 8 },
      { servername: `${setup.instanceId}.cryptoservice.kms.aliyuncs.com` },
    );
    expect(byName.status).toBe(200);
    expect(byName.peer?.checkIssued(instanceCa as X509Certificate)).toBe(true);
    expect(byName.peer?.checkHost(`${setup.instanceId}.cryptoservice.kms.aliyuncs.com`)).toBeTruthy();
    const loopback = await call(setup, 'GenerateRandom', { Length: 8 });
    expect(loopback.peer?.checkIssued(root as X509Certificate)).toBe(true);
    expect(loopback.peer?.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(instanceCa?.checkIssued(root as X509Certificate)).toBe(true);
  });

  it('refuses an HMAC key for Encrypt, Decrypt and GenerateDataKey with InvalidParameter', async () => {
    const setup = await setUp();
    const kms = kmsClient(emulator);
    const mac = (
      await kms.call('CreateKey', {
        DKMSInstanceId: setup.instanceId,
        KeySpec: 'HMAC_SHA_256',
        KeyUsage: 'GENERATE/VERIFY_MAC',
      })
    ).KeyMetadata.KeyId;
    for (const [api, fields] of [
      ['Encrypt', { KeyId: mac, Plaintext: Buffer.from('hi') }],
      ['Decrypt', { KeyId: mac, CiphertextBlob: Buffer.alloc(32, 1), Iv: Buffer.alloc(12, 1) }],
      ['GenerateDataKey', { KeyId: mac }],
    ] as const) {
      const refused = await call(setup, api, fields);
      expect([api, refused.status, error(refused).ErrorCode]).toEqual([api, 400, 'InvalidParameter']);
    }
  });

  it('a key of another instance is not found through an instance host name', async () => {
    const setup = await setUp();
    const kms = kmsClient(emulator);
    await control(emulator, 'POST', 'instances', { kmsInstanceId: 'kst-other01' });
    const otherKey = (await kms.call('CreateKey', { DKMSInstanceId: 'kst-other01' })).KeyMetadata.KeyId;
    const viaName = await call(
      setup,
      'Encrypt',
      { KeyId: otherKey, Plaintext: Buffer.from('x') },
      { servername: `${setup.instanceId}.cryptoservice.kms.aliyuncs.com` },
    );
    expect([viaName.status, error(viaName).ErrorCode]).toEqual([404, 'Forbidden.KeyNotFound']);
    // Without a name, the policy's scope decides: its instance is not kst-other01.
    const loopback = await call(setup, 'Encrypt', { KeyId: otherKey, Plaintext: Buffer.from('x') });
    expect([loopback.status, error(loopback).ErrorCode]).toEqual([403, 'Forbidden.NoPermission']);
    const own = await call(setup, 'Encrypt', { KeyId: setup.keyId, Plaintext: Buffer.from('x') });
    expect(own.status).toBe(200);
  });

  it('network rules see the configured source address; calls reach the audit journal under the access point and client key', async () => {
    const setup = await setUp({ gatewaySourceIp: '10.0.0.7' });
    const kms = kmsClient(emulator);
    await kms.call('CreateNetworkRule', { Name: 'vpc', Type: 'Private', SourcePrivateIp: '["10.0.0.0/24"]' });
    await kms.call('UpdatePolicy', { Name: 'p', AccessControlRules: '{"NetworkRules":["vpc"]}' });
    expect((await call(setup, 'Encrypt', { KeyId: setup.keyId, Plaintext: Buffer.from('x') })).status).toBe(
      200,
    );
    await kms.call('UpdateNetworkRule', { Name: 'vpc', SourcePrivateIp: '["10.0.1.0/24"]' });
    const refused = await call(setup, 'Encrypt', { KeyId: setup.keyId, Plaintext: Buffer.from('x') });
    expect([refused.status, error(refused).ErrorCode]).toEqual([403, 'Forbidden.NoPermission']);
    const stale = await call(
      setup,
      'GenerateRandom',
      { Length: 16 },
      { tamper: (h) => void (h.authorization = `Bearer ${Buffer.from('forged').toString('base64')}`) },
    );
    expect(error(stale).ErrorCode).toBe('SignatureDoesNotMatch');
    // A second access point's calls are its own principal.
    await kms.call('CreateApplicationAccessPoint', { Name: 'other-app', Policies: '["p"]' });
    const other = await kms.call('CreateClientKey', { AapName: 'other-app', Password: 'Passw0rd-demo' });
    const p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(forge.util.decode64(other.PrivateKeyData)),
      'Passw0rd-demo',
    );
    const oid = forge.pki.oids.pkcs8ShroudedKeyBag as string;
    const otherSetup = {
      ...setup,
      clientKeyId: other.ClientKeyId as string,
      privateKeyPem: forge.pki.privateKeyToPem(
        p12.getBags({ bagType: oid })[oid]?.[0]?.key as forge.pki.PrivateKey,
      ),
    };
    expect((await call(otherSetup, 'GenerateRandom', { Length: 8 })).status).toBe(200);
    type Event = {
      action: string;
      code: string;
      resourceArn?: string;
      accessKeyId?: string;
      applicationAccessPoint?: string;
      authFailed?: boolean;
    };
    const audit = await control(emulator, 'GET', `audit?principal=${setup.clientKeyId}`);
    const events = audit.events as Event[];
    expect(
      events.map((e) => [e.action, e.code, e.accessKeyId, e.applicationAccessPoint, e.authFailed]),
    ).toEqual([
      ['Encrypt', 'Success', setup.clientKeyId, 'app', undefined],
      ['Encrypt', 'Forbidden.NoPermission', setup.clientKeyId, 'app', undefined],
      ['GenerateRandom', 'SignatureDoesNotMatch', setup.clientKeyId, 'app', true],
    ]);
    expect(events[0]?.resourceArn).toContain(`key/${setup.keyId}`);
    // The access point is a principal of its own: its name finds the same events, not the other's.
    const byAap = (await control(emulator, 'GET', 'audit?principal=app')).events as Event[];
    expect(byAap).toEqual(events);
    const byOther = (await control(emulator, 'GET', 'audit?principal=other-app')).events as Event[];
    expect(byOther.map((e) => [e.action, e.accessKeyId, e.applicationAccessPoint])).toEqual([
      ['GenerateRandom', other.ClientKeyId, 'other-app'],
    ]);
    // OpenAPI calls name no access point.
    const openApi = (await control(emulator, 'GET', 'audit?action=CreateClientKey')).events as Event[];
    expect(openApi.map((e) => [e.code, e.applicationAccessPoint])).toEqual([
      ['Success', undefined],
      ['Success', undefined],
    ]);
  });
});

describe('one call pipeline for both front ends (#24 §3)', () => {
  it('the recorder sees a KMS Instance API call, and its replay passes over it', async () => {
    const setup = await setUp();
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ScenarioRecorder } = await import('../src/testkit/recorder.js');
    const { readScenarioFile } = await import('../src/testkit/scenario.js');
    const file = join(mkdtempSync(join(tmpdir(), 'gw-rec-')), 'session.yaml');
    emulator.observers.add(new ScenarioRecorder(file, { emulator }));
    expect((await call(setup, 'GenerateRandom', { Length: 8 })).status).toBe(200);
    const steps = readScenarioFile(file).steps;
    expect(steps.map((s) => s.instanceApi)).toContainEqual({
      action: 'GenerateRandom',
      clientKeyId: setup.clientKeyId,
      applicationAccessPoint: 'app',
      status: 200,
    });
    expect(readFileSync(file, 'utf8')).not.toContain('Random:');
  });
});

describe('Advance ciphertexts (the KMS SDK TransferClient form)', () => {
  it("carry '$' 0x00 0x02 before the OpenAPI blob; AdvanceDecrypt and OpenAPI Decrypt read both forms", async () => {
    const setup = await setUp();
    const sealed = await call(setup, 'AdvanceEncrypt', {
      KeyId: setup.keyId,
      Plaintext: Buffer.from('hello'),
    });
    expect(sealed.status).toBe(200);
    const blob = Buffer.from(
      (message('AdvanceEncryptResponse').decode(sealed.body) as unknown as { CiphertextBlob: Uint8Array })
        .CiphertextBlob,
    );
    expect([...blob.subarray(0, 3)]).toEqual([0x24, 0x00, 0x02]);
    // What TransferClient hands its caller: the blob without the head, an OpenAPI ciphertext.
    const kms = kmsClient(emulator);
    const stripped = blob.subarray(3).toString('base64');
    expect(
      Buffer.from(
        (await kms.call('Decrypt', { CiphertextBlob: stripped })).Plaintext as string,
        'utf8',
      ).toString(),
    ).toBe('hello');
    expect((await kms.call('Decrypt', { CiphertextBlob: blob.toString('base64') })).Plaintext).toBe('hello');
    // What TransferClient sends back to AdvanceDecrypt: the head put back on.
    const opened = await call(setup, 'AdvanceDecrypt', { CiphertextBlob: blob });
    expect(opened.status).toBe(200);
    const plaintext = (
      message('AdvanceDecryptResponse').decode(opened.body) as unknown as { Plaintext: Uint8Array }
    ).Plaintext;
    expect(Buffer.from(plaintext).toString()).toBe('hello');
  });
});
