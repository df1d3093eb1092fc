// Typed rows (issue #13) for Node. @alicloud/kms20160120 1.2.0, the newest on npm, has 45 of the
// API's operations: where it has one, its typed method and response model are used
// (client.createKey(new CreateKeyRequest({...})).keyMetadata.keyId). Where it has not, the call goes
// through @alicloud/openapi-client's callApi and the body is cast strictly ($tea.cast) to a Tea
// model built from the newest SDK's response model (spec/sdk-models.json, alibabacloud_kms20160120);
// each row's detail names those operations.
import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
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

/** The openapi-client request description of an RPC-style KMS call (shared with suite.mjs). */
export function rpcParams(action) {
  return new OpenApi.Params({
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
}

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
    const p = rpcParams(action);
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
    await expectCode(model('OpenKmsService'), 'Forbidden.Opened', 'OpenKmsService on an opened account');
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
    const kst = unique('kst-nodetyped');
    await fetch(`${process.env.KMS_EMULATOR_URL ?? `http://${endpoint}`}/_emulator/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kmsInstanceId: kst, vpcQuota: 2 }),
    });
    await model('ConnectKmsInstance', {
      KmsInstanceId: kst,
      VpcId: 'vpc-node',
      ZoneIds: 'cn-hangzhou-k,cn-hangzhou-j',
      VSwitchIds: 'vsw-node',
      KMProvider: 'Aliyun',
    });
    await model('UpdateKmsInstanceBindVpc', {
      KmsInstanceId: kst,
      BindVpcs: JSON.stringify([
        { VpcId: 'vpc-2', RegionId: 'cn-hangzhou', VSwitchId: 'vsw-2', VpcOwnerId: '1' },
      ]),
    });
    const connected = (await model('GetKmsInstance', { KmsInstanceId: kst })).kmsInstance;
    check(connected.zoneIds.join() === 'cn-hangzhou-k,cn-hangzhou-j', `zoneIds ${connected.zoneIds}`);
    check(connected.bindVpcs.bindVpc[0].vpcId === 'vpc-2', 'bindVpcs');
    await model('SetDeletionProtection', { KmsInstanceId: kst, EnableDeletionProtection: true });
    await expectCode(
      model('ReleaseKmsInstance', { KmsInstanceId: kst }),
      'Forbidden.DeletionProtection',
      'release protected',
    );
    await model('SetDeletionProtection', { KmsInstanceId: kst, EnableDeletionProtection: false });
    await model('ReleaseKmsInstance', { KmsInstanceId: kst });
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
    await moreKeys(typed, model, K);
    return 'createKey, describeKey, createAlias, listAliasesByKeyId, createKeyVersion, listKeyVersions, tagResource, listResourceTags, listKeys, updateKeyDescription, disableKey, enableKey, updateAlias, listAliases, deleteAlias, describeKeyVersion, updateRotationPolicy, scheduleKeyDeletion, cancelKeyDeletion, untagResource, getParametersForImport, importKeyMaterial, deleteKeyMaterial (typed)';
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
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const unwrap = (blob) =>
      privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(blob, 'base64'),
      );
    const wrapping = {
      PublicKeyBlob: spki,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    };
    const exported = await model('ExportDataKey', { CiphertextBlob: dk.ciphertextBlob, ...wrapping });
    check(unwrap(exported.exportedDataKey).equals(Buffer.from(dk.plaintext, 'base64')), 'ExportDataKey');
    const both = await model('GenerateAndExportDataKey', { KeyId: keyId, ...wrapping });
    const inner = await typed.decrypt(new K.DecryptRequest({ ciphertextBlob: both.ciphertextBlob }));
    check(
      unwrap(both.exportedDataKey).equals(Buffer.from(inner.plaintext, 'base64')),
      'GenerateAndExportDataKey',
    );
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
    await typed.updateSecret(new K.UpdateSecretRequest({ secretName, description: 'typed' }));
    check(
      (await typed.describeSecret(new K.DescribeSecretRequest({ secretName }))).description === 'typed',
      'updateSecret',
    );
    await typed.putSecretValue(
      new K.PutSecretValueRequest({
        secretName,
        secretData: 'v3',
        versionId: 'v3',
        versionStages: '["custom"]',
      }),
    );
    await typed.updateSecretVersionStage(
      new K.UpdateSecretVersionStageRequest({
        secretName,
        versionStage: 'custom',
        removeFromVersion: 'v3',
        moveToVersion: 'v2',
      }),
    );
    const staged = await typed.getSecretValue(
      new K.GetSecretValueRequest({ secretName, versionStage: 'custom' }),
    );
    check(staged.versionId === 'v2', 'updateSecretVersionStage');
    const policy =
      '{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow","Principal":{"RAM":["acs:ram::1234567890123456:*"]},"Action":["kms:*"],"Resource":["*"]}]}';
    await model('SetSecretPolicy', { SecretName: secretName, Policy: policy });
    check((await model('GetSecretPolicy', { SecretName: secretName })).policy === policy, 'secret policy');
    const db = unique('rm-nodetyped');
    await fetch(`${process.env.KMS_EMULATOR_URL ?? `http://${endpoint}`}/_emulator/rds-instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        DBInstanceId: db,
        Accounts: [{ AccountName: 'app', AccountPassword: 'Init#1' }],
      }),
    });
    const rds = unique('node-typed-rds');
    await model('CreateSecret', {
      SecretName: rds,
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Init#1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: db }),
    });
    await model('UpdateSecretRotationPolicy', {
      SecretName: rds,
      EnableAutomaticRotation: true,
      RotationInterval: '7d',
    });
    check(
      (await model('RotateSecret', { SecretName: rds, VersionId: 'r1' })).versionId === 'r1',
      'RotateSecret',
    );
    return 'createSecret, getSecretValue, putSecretValue, listSecretVersionIds, describeSecret, deleteSecret, restoreSecret, updateSecret, updateSecretVersionStage (typed)';
  },
};

