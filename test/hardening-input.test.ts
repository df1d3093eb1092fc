import { generateKeyPairSync } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import type { Body } from './helpers/client.js';
import { v1Query } from './helpers/rpc.js';

// Bad input gets a clear 4xx, never a 500 (#12 §2): the fuzz run's reproducers, one by one.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());
const api = () => request(emulator.app);

function expect4xx(res: { status: number; body: unknown }) {
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
}

async function call(action: string, params: Record<string, string>) {
  return api()
    .post('/')
    .type('application/x-www-form-urlencoded')
    .send(v1Query(action, { RegionId: 'cn-hangzhou', ...params }, { method: 'POST' }));
}

describe('Content-Encoding', () => {
  const form = () => Buffer.from(v1Query('DescribeRegions', {}, { method: 'POST' }));
  // fetch, not supertest: superagent re-encodes a Buffer body it is given with a Content-Encoding.
  const post = async (encoding: string, body: Buffer) => {
    const res = await fetch(`${emulator.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding },
      body,
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  it('decodes gzip, deflate, br and gzip twice', async () => {
    for (const [encoding, body] of [
      ['gzip', gzipSync(form())],
      ['deflate', deflateSync(form())],
      ['br', brotliCompressSync(form())],
      ['gzip, gzip', gzipSync(gzipSync(form()))],
      ['identity', form()],
    ] as const) {
      const res = await post(encoding, body);
      expect(res.status, `${encoding}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.Regions.Region.length).toBeGreaterThan(5);
    }
  });

  it('answers 4xx for a body that is not what its encoding says, or an unknown encoding', async () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'gzip, gzip', 'foo']) {
      const res = await post(encoding, form());
      expect4xx(res);
      expect(res.body.Code).toMatch(/InvalidParameter|UnsupportedMediaType/);
    }
    expect((await post('foo', form())).status).toBe(415);
  });

  it('refuses a compressed body that inflates past the body limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 'a'));
    const res = await post('gzip', bomb);
    expect(res.status).toBe(413);
  });
});

