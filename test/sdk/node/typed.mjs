// Typed rows (issue #13) for Node. @alicloud/kms20160120 1.2.0, the newest on npm, has 45 of the
// API's operations: where it has one, its typed method and response model are used
// (client.createKey(new CreateKeyRequest({...})).keyMetadata.keyId). Where it has not, the call goes
// through @alicloud/openapi-client's callApi and the body is cast strictly ($tea.cast) to a Tea
// model built from the newest SDK's response model (spec/sdk-models.json, alibabacloud_kms20160120);
// each row's detail names those operations.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const KmsModule = require('@alicloud/kms20160120');
const OpenApi = require('@alicloud/openapi-client');
const $tea = require('@alicloud/tea-typescript');

const sdkModels = JSON.parse(readFileSync(new URL('../../../spec/sdk-models.json', import.meta.url), 'utf8'));

const endpoint = process.env.KMS_ENDPOINT ?? '127.0.0.1:8080';
const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? 'LTAIEmulatorAccessKeyId';
const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? 'EmulatorAccessKeySecret';

export const TYPED_CLIENT = 'node kms20160120 1.2.0';
export const TYPED_ROWS = ['typed-service', 'typed-instances', 'typed-keys', 'typed-crypto', 'typed-secrets'];

const lowerFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);
const TEA_SCALAR = {
  string: 'string',
  integer: 'number',
  number: 'number',
  boolean: 'boolean',
  any: 'any',
  map: 'map',
};

/** A Tea model class (names/types) for one model of spec/sdk-models.json, fields in camelCase. */
function teaModel(properties) {
  const names = {};
  const types = {};
  for (const [wire, type] of Object.entries(properties ?? {})) {
    const key = lowerFirst(wire);
    names[key] = wire;
    types[key] = teaType(type);
  }
  return class extends $tea.Model {
    static names() {
      return names;
    }
    static types() {
      return types;
    }
  };
}

function teaType(type) {
  if (type.type === 'array') return { type: 'array', itemType: teaType(type.items) };
  if (type.type === 'object') return type.properties ? teaModel(type.properties) : 'any';
  return TEA_SCALAR[type.type] ?? 'any';
}

/** Checks a cast model against a body: $tea.cast coerces a few scalars; a typed client would not. */
function strict(body, properties, path, problems) {
  for (const [wire, type] of Object.entries(body ?? {})) {
    const model = properties[wire];
    if (!model) continue;
    const value = type;
    const at = `${path}.${wire}`;
    if (model.type === 'string' && typeof value !== 'string') problems.push(`${at} is not a string`);
    if (model.type === 'integer' && !Number.isInteger(value)) problems.push(`${at} is not an integer`);
    if (model.type === 'boolean' && typeof value !== 'boolean') problems.push(`${at} is not a boolean`);
    if (model.type === 'array' && Array.isArray(value) && model.items?.properties)
      for (const item of value) strict(item, model.items.properties, `${at}[]`, problems);
    if (model.type === 'object' && model.properties) strict(value, model.properties, at, problems);
  }
}

