import { X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { defaultServerSans, getOrCreateLocalCa, issueServerCert } from '../src/protocol/tls.js';
import { v1Query } from './helpers/rpc.js';

// The control plane cannot be driven by a web page (#12 §5), and TLS verifies against a local CA (§6).
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());
const api = () => request(emulator.app);

async function secretCount(): Promise<number> {
  const res = await api().get(`/?${v1Query('ListSecrets')}`);
  return res.body.TotalCount;
}

describe('cross-site requests to /_emulator/*', () => {
  beforeAll(async () => {
    await api().get(`/?${v1Query('CreateSecret', { SecretName: 'keep', SecretData: 'x', VersionId: 'v1' })}`);
  });

  it('refuses a cross-origin text/plain POST to /_emulator/reset (the secrets stay)', async () => {
    const res = await api()
      .post('/_emulator/reset')
      .set({ 'content-type': 'text/plain', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })
      .send('x');
    expect(res.status).toBe(403);
    expect(await secretCount()).toBe(1);
  });

  it('refuses a text/plain or form POST even without browser headers', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await api().post('/_emulator/reset').set('content-type', type).send('a=b');
      expect(res.status, type).toBe(415);
    }
    expect(await secretCount()).toBe(1);
  });

  it('refuses a browser request from another origin, even same-site (another localhost port)', async () => {
    const other = await api()
      .post('/_emulator/reset')
      .set({
        'content-type': 'application/json',
        origin: 'http://127.0.0.1:1',
        'sec-fetch-site': 'same-site',
      })
      .send('{}');
    expect(other.status).toBe(403);
    const originOnly = await api()
      .post('/_emulator/reset')
      .set({ 'content-type': 'application/json', origin: 'http://localhost:3000' })
      .send('{}');
    expect(originOnly.status).toBe(403);
    expect(await secretCount()).toBe(1);
  });

  it('refuses a DNS-rebound Host: GET /_emulator/export?secrets=true answers nothing', async () => {
    const res = await api()
      .get('/_emulator/export?secrets=true&format=json')
      .set('host', 'attacker.example:8080');
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain('"x"');
  });

  it("lets the dashboard's same-origin fetch through, and curl", async () => {
    const host = new URL(emulator.url).host;
    const dashboard = await request(emulator.url)
      .get('/_emulator/health')
      .set({ 'sec-fetch-site': 'same-origin', origin: `http://${host}` });
    expect(dashboard.status).toBe(200);
    const named = await api().get('/_emulator/health').set('host', 'localhost:9');
    expect(named.status).toBe(200);
    const curl = await api()
      .post('/_emulator/clock')
      .set('content-type', 'application/json')
      .send('{"freeze":true}');
    expect(curl.status).toBe(200);
    await api().post('/_emulator/clock').send({ resume: true });
  });
});

describe('--control-token', () => {
  let guarded: Emulator;
  beforeAll(async () => {
    guarded = await startEmulator({ env: {}, controlToken: 's3cret', allowedHosts: ['kms-emulator'] });
  });
  afterAll(() => guarded.close());

  it('refuses every control call without the token, accepts it with the token from any Host', async () => {
    expect((await request(guarded.app).get('/_emulator/health')).status).toBe(401);
    expect(
      (await request(guarded.app).get('/_emulator/health').set('authorization', 'Bearer wrong')).status,
    ).toBe(401);
    const ok = await request(guarded.app)
      .post('/_emulator/reset')
      .set({ authorization: 'Bearer s3cret', 'content-type': 'application/json', host: 'kms-emulator:8080' });
    expect(ok.status).toBe(200);
    // The API itself still answers signed requests without the token.
    expect((await request(guarded.app).get(`/?${v1Query('DescribeRegions')}`)).status).toBe(200);
  });

  it('still refuses a cross-site browser request that carries the token', async () => {
    const res = await request(guarded.app)
      .post('/_emulator/reset')
      .set({ authorization: 'Bearer s3cret', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
  });
});

describe('local CA', () => {
  it('is SHA-256, kept once in its directory (key 0600), and issues a certificate for the KMS names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-ca-'));
    const ca = await getOrCreateLocalCa(dir);
    const again = await getOrCreateLocalCa(dir);
    expect(again.certPem).toBe(ca.certPem);
    expect(statSync(ca.keyPath).mode & 0o777).toBe(0o600);
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    const leaf = new X509Certificate(
      (await issueServerCert(ca, defaultServerSans(['cn-hangzhou', 'ap-southeast-1']))).certPem,
    );
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    for (const name of [
      'localhost',
      'kms.cn-hangzhou.aliyuncs.com',
      'kms-vpc.ap-southeast-1.aliyuncs.com',
      'kst-hzz62f1cb66fa42qo.cryptoservice.kms.aliyuncs.com',
    ]) {
      expect(leaf.checkHost(name), name).toBeTruthy();
    }
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('kms.example.com')).toBeUndefined();
    // SHA-256 with RSA, not SHA-1 (read by a second X.509 implementation).
    for (const pem of [ca.certPem, leaf.toString()]) {
      const parsed = new PeculiarCertificate(pem).signatureAlgorithm as { hash?: { name?: string } };
      expect(parsed.hash?.name).toBe('SHA-256');
    }
  });

  it('the TLS listener verifies against the CA served at /_emulator/tls-certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-ca-'));
    const tls = await startEmulator({ env: {}, httpsPort: 0, caDir: dir });
    try {
      const ca = (await request(tls.app).get('/_emulator/tls-certificate')).text;
      expect(ca).toContain('BEGIN CERTIFICATE');
      expect(tls.caCertificatePath).toBe(join(dir, 'kms-emulator-ca.pem'));
      const port = Number(new URL(tls.httpsUrl as string).port);
      const status = await new Promise<number>((resolve, reject) => {
        get(
          {
            host: '127.0.0.1',
            port,
            path: '/_emulator/health',
            ca,
            servername: 'kms.cn-hangzhou.aliyuncs.com',
            headers: { host: `localhost:${port}` },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        ).on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await tls.close();
    }
  });
});