describe('control plane input', () => {
  it('answers 415 for JSON in a charset other than UTF-8', async () => {
    const res = await api()
      .post('/_emulator/clock')
      .set('content-type', 'application/json; charset=latin1')
      .send('{"freeze":true}');
    expect(res.status).toBe(415);
  });

  it('answers 400 for bad percent-encoding in a control path', async () => {
    for (const path of ['faults', 'rds-instances', 'ecs-instances', 'ram-users']) {
      const res = await api().delete(`/_emulator/${path}/%ff`);
      expect4xx(res);
    }
  });

  it('refuses a clock moved past what a date can hold, and keeps serving', async () => {
    for (const body of [{ advance: '300000y' }, { set: '+275760-09-13T00:00:00.000Z' }, { advance: 1e300 }]) {
      const res = await api().post('/_emulator/clock').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const ok = await api().get(`/?${v1Query('DescribeRegions')}`);
    expect(ok.status).toBe(200);
  });

  it('refuses JSON nested thousands deep in a control body', async () => {
    const res = await api()
      .post('/_emulator/faults')
      .set('content-type', 'application/json')
      .send(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(res.status).toBe(400);
  });

  it('answers 4xx for a control body that is not a JSON object (fuzz reproducers)', async () => {
    for (const [type, body] of [
      ['application/json', 'null'],
      ['application/json', '"x"'],
      ['application/json', '[null]'],
      ['application/json', '{"rules":[null]}'],
      ['application/yaml', '{"match":null}'],
      ['application/yaml', '5'],
    ] as const) {
      const res = await api().post('/_emulator/faults').set('content-type', type).send(body);
      expect4xx(res);
    }
    expect((await api().get('/_emulator/faults')).body.faults).toEqual([]);
  });

  it('answers 400 for null entries in backing-resource lists (fuzz reproducers)', async () => {
    for (const [path, body] of [
      ['rds-instances', { DBInstanceId: 'rm-x', Accounts: [null] }],
      ['ram-users', { UserName: 'u', AccessKeys: [null] }],
      ['ecs-instances', { InstanceId: 'i-x', Users: [null] }],
    ] as const) {
      const res = await api().post(`/_emulator/${path}`).send(body);
      expect(res.status, path).toBe(400);
    }
  });

  it('holds at most 1,000 fault rules (each call is matched against every rule)', async () => {
    const rules = Array.from({ length: 1000 }, () => ({ action: 'NoSuchAction', latencyMs: 1 }));
    expect((await api().post('/_emulator/faults').send({ rules })).status).toBe(200);
    const over = await api().post('/_emulator/faults').send({ action: 'NoSuchAction', latencyMs: 1 });
    expect(over.status).toBe(400);
    await api().delete('/_emulator/faults');
  });

  it('pages GET /_emulator/audit', async () => {
    for (let i = 0; i < 3; i++) await api().get(`/?${v1Query('DescribeRegions')}`);
    const res = await api().get('/_emulator/audit?limit=2');
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(2);
    expect(res.body.total).toBeGreaterThanOrEqual(3);
    expect(res.body.nextOffset).toBe(2);
  });
});

describe('JSON-list parameters', () => {
  it('answers InvalidParameter for null entries and wrong shapes', async () => {
    const cases: [string, Record<string, string>][] = [
      ['ListSecrets', { Filters: '[null]' }],
      ['ListKeys', { Filters: '[null]' }],
      ['ListKeys', { Filters: '[{"Key":"x","Values":5}]' }],
      ['ListSecrets', { Filters: '[{"Key":"SecretName","Values":5}]' }],
      ['UpdateKmsInstanceBindVpc', { KmsInstanceId: 'kst-x', BindVpcs: '[null]' }],
      ['ListTagResources', { ResourceType: 'key', Tag: '[null]' }],
      ['TagResources', { ResourceType: 'key', ResourceId: '[null]', Tag: '[{"Key":"k","Value":"v"}]' }],
    ];
    for (const [action, params] of cases) {
      const res = await call(action, params);
      expect(res.status, `${action} ${JSON.stringify(params)}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.Code).toMatch(/^InvalidParameter/);
    }
  });

  it('answers InvalidParameter for JSON nested 10,000 deep', async () => {
    const deep = `${'['.repeat(10_000)}"x"${']'.repeat(10_000)}`;
    const keyId = (await call('CreateKey', {})).body.KeyMetadata.KeyId as string;
    for (const [action, params] of [
      ['TagResources', { ResourceType: 'key', ResourceId: deep, Tag: '[{"Key":"k","Value":"v"}]' }],
      ['UntagResource', { KeyId: keyId, TagKeys: deep }],
      ['ListSecrets', { Filters: deep }],
    ] as const) {
      const res = await call(action, params);
      expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.Code).toMatch(/^InvalidParameter/);
    }
  });
});

describe('data keys too long for the wrapping key', () => {
  it('answers InvalidParameter for NumberOfBytes=1024 under RSA_2048, and for ExportDataKey of it', async () => {
    const keyId = (await call('CreateKey', {})).body.KeyMetadata.KeyId;
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const blob = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const res = await call('GenerateAndExportDataKey', {
      KeyId: keyId,
      NumberOfBytes: '1024',
      PublicKeyBlob: blob,
      WrappingKeySpec: 'RSA_2048',
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.Code).toBe('InvalidParameter');
    const big = await call('GenerateDataKey', { KeyId: keyId, NumberOfBytes: '1024' });
    expect(big.status).toBe(200);
    const exported = await call('ExportDataKey', {
      CiphertextBlob: big.body.CiphertextBlob,
      PublicKeyBlob: blob,
      WrappingKeySpec: 'RSA_2048',
      WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
    });
    expect(exported.status).toBe(400);
    expect(exported.body.Code).toBe('InvalidParameter');
  });
});
