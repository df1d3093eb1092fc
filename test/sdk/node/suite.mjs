// The conformance matrix through the official Node clients. Writes [{client,row,status,detail}] to
// $CONFORMANCE_OUT. A row whose operations the emulator does not implement yet is `not-built-yet`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { asymmetricRows } from './asymmetric-rows.mjs';
import { rpcParams, runTypedRows } from './typed.mjs';
import { runTypedDenied } from './typed-denied.mjs';

const require = createRequire(import.meta.url);
const RPCClient = require('@alicloud/pop-core');
const KmsModule = require('@alicloud/kms20160120');
const OpenApi = require('@alicloud/openapi-client');

const endpoint = process.env.KMS_ENDPOINT ?? '127.0.0.1:8080';
const controlUrl = process.env.KMS_EMULATOR_URL ?? `http://${endpoint}`;
const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? 'LTAIEmulatorAccessKeyId';
const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? 'EmulatorAccessKeySecret';
const out = process.env.CONFORMANCE_OUT ?? 'node-results.json';

class NotBuilt extends Error {}
class Skip extends Error {}

const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);
function pascalKeys(value) {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [upperFirst(k), pascalKeys(v)]));
  }
  return value;
}

function errorCode(error) {
  return String(error?.code ?? error?.data?.Code ?? '').replace(/Error$/, '');
}

/** Each client is an adapter: call(action, params) → PascalCase body, or throws with .code. */
const clients = {
  'pop-core GET': (secret = accessKeySecret, key = accessKeyId) => {
    const c = new RPCClient({
      accessKeyId: key,
      accessKeySecret: secret,
      endpoint: `http://${endpoint}`,
      apiVersion: '2016-01-20',
    });
    return (action, params = {}) => c.request(action, params, { timeout: 10000 });
  },
  'pop-core POST': (secret = accessKeySecret, key = accessKeyId) => {
    const c = new RPCClient({
      accessKeyId: key,
      accessKeySecret: secret,
      endpoint: `http://${endpoint}`,
      apiVersion: '2016-01-20',
    });
    return (action, params = {}) => c.request(action, params, { method: 'POST', timeout: 10000 });
  },
  'kms20160120 1.2.0': (secret = accessKeySecret, key = accessKeyId) => {
    const Client = KmsModule.default;
    const c = new Client({
      accessKeyId: key,
      accessKeySecret: secret,
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    });
    return async (action, params = {}) => {
      const method = lowerFirst(action);
      const Request = KmsModule[`${action}Request`];
      if (typeof c[method] !== 'function' || !Request) throw new Skip(`this client has no ${action}`);
      const args = Object.fromEntries(Object.entries(params).map(([k, v]) => [lowerFirst(k), v]));
      const known = Object.keys(Request.names());
      const unknown = Object.keys(args).filter((k) => !known.includes(k));
      if (unknown.length > 0) throw new Skip(`this client's ${action} has no ${unknown.join(', ')}`);
      return pascalKeys(await c[method](new Request(args)));
    };
  },
  'openapi-client V3': (secret = accessKeySecret, key = accessKeyId) => openApi(secret, key),
  'openapi-client v2': (secret = accessKeySecret, key = accessKeyId) => openApi(secret, key, 'v2'),
};

function openApi(secret, key, signatureAlgorithm) {
  const config = new OpenApi.Config({
    accessKeyId: key,
    accessKeySecret: secret,
    endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  });
  if (signatureAlgorithm) config.signatureAlgorithm = signatureAlgorithm;
  const c = new OpenApi.default(config);
  return async (action, params = {}) => {
    const p = rpcParams(action);
    const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return (await c.callApi(p, new OpenApi.OpenApiRequest({ query }), {})).body;
  };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Skip) throw error;
    const got = errorCode(error);
    if (got === 'UnsupportedOperation') throw new NotBuilt(String(error.message).slice(0, 120));
    check(got === code, `expected ${code}, got ${got || error.message}`);
    return;
  }
  throw new Error(`expected error ${code}, got success`);
}

/** Runs a call; an UnsupportedOperation answer means the feature has not been built yet. */
async function run(call, action, params) {
  try {
    return await call(action, params);
  } catch (error) {
    if (errorCode(error) === 'UnsupportedOperation') throw new NotBuilt(`${action} not implemented yet`);
    throw error;
  }
}

const unique = (p) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const b64 = (s) => Buffer.from(s).toString('base64');

