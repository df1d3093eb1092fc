import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  aliyunHosts,
  type Emulator,
  kms,
  Product,
  type ProductSpec,
  startEmulator,
} from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { AK, v3Request } from './helpers/rpc.js';

/**
 * Products are values (#24 §1): a second product on the same listeners, with an operation whose name
 * KMS also has (CreatePolicy), answers beside KMS; the request's Version picks which.
 */
const TOY_VERSION = '2099-01-01';

function toySpec(): ProductSpec {
  return {
    operations: new Map([
      [
        'CreatePolicy',
        {
          name: 'CreatePolicy',
          params: [{ name: 'PolicyName', type: 'string', required: true }],
          errors: new Map([['EntityAlreadyExists.Policy', 409]]),
          responseFields: ['Policy'],
        },
      ],
    ]),
    endpoints: [],
    sdkSource: { package: 'toy', version: '0' },
    // A code KMS documents too (InvalidParameter is the gateway's, so take one of KMS's own).
    errorCodes: [
      ['EntityAlreadyExists.Policy', { status: 409, message: 'The toy policy already exists.' }],
      ['Forbidden.KeyNotFound', { status: 418, message: 'The toy has no key.' }],
    ],
  };
}

function toyProduct(): Product {
  const toy = new Product({
    code: 'Toy',
    version: TOY_VERSION,
    spec: toySpec(),
    hosts: aliyunHosts('toy', { global: true }),
  });
  const made = new Set<string>();
  toy.define({
    CreatePolicy: (params) => {
      const name = params.string('PolicyName');
      if (name === 'nokey') throw new ApiError('Forbidden.KeyNotFound');
      if (made.has(name)) throw new ApiError('EntityAlreadyExists.Policy');
      made.add(name);
      return { Policy: { PolicyName: name, PolicyType: 'Custom' } };
    },
  });
  return toy;
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulator(): Promise<Emulator> {
  const started = await startEmulator({ products: [kms, toyProduct()] });
  running.push(started);
  return started;
}

describe('a second product beside KMS', () => {
  it('answers its own CreatePolicy while KMS still answers KMS CreatePolicy', async () => {
    const e = await emulator();
    const toy = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'p1' }, { version: TOY_VERSION });
    expect(toy.status).toBe(200);
    expect(toy.body).toMatchObject({ Policy: { PolicyName: 'p1', PolicyType: 'Custom' } });
    expect(typeof toy.body.RequestId).toBe('string');
    // KMS's CreatePolicy (a KMS 3.0 network policy) requires Name, Permissions, Resources.
    const kmsCall = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'p1' });
    expect(kmsCall.status).toBe(400);
    expect(kmsCall.body.Code).toBe('MissingParameter');
    expect(String(kmsCall.body.Message)).toMatch(/Name|Permissions|Resources/);
    expect(kmsCall.body.HostId).toBe('kms.cn-hangzhou.aliyuncs.com');
  });

  it("resolves an error code with its own product's catalog and names itself in the envelope", async () => {
    const e = await emulator();
    await callRpc(e.url, 'CreatePolicy', { PolicyName: 'twice' }, { version: TOY_VERSION });
    const again = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'twice' }, { version: TOY_VERSION });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      Code: 'EntityAlreadyExists.Policy',
      Message: 'The toy policy already exists.',
      HostId: 'toy.aliyuncs.com',
    });
    expect(String(again.body.Recommend)).toContain('product=Toy');
    // The same code means another status and message in KMS; each product answers its own.
    const toyNoKey = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'nokey' }, { version: TOY_VERSION });
    expect(toyNoKey.status).toBe(418);
    expect(toyNoKey.body.Message).toBe('The toy has no key.');
    const kmsNoKey = await callRpc(e.url, 'DescribeKey', { KeyId: 'no-such-key' });
    expect(kmsNoKey.body.Code).toBe('Forbidden.KeyNotFound');
    expect(kmsNoKey.status).toBe(404);
  });

  it('takes the product from x-acs-version (V3) as from Version (V1)', async () => {
    const e = await emulator();
    const body = 'PolicyName=v3';
    const { path, headers } = v3Request(
      'CreatePolicy',
      {},
      {
        body,
        host: new URL(e.url).host,
        contentType: 'application/x-www-form-urlencoded',
        version: TOY_VERSION,
      },
    );
    const res = await request(e.app).post(path).set(headers).send(body);
    expect(res.status).toBe(200);
    expect(res.body.Policy.PolicyName).toBe('v3');
  });

  it('answers InvalidVersion for a version no product has', async () => {
    const e = await emulator();
    const res = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'x' }, { version: '2000-01-01' });
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('InvalidVersion');
  });

  it('names the product in the audit journal, its filter, and fault rules', async () => {
    const e = await emulator();
    await request(e.app)
      .post('/_emulator/faults')
      .send({ product: 'toy', action: 'CreatePolicy', error: { code: 'Rejected.Throttling' }, times: 1 })
      .expect(200);
    // The rule names the toy: KMS's CreatePolicy of the same name is not hit.
    const kmsCall = await callRpc(e.url, 'CreatePolicy', {});
    expect(kmsCall.body.Code).toBe('MissingParameter');
    const toyCall = await callRpc(e.url, 'CreatePolicy', { PolicyName: 'f' }, { version: TOY_VERSION });
    expect(toyCall.body.Code).toBe('Rejected.Throttling');
    const audit = await request(e.app).get('/_emulator/audit?product=toy').expect(200);
    expect(
      audit.body.events.map((x: { product: string; action: string; code: string }) => [
        x.product,
        x.action,
        x.code,
      ]),
    ).toEqual([['Toy', 'CreatePolicy', 'Rejected.Throttling']]);
    const kmsEvents = await request(e.app)
      .get('/_emulator/audit?product=Kms&action=CreatePolicy')
      .expect(200);
    expect(kmsEvents.body.events).toHaveLength(1);
    expect(kmsEvents.body.events[0].accessKeyId).toBe(AK);
  });

  it('lists each product and its operations at /_emulator/operations', async () => {
    const e = await emulator();
    const res = await request(e.app).get('/_emulator/operations').expect(200);
    const toy = res.body.products.find((p: { code: string }) => p.code === 'Toy');
    expect(toy).toMatchObject({
      version: TOY_VERSION,
      operations: [{ name: 'CreatePolicy', implemented: true }],
    });
    const kmsEntry = res.body.products.find((p: { code: string }) => p.code === 'Kms');
    expect(kmsEntry.operations.length).toBeGreaterThan(90);
  });

  it('refuses two products of one version, and an operation defined twice', () => {
    expect(() => toyProduct().define({ CreatePolicy: () => ({}) })).toThrow(/defined twice/);
    expect(() => toyProduct().define({ Encrypt: () => ({}) })).toThrow(/not an operation of Toy/);
    return expect(startEmulator({ products: [kms, toyProduct(), toyProduct()] })).rejects.toThrow(
      /Two products/,
    );
  });
});