function clients() {
  const Client = KmsModule.default;
  const typed = new Client({
    accessKeyId,
    accessKeySecret,
    endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  });
  const generic = new OpenApi.default(
    new OpenApi.Config({ accessKeyId, accessKeySecret, endpoint, protocol: 'http', regionId: 'cn-hangzhou' }),
  );
  const viaModel = [];
  /** callApi + $tea.cast to the newest SDK's model: for operations 1.2.0 lacks. */
  const model = async (action, params = {}) => {
    const spec = sdkModels.operations[action];
    if (!spec) throw new Error(`${action} is not in spec/sdk-models.json`);
    if (!viaModel.includes(action)) viaModel.push(action);
    const p = new OpenApi.Params({
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
    const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const { body } = await generic.callApi(p, new OpenApi.OpenApiRequest({ query }), {});
    const problems = [];
    strict(body, spec.response, action, problems);
    if (problems.length > 0) throw new Error(`${action}: ${problems.slice(0, 3).join('; ')}`);
    const Model = teaModel(spec.response);
    return $tea.cast(body, new Model({}));
  };
  return { typed, model, viaModel, K: KmsModule };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function expectCode(promise, code, what) {
  try {
    await promise;
  } catch (error) {
    const got = String(error?.code ?? error?.data?.Code ?? '').replace(/Error$/, '');
    const want = code.replace(/Error$/, '');
    check(got === want, `${what}: expected ${code}, got ${got || error.message}`);
    return;
  }
  throw new Error(`${what}: expected ${code}, the call succeeded`);
}

const unique = (prefix) => `${prefix}-${Date.now() % 1e9}-${Math.floor(Math.random() * 1e6)}`;

const rows = {
  'typed-service': async ({ typed, model, K }) => {
    const regions = (await typed.describeRegions(new K.DescribeRegionsRequest({}))).regions.region;
    check(
      regions.some((r) => r.regionId === 'cn-hangzhou'),
      'describeRegions lacks cn-hangzhou',
    );
    check((await model('DescribeAccountKmsStatus')).accountStatus === 'Enabled', 'accountStatus');
    return 'describeRegions (typed)';
  },
  'typed-instances': async ({ model }) => {
    const defaultId = (await model('GetDefaultKmsInstance')).defaultKmsInstanceId;
    check(/^kst-/.test(defaultId ?? ''), `defaultKmsInstanceId ${defaultId}`);
    const listed = await model('ListKmsInstances', {
      Filters: JSON.stringify([{ Key: 'KmsInstanceId', Values: [defaultId] }]),
    });
    check(listed.kmsInstances.kmsInstance.map((i) => i.kmsInstanceId).join() === defaultId, 'filtered list');
    const inst = (await model('GetKmsInstance', { KmsInstanceId: defaultId })).kmsInstance;
    check(
      inst.instanceId === defaultId && Array.isArray(inst.zoneIds),
      `kmsInstance ${JSON.stringify(inst)}`,
    );
    check(typeof inst.deletionProtection === 'boolean' && Number.isInteger(inst.keyNum), 'typed fields');
    const quota = await model('GetKmsInstanceQuotaInfos');
    check(quota.kmsInstanceId === defaultId, 'quota kmsInstanceId');
    check(
      quota.kmsInstanceQuotaInfos.some((q) => q.resourceType === 'key' && Number.isInteger(q.resourceQuota)),
      'key quota',
    );
    return '';
  },
  'typed-keys': async ({ typed, model, K }) => {
    const description = unique('node typed key');
    const meta = (await typed.createKey(new K.CreateKeyRequest({ description }))).keyMetadata;
    check(meta.keyState === 'Enabled', `keyState ${meta.keyState}`);
    const keyId = meta.keyId;
    const described = (await typed.describeKey(new K.DescribeKeyRequest({ keyId }))).keyMetadata;
    check(described.description === description, 'describeKey description');
    const alias = `alias/${unique('nodetyped')}`;
    await typed.createAlias(new K.CreateAliasRequest({ aliasName: alias, keyId }));
    const aliases = (await typed.listAliasesByKeyId(new K.ListAliasesByKeyIdRequest({ keyId }))).aliases
      .alias;
    check(aliases.length === 1 && aliases[0].aliasName === alias, 'listAliasesByKeyId');
    const version = (await typed.createKeyVersion(new K.CreateKeyVersionRequest({ keyId }))).keyVersion;
    const versions = await typed.listKeyVersions(new K.ListKeyVersionsRequest({ keyId }));
    check(versions.totalCount === 2, `totalCount ${versions.totalCount}`);
    check(
      versions.keyVersions.keyVersion.some((v) => v.keyVersionId === version.keyVersionId),
      'new version listed',
    );
    await model('SetDeletionProtection', { KeyId: keyId, EnableDeletionProtection: true });
    const protectedKey = await model('DescribeKey', { KeyId: keyId });
    check(protectedKey.keyMetadata.deletionProtection === 'Enabled', 'deletionProtection');
    await typed.tagResource(
      new K.TagResourceRequest({ keyId, tags: JSON.stringify([{ TagKey: 'team', TagValue: 'node' }]) }),
    );
    const tags = (await typed.listResourceTags(new K.ListResourceTagsRequest({ keyId }))).tags.tag;
    check(tags.length === 1 && tags[0].tagValue === 'node', 'listResourceTags');
    const keys = (await typed.listKeys(new K.ListKeysRequest({ pageSize: 100 }))).keys.key;
    check(
      keys.some((k) => k.keyId === keyId),
      'listKeys misses the key',
    );
    return 'createKey, describeKey, createAlias, listAliasesByKeyId, createKeyVersion, listKeyVersions, tagResource, listResourceTags, listKeys (typed)';
  },
  'typed-crypto': async ({ typed, model, K }) => {
    const keyId = (await typed.createKey(new K.CreateKeyRequest({}))).keyMetadata.keyId;
    const encryptionContext = { purpose: 'node-typed' };
    const plaintext = Buffer.from('typed plaintext ü').toString('base64');
    const enc = await typed.encrypt(new K.EncryptRequest({ keyId, plaintext, encryptionContext }));
    check(enc.keyId === keyId, 'encrypt keyId');
    const dec = await typed.decrypt(
      new K.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext }),
    );
    check(dec.plaintext === plaintext, 'decrypt plaintext');
    const dk = await typed.generateDataKey(new K.GenerateDataKeyRequest({ keyId }));
    check(Buffer.from(dk.plaintext, 'base64').length === 32, 'data key bytes');
    const re = await model('ReEncrypt', { CiphertextBlob: dk.ciphertextBlob, DestinationKeyId: keyId });
    check(re.keyId === keyId, 'reEncrypt keyId');
    const blob = await typed.generateDataKeyWithoutPlaintext(
      new K.GenerateDataKeyWithoutPlaintextRequest({ keyId }),
    );
    check(blob.ciphertextBlob, 'ciphertextBlob');
    await expectCode(
      model('Encrypt', { KeyId: keyId, Plaintext: plaintext, DryRun: 'true' }),
      'DryRunOperationError',
      'Encrypt DryRun',
    );
    const pw = await typed.getRandomPassword(new K.GetRandomPasswordRequest({ passwordLength: '24' }));
    check(pw.randomPassword.length === 24, 'randomPassword length');
    return 'encrypt, decrypt, generateDataKey, generateDataKeyWithoutPlaintext, getRandomPassword (typed)';
  },
  'typed-secrets': async ({ typed, model, K }) => {
    const secretName = unique('node-typed-secret');
    await typed.createSecret(
      new K.CreateSecretRequest({ secretName, secretData: 'v1-data', versionId: 'v1' }),
    );
    const value = await typed.getSecretValue(new K.GetSecretValueRequest({ secretName }));
    check(value.secretData === 'v1-data', 'secretData');
    check(value.versionStages.versionStage.join() === 'ACSCurrent', 'versionStages');
    await typed.putSecretValue(
      new K.PutSecretValueRequest({ secretName, secretData: 'v2-data', versionId: 'v2' }),
    );
    const ids = (await typed.listSecretVersionIds(new K.ListSecretVersionIdsRequest({ secretName })))
      .versionIds.versionId;
    check(ids.length === 2, 'listSecretVersionIds');
    const described = await typed.describeSecret(new K.DescribeSecretRequest({ secretName }));
    check(described.secretName === secretName, 'describeSecret');
    const batch = await model('BatchGetSecretValue', {
      SecretsList: JSON.stringify([{ SecretName: secretName }]),
    });
    check(batch.secretValues[0].secretData === 'v2-data' && batch.secretValues[0].requestId, 'batch item');
    const owned = await model('DescribeSecret', { SecretName: secretName });
    check(typeof owned.owingService === 'string', 'owingService');
    await expectCode(
      model('GetSecretValue', { SecretName: secretName, DryRun: 'true' }),
      'DryRunOperationError',
      'DryRun',
    );
    const deleted = await typed.deleteSecret(
      new K.DeleteSecretRequest({ secretName, recoveryWindowInDays: '7' }),
    );
    check(deleted.plannedDeleteTime, 'plannedDeleteTime');
    await typed.restoreSecret(new K.RestoreSecretRequest({ secretName }));
    return 'createSecret, getSecretValue, putSecretValue, listSecretVersionIds, describeSecret, deleteSecret, restoreSecret (typed)';
  },
};

/** Appends the typed rows: run for the typed client, `skipped` for the suite's other clients. */
export async function runTypedRows(results, otherClients) {
  for (const client of otherClients) {
    if (client === TYPED_CLIENT) continue;
    for (const row of TYPED_ROWS) {
      results.push({
        client,
        row,
        status: 'skipped',
        detail: 'not a typed client (generic calls, raw maps)',
      });
    }
  }
  for (const row of TYPED_ROWS) {
    const c = clients();
    let status = 'pass';
    let detail = '';
    try {
      const typedPart = await rows[row](c);
      const parts = [
        typedPart,
        c.viaModel.length
          ? `openapi-client callApi + newest SDK model (1.2.0 lacks them): ${c.viaModel.join(', ')}`
          : '',
      ];
      detail = parts.filter(Boolean).join('; ');
    } catch (error) {
      status = 'fail';
      detail = String(error?.message ?? error)
        .split(', URL:')[0]
        .slice(0, 300);
    }
    results.push({ client: TYPED_CLIENT, row, status, detail });
    console.log(`${status.padEnd(13)} ${TYPED_CLIENT} · ${row}${detail ? ` — ${detail}` : ''}`);
  }
}
