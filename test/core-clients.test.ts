import * as KmsModule from '@alicloud/kms20160120';
import * as OpenApi from '@alicloud/openapi-client';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  type Emulator,
  startEmulator,
} from '../src/index.js';
import { cjsDefault, OpenApiClient } from './helpers/openapi.js';

// The official Node clients, unmodified, pointed at a real listening emulator.
let emulator: Emulator;
let hostPort: string;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  hostPort = emulator.url.replace('http://', '');
});
afterAll(() => emulator.close());

const KmsClient = cjsDefault(KmsModule);

const credentials = { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: DEFAULT_ACCESS_KEY_SECRET };

type RegionsBody = { RequestId: string; Regions: { Region: { RegionId: string }[] } };

function popCore(secret = credentials.accessKeySecret) {
  return new RPCClient({
    ...credentials,
    accessKeySecret: secret,
    endpoint: emulator.url,
    apiVersion: '2016-01-20',
  });
}

function openApi(signatureAlgorithm?: string) {
  const config = new OpenApi.Config({
    ...credentials,
    endpoint: hostPort,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  });
  if (signatureAlgorithm) config.signatureAlgorithm = signatureAlgorithm;
  return new OpenApiClient(config);
}

async function callOpenApi(
  client: InstanceType<typeof OpenApiClient>,
  action: string,
  query: Record<string, string> = {},
) {
  const params = new OpenApi.Params({
    action,
    version: '2016-01-20',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  return client.callApi(params, new OpenApi.OpenApiRequest({ query }), {} as never);
}

describe('official Node clients', () => {
  it('@alicloud/pop-core over GET', async () => {
    const body = (await popCore().request('DescribeRegions', {})) as RegionsBody;
    expect(body.Regions.Region.map((r) => r.RegionId)).toContain('cn-hangzhou');
  });

  it('@alicloud/pop-core over POST', async () => {
    const body = (await popCore().request('DescribeRegions', {}, { method: 'POST' })) as RegionsBody;
    expect(body.Regions.Region.map((r) => r.RegionId)).toContain('cn-shanghai');
  });

  it('@alicloud/pop-core surfaces error codes', async () => {
    await expect(popCore('wrong-secret').request('DescribeRegions', {})).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    await expect(popCore().request('NoSuchAction', {})).rejects.toMatchObject({
      code: 'InvalidAction.NotFound',
    });
  });

  it('@alicloud/kms20160120 1.2.0', async () => {
    // This client's typings want its model classes; it takes plain objects at run time.
    const client = new KmsClient({
      ...credentials,
      endpoint: hostPort,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    } as never);
    const body = (await client.describeRegions({} as never)) as unknown as {
      regions: { region: { regionId: string }[] };
    };
    expect(body.regions.region.map((r) => r.regionId)).toContain('cn-hangzhou');
    const wrong = new KmsClient({
      ...credentials,
      accessKeySecret: 'wrong',
      endpoint: hostPort,
      protocol: 'http',
    } as never);
    // This client names its errors `${Code}Error`.
    await expect(wrong.describeRegions({} as never)).rejects.toMatchObject({
      code: 'SignatureDoesNotMatchError',
    });
  });

  it('@alicloud/openapi-client with the V3 signature (default)', async () => {
    const res = await callOpenApi(openApi(), 'DescribeRegions');
    expect(res.statusCode).toBe(200);
    expect((res.body as RegionsBody).Regions.Region.map((r) => r.RegionId)).toContain('cn-hangzhou');
  });

  it("@alicloud/openapi-client with signatureAlgorithm 'v2' (V1 HMAC-SHA1)", async () => {
    const res = await callOpenApi(openApi('v2'), 'DescribeRegions');
    expect(res.statusCode).toBe(200);
    expect((res.body as RegionsBody).Regions.Region.length).toBeGreaterThan(10);
  });

  it('@alicloud/openapi-client surfaces error codes', async () => {
    await expect(callOpenApi(openApi(), 'OpenKmsService')).rejects.toMatchObject({
      code: 'Forbidden.Opened',
    });
  });
});
