import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildCoverage, coverageMarkdown } from '../src/control/coverage-report.js';
import { type Emulator, implementedOperations, operations, startEmulator } from '../src/index.js';
import { kmsClient } from './helpers/client.js';

// coverage-report: sample text, not assertions (the codes below are fixtures for the scanner).
const ROOT = resolve('.');
const SEEDS = [
  'rds-single-account.yaml',
  'ram-credentials.yaml',
  'ecs-credentials.yaml',
  'polardb-dual-accounts.yaml',
];
const SECRET_FIELDS = /^(secretData|accountPassword|accessKeySecret|password|material|privateKey)$/i;

/** Every value a seed file holds under a credential-like field: what the dashboard must never show. */
function secretsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) secretsOf(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_FIELDS.test(k) && typeof v === 'string') {
        found.push(v);
        // A managed secret's SecretData is JSON holding the passwords again.
        try {
          secretsOf(JSON.parse(v), found);
        } catch {
          // plain text
        }
      } else secretsOf(v, found);
    }
  }
  return found;
}

describe('GET /_emulator/world', () => {
  let emulator: Emulator;
  const hidden: string[] = [];
  const material = Buffer.alloc(32, 7).toString('base64');

  beforeAll(async () => {
    emulator = await startEmulator({ randomSeed: 'dashboard-world' });
    for (const file of SEEDS) {
      const text = readFileSync(join(ROOT, 'fixtures', 'seeds', file), 'utf8');
      hidden.push(...secretsOf(parseYaml(text)).filter((s) => s.length >= 6));
      const res = await request(emulator.app)
        .post('/_emulator/seed')
        .set('Content-Type', 'application/yaml')
        .send(text);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const seeded = await request(emulator.app)
      .post('/_emulator/seed')
      .send({
        keys: [{ keyId: 'key-dash-material', versions: [{ keyVersionId: 'kv-1', material }] }],
        secrets: [
          { secretName: 'dash/plain', versions: [{ versionId: 'v1', secretData: 'plain-value-0xC0FFEE' }] },
        ],
      });
    expect(seeded.status, JSON.stringify(seeded.body)).toBe(200);
    hidden.push(material, 'plain-value-0xC0FFEE');
    await kmsClient(emulator).call('PutSecretValue', {
      SecretName: 'dash/plain',
      SecretData: 'second-value-0xBEEF',
      VersionId: 'v2',
    });
    hidden.push('second-value-0xBEEF');
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('shows keys, secrets with stages and backing resources by name, and no value or key material', async () => {
    expect(hidden.length).toBeGreaterThan(8);
    const res = await request(emulator.app).get('/_emulator/world');
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    for (const secret of hidden) expect(text, `the world view holds ${secret}`).not.toContain(secret);
    const plain = res.body.secrets.find((s: { secretName: string }) => s.secretName === 'dash/plain');
    expect(plain.versions).toEqual([
      expect.objectContaining({ versionId: 'v1', stages: ['ACSPrevious'] }),
      expect.objectContaining({ versionId: 'v2', stages: ['ACSCurrent'] }),
    ]);
    const rds = res.body.secrets.find((s: { secretName: string }) => s.secretName === 'rds/app');
    expect(rds).toMatchObject({
      secretType: 'Rds',
      automaticRotation: 'Enabled',
      backingResource: { SecretSubType: 'SingleUser', DBInstanceId: 'rm-app-db' },
    });
    expect(res.body.keys.find((k: { keyId: string }) => k.keyId === 'key-dash-material')).toMatchObject({
      state: 'Enabled',
      keySpec: 'Aliyun_AES_256',
      versions: [{ keyVersionId: 'kv-1' }],
    });
    expect(res.body.backingResources).toContainEqual(
      expect.objectContaining({ kind: 'database', id: 'rm-app-db', accounts: ['app'] }),
    );
    expect(res.body.backingResources).toContainEqual(
      expect.objectContaining({
        kind: 'ram-user',
        accessKeyIds: [{ accessKeyId: 'LTAI5tCiDeployerFixed01' }],
      }),
    );
    expect(res.body.jobs.some((j: { type: string }) => j.type === 'secret.rotate')).toBe(true);
  });

  it('shows a table it does not know (a later area) by its safe fields only', async () => {
    emulator.world.store.table('client-keys').put('1234567890123456/cn-hangzhou', 'KAAP.1', {
      clientKeyId: 'KAAP.1',
      aapName: 'orders-app',
      keyAlgorithm: 'RSA_2048',
      notBefore: Date.parse('2030-01-01T00:00:00Z'),
      policies: ['orders-policy'],
      sourcePrivateIp: ['10.0.0.0/8'],
      privateKeyData: 'MIIprivate-key-data',
      clientSecretId: 'looks-like-an-id',
      password: 'Client#Passw0rd',
      publicKeyPem: '-----BEGIN PUBLIC KEY-----',
      nested: { privateKey: 'deep-secret' },
    });
    const res = await request(emulator.app).get('/_emulator/world');
    expect(res.body.resources['client-keys']).toEqual([
      {
        clientKeyId: 'KAAP.1',
        aapName: 'orders-app',
        keyAlgorithm: 'RSA_2048',
        notBefore: '2030-01-01T00:00:00Z',
        policies: ['orders-policy'],
        sourcePrivateIp: ['10.0.0.0/8'],
      },
    ]);
    expect(res.body.resources['import-tokens']).toBeUndefined();
  });

  it('serves the page and its files with a policy that allows only its own origin', async () => {
    const page = await request(emulator.app).get('/_emulator/ui');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('/_emulator/ui/app.js');
    const script = await request(emulator.app).get('/_emulator/ui/app.js');
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.text).not.toMatch(/innerHTML|https?:\/\/(?!127)/);
    expect((await request(emulator.app).get('/_emulator/ui/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('coverage report', () => {
  it('GET /_emulator/coverage is the report docs/coverage.md is made from', async () => {
    const emulator = await startEmulator();
    try {
      const res = await request(emulator.app).get('/_emulator/coverage');
      expect(res.status).toBe(200);
      const report = buildCoverage(ROOT);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(report)));
      expect(report.summary.operations).toBe(res.body.operations.length);
      const createKey = report.operations.find((o) => o.name === 'CreateKey');
      expect(createKey?.implemented).toBe(true);
      expect(createKey?.conformance.rows).toContain('keys');
      expect(createKey?.conformance.clients.some((c) => c.startsWith('node pop-core'))).toBe(true);
      // The operations without a handler (none since #26; a newer SDK's next ones) are reported so, and
      // none of their errors counts as covered.
      const implemented = new Set(implementedOperations());
      const unimplemented = report.operations.filter((o) => !o.implemented);
      expect(unimplemented.map((o) => o.name).sort()).toEqual(
        [...operations.keys()].filter((name) => !implemented.has(name)).sort(),
      );
      expect(report.summary.implemented).toBe(report.summary.operations - unimplemented.length);
      expect(unimplemented.flatMap((o) => o.errors).every((e) => e.coverage === 'not-implemented')).toBe(
        true,
      );
      expect(coverageMarkdown(report)).toContain(`| [CreateKey](#createkey) | yes |`);
    } finally {
      await emulator.close();
    }
  });

  it('reads codes off the source and the tests, not off comments or fault rules', () => {
    const root = mkdtempSync(join(tmpdir(), 'kms-coverage-'));
    try {
      mkdirSync(join(root, 'src', 'domain'), { recursive: true });
      mkdirSync(join(root, 'test'), { recursive: true });
      mkdirSync(join(root, 'fixtures', 'scenarios'), { recursive: true });
      writeFileSync(
        join(root, 'src', 'domain', 'keys.ts'),
        [
          "throw new KmsError('Forbidden.KeyNotFound');",
          "// throw new KmsError('Forbidden.AliasNotFound');",
          "const url = 'http://x'; throw new KmsError(",
          "  'InvalidParameter.TagKey', 'why');",
        ].join('\n'),
      );
      writeFileSync(
        join(root, 'test', 'keys.test.ts'),
        [
          "it('a missing key', async () => {",
          "  expect(await kms.fails('DescribeKey', { KeyId: 'x' })).toBe('Forbidden.KeyNotFound');",
          '});',
          "it('a fault', async () => {",
          "  await control('POST', 'faults', { action: 'DescribeKey', error: { code: 'InvalidParameter' } });",
          "  expect(await kms.fails('DescribeKey', {})).toBe('InvalidParameter');",
          '});',
          "it('typed client', async () => {",
          "  await expect(client.encrypt(req)).rejects.toMatchObject({ code: 'Forbidden.KeyNotFound' });",
          '});',
        ].join('\n'),
      );
      writeFileSync(
        join(root, 'fixtures', 'scenarios', 'alias.yaml'),
        'steps:\n  - call: DescribeKey\n    params: { KeyId: alias/x }\n    expect: { code: Forbidden.AliasNotFound }\n',
      );
      const report = buildCoverage(root);
      const describeKey = report.operations.find((o) => o.name === 'DescribeKey');
      const code = (c: string) => describeKey?.errors.find((e) => e.code === c);
      expect(code('Forbidden.KeyNotFound')).toMatchObject({
        coverage: 'tested',
        producedBy: ['domain/keys.ts'],
        tests: ['test/keys.test.ts'],
      });
      expect(code('Forbidden.AliasNotFound')).toMatchObject({
        producedBy: [],
        tests: ['fixtures/scenarios/alias.yaml'],
      });
      expect(code('InvalidParameter')).toMatchObject({
        coverage: 'producible',
        producedBy: ['InvalidParameter.TagKey → InvalidParameter'],
        tests: [],
      });
      expect(code('InvalidAccessKeyId.NotFound')?.coverage).toBe('not-produced');
      const encrypt = report.operations.find((o) => o.name === 'Encrypt');
      expect(encrypt?.errors.find((e) => e.code === 'Forbidden.KeyNotFound')?.tests).toEqual([
        'test/keys.test.ts',
      ]);
      expect(report.sources).toEqual({ code: 'src', tests: true, conformance: false });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
