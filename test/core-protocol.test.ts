import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationContext } from '../src/api/registry.js';
import type { OperationSpec } from '../src/api/spec.js';
import { type Emulator, implementedOperations, kms, operations, startEmulator } from '../src/index.js';
import { KmsError } from '../src/protocol/errors.js';
import { v1Query, v3Request } from './helpers/rpc.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

const api = () => request(emulator.app);

/** Operations the registry knows without a handler (none since #26: every operation is implemented). */
const unimplemented = () => {
  const implemented = new Set(implementedOperations());
  return [...operations.values()].filter((op) => !implemented.has(op.name));
};

/**
 * An operation the registry has no handler for: a known one if any is left, else a known operation's
 * spec under a name no handler has (what a newer SDK's operation looks like until it is implemented).
 */
function withoutHandler(type?: 'integer' | 'boolean'): { spec: OperationSpec; param?: string } {
  const candidates = [
    ...unimplemented(),
    ...[...operations.values()].map((op) => ({ ...op, name: `${op.name}Next` })),
  ];
  for (const spec of candidates) {
    const param = type ? spec.params.find((p) => p.type === type)?.name : undefined;
    if (!type || param) return { spec, param };
  }
  throw new Error(`no operation has a ${type} parameter: pick another check`);
}

/** The registry's answer (the HTTP layer reaches it only for known operations). */
function registryError(spec: OperationSpec, raw: Record<string, string>): KmsError {
  try {
    kms.run(spec, raw, { world: emulator.world } as unknown as OperationContext);
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error(`${spec.name} ran`);
}

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json;charset=utf-8');
  expect(res.body.Code).toBe(code);
  for (const field of ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']) {
    expect(typeof res.body[field]).toBe('string');
  }
}

