import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../src/index.js';
import { v1Query } from './helpers/rpc.js';

/**
 * The listeners answer the signed API (`/`) on a lean node:http route; supertest drives the Express
 * app's route. Both call the same handleRpc: the same request must get the same answer from each.
 */
describe('the lean signed-API route', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await (await Emulator.create({ port: 0, logLevel: 'silent', bodyLimit: '2kb' })).listen();
  });
  afterAll(async () => {
    await emulator.close();
  });

  const viaListener = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${emulator.url}${path}`, init);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  const viaExpress = async (path: string, init: { method?: string; body?: string; type?: string } = {}) => {
    const test = init.method === 'POST' ? request(emulator.app).post(path) : request(emulator.app).get(path);
    const res = await (init.body !== undefined ? test.type(init.type ?? 'form').send(init.body) : test);
    return { status: res.status, type: res.headers['content-type'], body: res.text };
  };
  const same = (text: string) =>
    text
      .replace(/"RequestId":"[^"]+"|<RequestId>[^<]+<\/RequestId>/g, 'RID')
      .replace(/SignatureNonce%3D[0-9a-f-]+|Timestamp%3D[0-9TZ%A-F-]+/g, 'SIGNED');

  it('answers signed calls, errors and XML exactly as the Express route does', async () => {
    const cases: Array<[string, { method?: string; body?: string; type?: string }]> = [
      [`/?${v1Query('DescribeRegions')}`, {}],
      [`/?${v1Query('DescribeRegions', { Format: 'XML' })}`, {}],
      [`/?${v1Query('GetSecretValue', { SecretName: 'missing' })}`, {}],
      [`/?${v1Query('NoSuchAction')}`, {}],
      ['/?Action=DescribeRegions', {}],
      ['/', { method: 'POST', body: v1Query('DescribeRegions') }],
      ['/', { method: 'POST', body: 'x'.repeat(4096) }],
    ];
    for (const [path, init] of cases) {
      const lean = await viaListener(path, {
        method: init.method ?? 'GET',
        body: init.body,
        headers: init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      });
      // A nonce is single-use: sign the Express request anew with the same parameters.
      const expressPath = path.startsWith('/?') && path.includes('Signature=') ? resign(path) : path;
      const expressBody = init.body?.includes('Signature=') ? resign(`/?${init.body}`).slice(2) : init.body;
      const viaApp = await viaExpress(expressPath, { ...init, body: expressBody });
      expect({ status: lean.status, type: lean.type, body: same(lean.body) }, path.slice(0, 60)).toEqual({
        status: viaApp.status,
        type: viaApp.type,
        body: same(viaApp.body),
      });
    }
  });

  it('leaves /_emulator/ and unknown paths to Express', async () => {
    expect((await viaListener('/_emulator/health')).status).toBe(200);
    const unknown = await viaListener('/nowhere');
    expect(unknown.status).toBe(404);
    expect(same(unknown.body)).toBe(same((await viaExpress('/nowhere')).body));
  });

  it('feeds the observers: the audit journal sees calls made through it', async () => {
    await viaListener(`/?${v1Query('DescribeRegions')}`);
    const audit = (await (await fetch(`${emulator.url}/_emulator/audit`)).json()) as {
      events?: Array<{ action: string }>;
    };
    expect(JSON.stringify(audit)).toContain('DescribeRegions');
  });
});

/** The same parameters, signed again with a fresh nonce and timestamp. */
function resign(path: string): string {
  const params = Object.fromEntries(new URLSearchParams(path.slice(2)));
  const { Action = '', Signature: _s, SignatureNonce: _n, Timestamp: _t, ...rest } = params;
  for (const name of ['Format', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion']) {
    if (name !== 'Format' || rest.Format === 'JSON') delete rest[name];
  }
  return `/?${v1Query(Action, rest)}`;
}
