import { describe, expect, it } from 'vitest';
import { validateParams } from '../src/api/params.js';
import type { OperationSpec } from '../src/api/spec.js';
import {
  parseV3Authorization,
  percentEncode,
  v1Signature,
  v1StringToSign,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from '../src/protocol/signature.js';

describe('signature test vectors (FACTS §2)', () => {
  it('V1 HMAC-SHA1 vector', () => {
    const params = {
      Action: 'CreateKey',
      Format: 'json',
      Version: '2016-01-20',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      Timestamp: '2016-03-28T03:13:08Z',
      AccessKeyId: 'testid',
    };
    expect(v1Signature('testsecret', v1StringToSign('GET', params))).toBe('41wk2SSX1GJh7fwnc5eqOfiJPFg=');
    // The method is part of what is signed.
    expect(v1Signature('testsecret', v1StringToSign('POST', params))).not.toBe(
      '41wk2SSX1GJh7fwnc5eqOfiJPFg=',
    );
  });

  it('V3 ACS3-HMAC-SHA256 vector', () => {
    const headers = {
      host: 'kms.cn-hangzhou.aliyuncs.com',
      'x-acs-action': 'GetSecretValue',
      'x-acs-version': '2016-01-20',
      'x-acs-date': '2024-01-01T00:00:00Z',
      'x-acs-signature-nonce': '0123456789abcdef',
      'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    };
    const canonical = v3CanonicalRequest({
      method: 'POST',
      path: '/',
      query: { VersionStage: 'ACSCurrent', SecretName: 's1' },
      headers,
      signedHeaders: Object.keys(headers),
      payloadHash: headers['x-acs-content-sha256'],
    });
    expect(v3Signature('testsecret', v3StringToSign(canonical))).toBe(
      '564d10eae1835db6de0fe37586d430dfd4c1d982e0d076d790f9df47520d8085',
    );
  });

  it('percent-encodes as RFC 3986', () => {
    expect(percentEncode("a b!'()*~+/")).toBe('a%20b%21%27%28%29%2A~%2B%2F');
  });

  it('parses the V3 Authorization header', () => {
    expect(
      parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab12'),
    ).toEqual({
      accessKeyId: 'AK',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ab12',
    });
    expect(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK')).toBeUndefined();
  });
});

describe('parameter validation from the spec', () => {
  const spec: OperationSpec = {
    name: 'Example',
    errors: new Map(),
    responseFields: [],
    params: [
      { name: 'Name', type: 'string', required: true },
      { name: 'Size', type: 'integer', required: false },
      { name: 'Flag', type: 'boolean', required: false },
      { name: 'Spec', type: 'string', required: false, enum: ['AES_256', 'AES_128'] },
      { name: 'Yes', type: 'string', required: false, enum: ['false', 'true'] },
      { name: 'Context', type: 'object', required: false, style: 'json' },
      { name: 'Tag', type: 'array', required: false, style: 'repeatList', itemType: 'object' },
      { name: 'ResourceId', type: 'array', required: false, style: 'repeatList', itemType: 'string' },
    ],
  };

  const fails = (raw: Record<string, string>) => {
    try {
      validateParams(spec, raw);
    } catch (error) {
      return error as { code: string; message: string; status: number };
    }
    throw new Error('expected a validation error');
  };

  it('requires required parameters, naming them', () => {
    const error = fails({});
    expect(error.code).toBe('MissingParameter');
    expect(error.status).toBe(400);
    expect(error.message).toContain('"Name"');
  });

  it('rejects wrong types and enum values, naming the parameter', () => {
    expect(fails({ Name: 'n', Size: '12x' })).toMatchObject({
      code: 'InvalidParameter',
      message: expect.stringContaining('"Size"'),
    });
    expect(fails({ Name: 'n', Flag: 'yes' })).toMatchObject({
      code: 'InvalidParameter',
      message: expect.stringContaining('"Flag"'),
    });
    expect(fails({ Name: 'n', Spec: 'AES_512' })).toMatchObject({
      code: 'InvalidParameter',
      message: expect.stringContaining('"Spec"'),
    });
    expect(fails({ Name: 'n', Context: '{"a":' })).toMatchObject({
      code: 'InvalidParameter',
      message: expect.stringContaining('"Context"'),
    });
    expect(fails({ Name: 'n', Context: '[1]' })).toMatchObject({ code: 'InvalidParameter' });
    expect(fails({ Name: 'n', Tag: 'not json' })).toMatchObject({
      code: 'InvalidParameter',
      message: expect.stringContaining('"Tag"'),
    });
  });

  it('converts values: booleans in any case, integers, JSON objects, flattened lists', () => {
    const p = validateParams(spec, {
      Name: 'n',
      Size: '32',
      Flag: 'True',
      Yes: 'True',
      Context: '{"b":"2","a":"1"}',
      'Tag.1.Key': 'k1',
      'Tag.1.Value': 'v1',
      'Tag.2.Key': 'k2',
      'ResourceId.2': 'r2',
      'ResourceId.1': 'r1',
    });
    expect(p.string('Name')).toBe('n');
    expect(p.optInt('Size')).toBe(32);
    expect(p.optBool('Flag')).toBe(true);
    expect(p.optBool('Yes')).toBe(true);
    expect(p.optObject('Context')).toEqual({ a: '1', b: '2' });
    expect(p.optArray('Tag')).toEqual([{ Key: 'k1', Value: 'v1' }, { Key: 'k2' }]);
    expect(p.optArray('ResourceId')).toEqual(['r1', 'r2']);
    expect(
      validateParams(spec, { Name: 'n', ResourceId: '["x","y"]', Flag: 'false' }).optArray('ResourceId'),
    ).toEqual(['x', 'y']);
    expect(validateParams(spec, { Name: 'n', Flag: 'False' }).optBool('Flag')).toBe(false);
  });
});