const rows = {
  async service(make) {
    const body = await run(make(), 'DescribeRegions');
    const regions = body.Regions.Region.map((r) => r.RegionId);
    check(regions.includes('cn-hangzhou'), `regions: ${regions.join(',')}`);
  },
  async errors(make) {
    await expectCode(make('wrong-secret')('DescribeRegions'), 'SignatureDoesNotMatch');
    await expectCode(
      make(accessKeySecret, 'LTAIUnknownKey')('DescribeRegions'),
      'InvalidAccessKeyId.NotFound',
    );
    await expectCode(
      make()('GetSecretValue', { SecretName: unique('missing') }),
      'Forbidden.ResourceNotFound',
    );
  },
  async instances(make) {
    const call = make();
    const list = await run(call, 'ListKmsInstances', {});
    const first = list.KmsInstances?.KmsInstance?.[0];
    check(first?.KmsInstanceId, `no instance in ${JSON.stringify(list)}`);
    const got = await run(call, 'GetKmsInstance', { KmsInstanceId: first.KmsInstanceId });
    check(got.KmsInstance?.InstanceId === first.KmsInstanceId, `GetKmsInstance: ${JSON.stringify(got)}`);
  },
  async keys(make) {
    const call = make();
    const created = await run(call, 'CreateKey', { Description: 'conformance' });
    const keyId = created.KeyMetadata?.KeyId;
    check(keyId, `CreateKey: ${JSON.stringify(created)}`);
    const described = await run(call, 'DescribeKey', { KeyId: keyId });
    check(described.KeyMetadata?.KeyState === 'Enabled', `DescribeKey: ${JSON.stringify(described)}`);
    const alias = `alias/${unique('conf')}`;
    await run(call, 'CreateAlias', { AliasName: alias, KeyId: keyId });
    const viaAlias = await run(call, 'DescribeKey', { KeyId: alias });
    check(viaAlias.KeyMetadata?.KeyId === keyId, `DescribeKey via alias: ${JSON.stringify(viaAlias)}`);
  },
  async crypto(make) {
    const call = make();
    const keyId = (await run(call, 'CreateKey', {})).KeyMetadata.KeyId;
    const context = JSON.stringify({ app: 'conformance', tenant: 't1' });
    const enc = await run(call, 'Encrypt', {
      KeyId: keyId,
      Plaintext: b64('hello kms'),
      EncryptionContext: context,
    });
    const dec = await run(call, 'Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: context,
    });
    check(Buffer.from(dec.Plaintext, 'base64').toString() === 'hello kms', `Decrypt: ${JSON.stringify(dec)}`);
    check(dec.KeyId === keyId, 'Decrypt names the key');
    await expectCode(
      call('Decrypt', {
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: JSON.stringify({ app: 'other' }),
      }),
      'InvalidCiphertext',
    );
    const dk = await run(call, 'GenerateDataKey', { KeyId: keyId, NumberOfBytes: 32 });
    check(Buffer.from(dk.Plaintext, 'base64').length === 32, 'data key is 32 bytes');
    const back = await run(call, 'Decrypt', { CiphertextBlob: dk.CiphertextBlob });
    check(back.Plaintext === dk.Plaintext, 'Decrypt of the data key blob gives the data key');
  },
  async secrets(make) {
    const call = make();
    const name = unique('conf-secret');
    await run(call, 'CreateSecret', { SecretName: name, SecretData: 'v1-value', VersionId: 'v1' });
    const v1 = await run(call, 'GetSecretValue', { SecretName: name });
    check(v1.SecretData === 'v1-value' && v1.VersionId === 'v1', `GetSecretValue: ${JSON.stringify(v1)}`);
    await run(call, 'PutSecretValue', { SecretName: name, SecretData: 'v2-value', VersionId: 'v2' });
    const v2 = await run(call, 'GetSecretValue', { SecretName: name });
    check(
      v2.SecretData === 'v2-value' && v2.VersionId === 'v2',
      `after PutSecretValue: ${JSON.stringify(v2)}`,
    );
    const versions = await run(call, 'ListSecretVersionIds', { SecretName: name });
    const ids = versions.VersionIds.VersionId.map((v) => v.VersionId).sort();
    check(ids.join(',') === 'v1,v2', `versions: ${ids}`);
    const deleted = await run(call, 'DeleteSecret', { SecretName: name, RecoveryWindowInDays: 7 });
    check(deleted.PlannedDeleteTime, `DeleteSecret: ${JSON.stringify(deleted)}`);
    await run(call, 'RestoreSecret', { SecretName: name });
    const again = await run(call, 'GetSecretValue', { SecretName: name });
    check(again.SecretData === 'v2-value', 'restored secret is readable');
  },
  async 'managed-rotation'(make) {
    const call = make();
    const db = unique('rm');
    const created = await control('POST', 'rds-instances', {
      DBInstanceId: db,
      Accounts: [{ AccountName: 'app', AccountPassword: 'Initial#Pass1' }],
    });
    if (created.status === 404) throw new NotBuilt('no simulated database resources yet');
    const name = unique('rds-secret');
    await run(call, 'CreateSecret', {
      SecretName: name,
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Initial#Pass1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: db }),
    });
    const before = JSON.parse((await run(call, 'GetSecretValue', { SecretName: name })).SecretData);
    check(
      before.AccountName === 'app' && before.AccountPassword === 'Initial#Pass1',
      `before: ${JSON.stringify(before)}`,
    );
    await run(call, 'RotateSecret', { SecretName: name, VersionId: 'r1' });
    await expectCode(
      call('RotateSecret', { SecretName: name, VersionId: 'r2' }),
      'Rejected.UnsupportedOperation',
    );
    await control('POST', 'clock', { advance: '1m' });
    const after = await run(call, 'GetSecretValue', { SecretName: name });
    const value = JSON.parse(after.SecretData);
    check(after.VersionId === 'r1' && value.AccountPassword !== 'Initial#Pass1', `after: ${after.VersionId}`);
    const valid = await control('POST', 'credentials/check', {
      DBInstanceId: db,
      AccountName: 'app',
      AccountPassword: value.AccountPassword,
    });
    const stale = await control('POST', 'credentials/check', {
      DBInstanceId: db,
      AccountName: 'app',
      AccountPassword: 'Initial#Pass1',
    });
    check(valid.valid === true && stale.valid === false, 'the database accepts only the rotated password');
  },
  async 'seeded-fixture'(make) {
    const call = make();
    const keyId = unique('key-seeded');
    const alias = `alias/${keyId}`;
    const material = Buffer.alloc(32, 9).toString('base64');
    const secretName = unique('seeded-secret');
    const seeded = await control('POST', 'seed', {
      keys: [
        {
          keyId,
          aliases: [alias],
          versions: [{ keyVersionId: '22222222-2222-4222-8222-222222222222', material }],
        },
      ],
      secrets: [{ secretName, versions: [{ versionId: 'v1', secretData: 'seeded value' }] }],
    });
    if (seeded.status === 404) throw new NotBuilt('no seed loading yet');
    check(seeded.status === 200, `seed: ${JSON.stringify(seeded)}`);
    check(
      (await run(call, 'DescribeKey', { KeyId: alias })).KeyMetadata.KeyId === keyId,
      'seeded key via alias',
    );
    const enc = await run(call, 'Encrypt', { KeyId: alias, Plaintext: 'seeded round trip' });
    check(enc.KeyVersionId === '22222222-2222-4222-8222-222222222222', 'seeded key version');
    check(
      (await run(call, 'Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext === 'seeded round trip',
      'decrypt',
    );
    check(
      (await run(call, 'GetSecretValue', { SecretName: secretName })).SecretData === 'seeded value',
      'seeded secret',
    );
  },
};

Object.assign(rows, asymmetricRows({ run, check, expectCode, control }));

async function control(method, path, body) {
  const res = await fetch(`${controlUrl}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = {};
  try {
    payload = await res.json();
  } catch {
    // not JSON
  }
  return { status: res.status, ...payload };
}

const results = [];
for (const [client, make] of Object.entries(clients)) {
  for (const [row, fn] of Object.entries(rows)) {
    let status = 'pass';
    let detail = '';
    try {
      await fn(make);
    } catch (error) {
      if (error instanceof NotBuilt) status = 'not-built-yet';
      else if (error instanceof Skip) status = 'skipped';
      else status = 'fail';
      // Client messages append the request URL (random port, nonce): keep the table stable.
      detail = String(error?.message ?? error)
        .split(', URL:')[0]
        .slice(0, 300);
    }
    results.push({ client: `node ${client}`, row, status, detail });
    console.log(`${status.padEnd(13)} node ${client} · ${row}${detail ? ` — ${detail}` : ''}`);
  }
}
// Typed rows (typed.mjs): the typed client's own methods and models.
await runTypedRows(
  results,
  Object.keys(clients).map((c) => `node ${c}`),
);
// A RAM user's typed call denied, allowed, denied again (typed-denied.mjs).
await runTypedDenied(
  results,
  Object.keys(clients).map((c) => `node ${c}`),
);
writeFileSync(out, JSON.stringify(results, null, 2));