describe('intake and envelope', () => {
  it('answers a signed GET with flat JSON, exact Content-Type and a RequestId', async () => {
    const res = await api().get(`/?${v1Query('DescribeRegions')}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(res.body.Code).toBeUndefined();
    expect(res.body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.body.Regions.Region).toContainEqual({ RegionId: 'cn-hangzhou' });
  });

  it('takes parameters from a form body on POST, signed with POST', async () => {
    const res = await api()
      .post('/')
      .type('application/x-www-form-urlencoded')
      .send(v1Query('DescribeRegions', {}, { method: 'POST' }));
    expect(res.status).toBe(200);
    expect(res.body.Regions.Region.length).toBeGreaterThan(10);
  });

  it('merges query and body parameters', async () => {
    const query = v1Query('DescribeAccountKmsStatus', {}, { method: 'POST' });
    const [first, ...rest] = query.split('&');
    const res = await api()
      .post(`/?${rest.join('&')}`)
      .type('application/x-www-form-urlencoded')
      .send(first as string);
    expect(res.status).toBe(200);
    expect(res.body.AccountStatus).toBe('Enabled');
  });

  it('gives every response a unique RequestId', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await api().get(`/?${v1Query('DescribeRegions')}`)).body.RequestId);
    expect(ids.size).toBe(5);
  });

  it('answers XML when Format=XML, errors under <Error>', async () => {
    const ok = await api().get(`/?${v1Query('DescribeRegions', { Format: 'XML' })}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(ok.text).toMatch(
      /<DescribeRegionsResponse><RequestId>[0-9A-F-]+<\/RequestId><Regions><Region><RegionId>/,
    );
    expect(ok.text.match(/<Region>/g)?.length).toBeGreaterThan(10);
    const bad = await api().get(`/?${v1Query('NoSuchAction', { Format: 'xml' })}`);
    expect(bad.status).toBe(404);
    expect(bad.text).toContain('<Error><RequestId>');
    expect(bad.text).toContain('<Code>InvalidAction.NotFound</Code>');
  });

  it('names the regional host in HostId', async () => {
    const res = await api().get(`/?${v1Query('OpenKmsService', { RegionId: 'cn-shanghai' })}`);
    expect(res.body.HostId).toBe('kms.cn-shanghai.aliyuncs.com');
  });

  it('rejects an unknown action and an unknown version', async () => {
    expectError(await api().get(`/?${v1Query('NoSuchAction')}`), 404, 'InvalidAction.NotFound');
    expectError(
      await api().get(`/?${v1Query('DescribeRegions', { Version: '2019-01-01' })}`),
      400,
      'InvalidVersion',
    );
  });

  it('answers a clear 4xx for an operation the emulator does not implement', async () => {
    const known = unimplemented()[0]?.name;
    if (known) {
      const res = await api().get(`/?${v1Query(known)}`);
      expectError(res, 400, 'UnsupportedOperation');
      expect(res.body.Message).toContain(known);
    }
    const { spec } = withoutHandler();
    const error = registryError(spec, {});
    expect([error.code, error.status]).toEqual(['UnsupportedOperation', 400]);
    expect(error.message).toContain(spec.name);
  });

  it('validates parameters against the spec before the handler runs', async () => {
    const missing = await api().get(`/?${v1Query('DescribeNetworkRule')}`);
    expectError(missing, 400, 'MissingParameter');
    expect(missing.body.Message).toContain('"Name"');
    // On an operation without a handler: only the registry's validation can answer these.
    for (const type of ['integer', 'boolean'] as const) {
      const { spec, param } = withoutHandler(type);
      const bad = registryError(spec, { [param as string]: 'maybe-two' });
      expect(bad.code).toBe('InvalidParameter');
      expect(bad.message).toContain(`"${param}"`);
    }
    // A JSON parameter is parsed before the handler looks the key up (else Forbidden.KeyNotFound).
    const badJson = await api().get(
      `/?${v1Query('Encrypt', { KeyId: 'no-such-key', Plaintext: 'aGk=', EncryptionContext: '{oops' })}`,
    );
    expectError(badJson, 400, 'InvalidParameter');
    expect(badJson.body.Message).toContain('"EncryptionContext"');
  });

  it('refuses a body over the limit with a clear error, not a crash', async () => {
    const res = await api()
      .post('/')
      .type('application/x-www-form-urlencoded')
      .send(`Action=DescribeRegions&Pad=${'x'.repeat(1_100_000)}`);
    expectError(res, 413, 'RequestEntityTooLarge');
    expect(res.body.Message).toContain('1mb');
  });

  it('answers unknown paths with an error envelope', async () => {
    expectError(await api().get('/no/such/path'), 404, 'InvalidAction.NotFound');
  });

  it('takes the region from RegionId or a kms.<region>.aliyuncs.com host', async () => {
    const viaHost = await api()
      .get(`/?${v1Query('DescribeAccountKmsStatus')}`)
      .set('Host', 'kms.cn-shanghai.aliyuncs.com');
    expect(viaHost.status).toBe(200);
  });
});

describe('authentication', () => {
  it('rejects a wrong secret with the server string to sign in the message', async () => {
    const res = await api().get(`/?${v1Query('DescribeRegions', {}, { secret: 'wrong' })}`);
    expectError(res, 400, 'SignatureDoesNotMatch');
    expect(res.body.Message).toMatch(
      /server string to sign is:GET&%2F&AccessKeyId%3DLTAIEmulatorAccessKeyId%26Action%3DDescribeRegions/,
    );
  });

  it('rejects an unknown access key', async () => {
    expectError(
      await api().get(`/?${v1Query('DescribeRegions', {}, { accessKeyId: 'LTAInobody' })}`),
      404,
      'InvalidAccessKeyId.NotFound',
    );
  });

  it('accepts a nonce once', async () => {
    const query = v1Query('DescribeRegions', {}, { nonce: 'nonce-used-twice' });
    expect((await api().get(`/?${query}`)).status).toBe(200);
    expectError(await api().get(`/?${query}`), 400, 'SignatureNonceUsed');
  });

  it('rejects a timestamp outside ±15 minutes and a malformed one', async () => {
    const stale = `${new Date(Date.now() - 16 * 60_000).toISOString().slice(0, 19)}Z`;
    expectError(
      await api().get(`/?${v1Query('DescribeRegions', {}, { timestamp: stale })}`),
      400,
      'InvalidTimeStamp.Expired',
    );
    const future = `${new Date(Date.now() + 16 * 60_000).toISOString().slice(0, 19)}Z`;
    expectError(
      await api().get(`/?${v1Query('DescribeRegions', {}, { timestamp: future })}`),
      400,
      'InvalidTimeStamp.Expired',
    );
    expectError(
      await api().get(`/?${v1Query('DescribeRegions', {}, { timestamp: 'yesterday' })}`),
      400,
      'IllegalTimestamp',
    );
  });

  it('rejects an unsigned request', async () => {
    expectError(await api().get('/?Action=DescribeRegions&Version=2016-01-20'), 400, 'IncompleteSignature');
  });

  it('verifies V3 signatures and the body hash', async () => {
    const good = v3Request(
      'DescribeRegions',
      { RegionId: 'cn-hangzhou' },
      { host: 'kms.cn-hangzhou.aliyuncs.com' },
    );
    const ok = await api().post(good.path).set(good.headers);
    expect(ok.status).toBe(200);
    expect(ok.body.Regions.Region).toContainEqual({ RegionId: 'cn-hangzhou' });

    const signedEmpty = v3Request(
      'DescribeRegions',
      {},
      { host: 'kms.cn-hangzhou.aliyuncs.com', contentType: 'text/plain' },
    );
    const tampered = await api()
      .post(signedEmpty.path)
      .set(signedEmpty.headers)
      .type('text/plain')
      .send('tampered');
    expectError(tampered, 400, 'SignatureDoesNotMatch');
    expect(tampered.body.Message).toContain('server string to sign is:ACS3-HMAC-SHA256\n');

    const lyingHash = v3Request(
      'DescribeRegions',
      {},
      { host: 'kms.cn-hangzhou.aliyuncs.com', bodyHash: 'ab'.repeat(32) },
    );
    expectError(await api().post(lyingHash.path).set(lyingHash.headers), 400, 'SignatureDoesNotMatch');

    const wrongSecret = v3Request(
      'DescribeRegions',
      {},
      { host: 'kms.cn-hangzhou.aliyuncs.com', secret: 'nope' },
    );
    expectError(await api().post(wrongSecret.path).set(wrongSecret.headers), 400, 'SignatureDoesNotMatch');

    const replay = v3Request(
      'DescribeRegions',
      {},
      { host: 'kms.cn-hangzhou.aliyuncs.com', nonce: 'v3-nonce' },
    );
    expect((await api().post(replay.path).set(replay.headers)).status).toBe(200);
    expectError(await api().post(replay.path).set(replay.headers), 400, 'SignatureNonceUsed');

    const unknown = v3Request(
      'DescribeRegions',
      {},
      { host: 'kms.cn-hangzhou.aliyuncs.com', accessKeyId: 'LTAInobody' },
    );
    expectError(await api().post(unknown.path).set(unknown.headers), 404, 'InvalidAccessKeyId.NotFound');

    const stale = v3Request('DescribeRegions', {}, { host: 'h', timestamp: '2024-01-01T00:00:00Z' });
    expectError(await api().post(stale.path).set(stale.headers), 400, 'InvalidTimeStamp.Expired');

    const malformed = await api()
      .post('/')
      .set({ authorization: 'ACS3-HMAC-SHA256 nonsense', 'x-acs-action': 'DescribeRegions' });
    expectError(malformed, 400, 'IncompleteSignature');
  });

  it('accepts an STS security token alongside the signature', async () => {
    const res = await api().get(`/?${v1Query('DescribeRegions', { SecurityToken: 'sts-token' })}`);
    expect(res.status).toBe(200);
  });

  it('trusts the pair in ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET', async () => {
    const withEnv = await startEmulator({
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIfromEnv', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'envSecret' },
    });
    try {
      const res = await request(withEnv.app).get(
        `/?${v1Query('DescribeRegions', {}, { accessKeyId: 'LTAIfromEnv', secret: 'envSecret' })}`,
      );
      expect(res.status).toBe(200);
      // The default pair stays trusted too.
      expect((await request(withEnv.app).get(`/?${v1Query('DescribeRegions')}`)).status).toBe(200);
    } finally {
      await withEnv.close();
    }
  });

  it('with auth off accepts any key and skips checks', async () => {
    const open = await startEmulator({ auth: false });
    try {
      const res = await request(open.app).get(
        `/?${v1Query('DescribeRegions', {}, { accessKeyId: 'anyone', secret: 'anything', timestamp: '2001-01-01T00:00:00Z' })}`,
      );
      expect(res.status).toBe(200);
      expect((await request(open.app).get('/?Action=DescribeRegions&Version=2016-01-20')).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('service operations', () => {
  it('OpenKmsService answers Forbidden.Opened once the service is open', async () => {
    const status = await api().get(`/?${v1Query('DescribeAccountKmsStatus')}`);
    expect(status.body.AccountStatus).toBe('Enabled');
    expectError(await api().get(`/?${v1Query('OpenKmsService')}`), 400, 'Forbidden.Opened');
  });

  it('OpenKmsService opens a not-yet-enabled account', async () => {
    emulator.world.accounts.setStatus('1234567890123456', 'NotEnabled');
    expect((await api().get(`/?${v1Query('DescribeAccountKmsStatus')}`)).body.AccountStatus).toBe(
      'NotEnabled',
    );
    const opened = await api().get(`/?${v1Query('OpenKmsService')}`);
    expect(opened.status).toBe(200);
    expect(opened.body.RequestId).toBeTruthy();
    expect((await api().get(`/?${v1Query('DescribeAccountKmsStatus')}`)).body.AccountStatus).toBe('Enabled');
  });
});