async function moreKeys(typed, model, K) {
  const describe = async (keyId) =>
    (await typed.describeKey(new K.DescribeKeyRequest({ keyId }))).keyMetadata;
  const keyId = (await typed.createKey(new K.CreateKeyRequest({}))).keyMetadata.keyId;
  await typed.updateKeyDescription(new K.UpdateKeyDescriptionRequest({ keyId, description: 'renamed' }));
  check((await describe(keyId)).description === 'renamed', 'updateKeyDescription');
  await typed.disableKey(new K.DisableKeyRequest({ keyId }));
  check((await describe(keyId)).keyState === 'Disabled', 'disableKey');
  await typed.enableKey(new K.EnableKeyRequest({ keyId }));
  const other = (await typed.createKey(new K.CreateKeyRequest({}))).keyMetadata.keyId;
  const aliasName = `alias/${unique('nodemore')}`;
  await typed.createAlias(new K.CreateAliasRequest({ aliasName, keyId }));
  await typed.updateAlias(new K.UpdateAliasRequest({ aliasName, keyId: other }));
  const aliases = (await typed.listAliases(new K.ListAliasesRequest({ pageSize: 100 }))).aliases.alias;
  check(
    aliases.some((a) => a.aliasName === aliasName && a.keyId === other),
    'updateAlias not listed',
  );
  await typed.deleteAlias(new K.DeleteAliasRequest({ aliasName }));
  const primary = (await describe(keyId)).primaryKeyVersion;
  const version = await typed.describeKeyVersion(
    new K.DescribeKeyVersionRequest({ keyId, keyVersionId: primary }),
  );
  check(version.keyVersion.keyVersionId === primary, 'describeKeyVersion');
  await typed.updateRotationPolicy(
    new K.UpdateRotationPolicyRequest({ keyId, enableAutomaticRotation: true, rotationInterval: '604800s' }),
  );
  check((await describe(keyId)).rotationInterval === '604800s', 'updateRotationPolicy');
  const policy =
    '{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow","Principal":{"RAM":["acs:ram::1234567890123456:*"]},"Action":["kms:*"],"Resource":["*"]}]}';
  await model('SetKeyPolicy', { KeyId: keyId, Policy: policy });
  check((await model('GetKeyPolicy', { KeyId: keyId })).policy === policy, 'key policy');
  await typed.scheduleKeyDeletion(new K.ScheduleKeyDeletionRequest({ keyId: other, pendingWindowInDays: 7 }));
  check((await describe(other)).keyState === 'PendingDeletion', 'scheduleKeyDeletion');
  await typed.cancelKeyDeletion(new K.CancelKeyDeletionRequest({ keyId: other }));
  await typed.tagResource(
    new K.TagResourceRequest({
      keyId,
      tags: JSON.stringify([
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'b', TagValue: '2' },
      ]),
    }),
  );
  await typed.untagResource(new K.UntagResourceRequest({ keyId, tagKeys: '["a"]' }));
  const tags = (await typed.listResourceTags(new K.ListResourceTagsRequest({ keyId }))).tags.tag;
  check(tags.length === 1 && tags[0].tagKey === 'b', 'untagResource');
  await model('TagResources', {
    RegionId: 'cn-hangzhou',
    ResourceType: 'key',
    'ResourceId.1': other,
    'Tag.1.Key': 'c',
    'Tag.1.Value': '3',
  });
  const rows = (
    await model('ListTagResources', { RegionId: 'cn-hangzhou', ResourceType: 'key', 'ResourceId.1': other })
  ).tagResources.tagResource;
  check(rows.length === 1 && rows[0].tagValue === '3', 'ListTagResources');
  await model('UntagResources', {
    RegionId: 'cn-hangzhou',
    ResourceType: 'key',
    'ResourceId.1': other,
    'TagKey.1': 'c',
  });
  const external = (await typed.createKey(new K.CreateKeyRequest({ origin: 'EXTERNAL' }))).keyMetadata.keyId;
  const params = await typed.getParametersForImport(
    new K.GetParametersForImportRequest({
      keyId: external,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
    }),
  );
  const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt(
    { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.alloc(32, 5),
  );
  await typed.importKeyMaterial(
    new K.ImportKeyMaterialRequest({
      keyId: external,
      encryptedKeyMaterial: wrapped.toString('base64'),
      importToken: params.importToken,
      keyMaterialExpireUnix: 0,
    }),
  );
  check((await describe(external)).keyState === 'Enabled', 'importKeyMaterial');
  await typed.deleteKeyMaterial(new K.DeleteKeyMaterialRequest({ keyId: external }));
  check((await describe(external)).keyState === 'PendingImport', 'deleteKeyMaterial');
}

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
