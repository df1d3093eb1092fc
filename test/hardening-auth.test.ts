import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import {
  percentEncode,
  sha256Hex,
  v1Signature,
  v1StringToSign,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from '../src/protocol/signature.js';
import { AK, SK, v1Query } from './helpers/rpc.js';

// Attacks through raw signed requests (#12 §1): each must be refused as the gateway refuses it.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());
const api = () => request(emulator.app);
const HOST = 'kms.cn-hangzhou.aliyuncs.com';

function now(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

async function secretValue(name: string): Promise<string> {
  const res = await api().get(`/?${v1Query('GetSecretValue', { SecretName: name })}`);
  return res.body.SecretData;
}

/** V1 parameters signed as given (no defaults added), as a query string. */
function signV1(params: Record<string, string>, method = 'GET'): string {
  const signature = v1Signature(SK, v1StringToSign(method, params));
  return Object.entries({ ...params, Signature: signature })
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
}

/** A V3 request signed over exactly `signed` of its headers. */
function signV3(headers: Record<string, string>, query: Record<string, string>, signed: string[], body = '') {
  const all = { host: HOST, ...headers };
  const stringToSign = v3StringToSign(
    v3CanonicalRequest({
      method: 'POST',
      path: '/',
      query,
      headers: all,
      signedHeaders: signed,
      payloadHash: sha256Hex(body),
    }),
  );
  const authorization = `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=${[...signed].sort().join(';')},Signature=${v3Signature(SK, stringToSign)}`;
  const qs = Object.entries(query)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
  return { path: `/?${qs}`, headers: { ...all, authorization } };
}

function v3Headers(action: string, nonce = createHash('sha1').update(String(Math.random())).digest('hex')) {
  return {
    'x-acs-action': action,
    'x-acs-version': '2016-01-20',
    'x-acs-date': now(),
    'x-acs-signature-nonce': nonce,
    'x-acs-content-sha256': sha256Hex(''),
  };
}

describe('V1: what was signed decides the operation', () => {
  it('refuses an unsigned x-acs-action header that disagrees with the signed Action', async () => {
    await api().get(
      `/?${v1Query('CreateSecret', { SecretName: 'hdr', SecretData: 'original', VersionId: 'v1' })}`,
    );
    const attack = await api()
      .get(`/?${v1Query('GetSecretValue', { SecretName: 'hdr', SecretData: 'forged', VersionId: 'v2' })}`)
      .set('x-acs-action', 'PutSecretValue');
    expect(attack.status).toBe(400);
    expect(attack.body.Code).toBe('InvalidParameter');
    expect(attack.body.Message).toContain('x-acs-action');
    expect(await secretValue('hdr')).toBe('original');
  });

  it('refuses an x-acs-version header that disagrees with the signed Version', async () => {
    const res = await api()
      .get(`/?${v1Query('DescribeRegions')}`)
      .set('x-acs-version', '2099-01-01');
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('InvalidParameter');
  });

  it('still accepts the agreeing headers pop-core sends', async () => {
    const res = await api()
      .get(`/?${v1Query('DescribeRegions')}`)
      .set({ 'x-acs-action': 'DescribeRegions', 'x-acs-version': '2016-01-20' });
    expect(res.status).toBe(200);
  });
});

describe('V1: SignatureNonce is required', () => {
  it('refuses a correctly signed request without a nonce, and its replay', async () => {
    const query = signV1({
      Action: 'DescribeRegions',
      Version: '2016-01-20',
      Format: 'JSON',
      AccessKeyId: AK,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      Timestamp: now(),
    });
    for (let i = 0; i < 2; i++) {
      const res = await api().get(`/?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('MissingSignatureNonce');
      // The gateway's Missing{ParameterName} answer for a missing common parameter.
      expect(res.body.Message).toBe('SignatureNonce is mandatory for this action.');
    }
  });
});

describe('V3: the signature must cover the headers that decide the request', () => {
  it('refuses a signature over host only, whatever the other headers say', async () => {
    await api().get(
      `/?${v1Query('CreateSecret', { SecretName: 'v3h', SecretData: 'original', VersionId: 'v1' })}`,
    );
    const signed = signV3(v3Headers('GetSecretValue'), { SecretName: 'v3h' }, ['host']);
    // After signing, the attacker swaps the action and adds parameters... but the query is signed;
    // they change the unsigned action header instead.
    const res = await api()
      .post(signed.path)
      .set({ ...signed.headers, 'x-acs-action': 'DeleteSecret' });
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('IncompleteSignature');
    expect(res.body.Message).toContain('x-acs-action');
    expect(await secretValue('v3h')).toBe('original');
  });

  for (const omitted of [
    'host',
    'x-acs-action',
    'x-acs-version',
    'x-acs-date',
    'x-acs-signature-nonce',
    'x-acs-content-sha256',
  ]) {
    it(`refuses a SignedHeaders list without ${omitted}`, async () => {
      const headers = v3Headers('DescribeRegions');
      const names = ['host', ...Object.keys(headers)].filter((h) => h !== omitted);
      const signed = signV3(headers, {}, names);
      const res = await api().post(signed.path).set(signed.headers);
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('IncompleteSignature');
    });
  }

  it('refuses a body whose content-type is not signed, accepts it when signed', async () => {
    const headers = { ...v3Headers('DescribeRegions'), 'content-type': 'application/x-www-form-urlencoded' };
    const body = 'RegionId=cn-hangzhou';
    headers['x-acs-content-sha256'] = sha256Hex(body);
    const names = ['host', ...Object.keys(headers)];
    const unsigned = signV3(
      headers,
      {},
      names.filter((h) => h !== 'content-type'),
      body,
    );
    const refused = await api().post(unsigned.path).set(unsigned.headers).send(body);
    expect(refused.body.Code).toBe('IncompleteSignature');
    const good = signV3({ ...headers, 'x-acs-signature-nonce': 'ct-ok' }, {}, names, body);
    const ok = await api().post(good.path).set(good.headers).send(body);
    expect(ok.status).toBe(200);
  });

  it('refuses a V3 request without a nonce', async () => {
    const { 'x-acs-signature-nonce': _n, ...headers } = v3Headers('DescribeRegions');
    const names = ['host', ...Object.keys(headers), 'x-acs-signature-nonce'];
    const signed = signV3({ ...headers, 'x-acs-signature-nonce': '' }, {}, names);
    const res = await api().post(signed.path).set(signed.headers);
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('MissingSignatureNonce');
  });

  it('refuses an Action parameter that disagrees with the signed x-acs-action', async () => {
    const signed = signV3(v3Headers('DescribeRegions'), { Action: 'DeleteSecret' }, [
      'host',
      ...Object.keys(v3Headers('x')),
    ]);
    const res = await api().post(signed.path).set(signed.headers);
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('InvalidParameter');
  });
});
