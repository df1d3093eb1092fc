// The typed-denied row (issue #25 §6): a RAM user's typed KMS call is denied with its
// AccessDeniedDetail, allowed once a custom policy grants it, denied again by an explicit Deny.
// RAM (CreateUser, CreateAccessKey, CreatePolicy, AttachPolicyToUser) through its own typed client,
// @alicloud/ram20150501 1.2.1 (on @alicloud/openapi-core), signed by the root pair; KMS through
// @alicloud/kms20160120 1.2.0's typed methods. That client is of the old generation, on
// @alicloud/rpc-client: its error is a Tea ResponseError whose `code` is the envelope's Code with
// "Error" appended and whose `accessDeniedDetail` it never sets (rpc-client passes only code,
// message and data), so the detail is read from `error.data.AccessDeniedDetail`, the raw envelope.
import { createRequire } from 'node:module';
import { TYPED_CLIENT } from './typed.mjs';

const require = createRequire(import.meta.url);
const KmsModule = require('@alicloud/kms20160120');
const RamModule = require('@alicloud/ram20150501');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const endpoint = process.env.KMS_ENDPOINT ?? '127.0.0.1:8080';
const rootKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? 'LTAIEmulatorAccessKeyId';
const rootKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? 'EmulatorAccessKeySecret';

export const ROW = 'typed-denied';
const RAM_CLIENT = '@alicloud/ram20150501 1.2.1';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const unique = (prefix) => `${prefix}-${Date.now() % 1e9}-${Math.floor(Math.random() * 1e6)}`;

const kmsClient = (accessKeyId, accessKeySecret) =>
  new KmsModule.default({
    accessKeyId,
    accessKeySecret,
    endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  });

const policy = (effect, keyId) =>
  JSON.stringify({
    Version: '1',
    Statement: [{ Effect: effect, Action: ['kms:Encrypt'], Resource: [`acs:kms:*:*:key/${keyId}`] }],
  });

/** The call must fail with the typed client's error for a denial carrying the wanted detail. */
async function denied(call, want, account, what) {
  try {
    await call();
  } catch (error) {
    const code = String(error?.code ?? '');
    check(
      code === 'Forbidden.NoPermissionError' && error?.data?.Code === 'Forbidden.NoPermission',
      `${what}: expected Forbidden.NoPermission(Error), got ${code || error?.message}`,
    );
    const status = Number(/\bcode: (\d{3}),/.exec(String(error.message))?.[1]);
    check(
      status === 403,
      `${what}: expected HTTP 403 (Encrypt's spec names no other status for it), got ${status}`,
    );
    check(
      error.accessDeniedDetail === undefined,
      `${what}: rpc-client now sets error.accessDeniedDetail: read it`,
    );
    const detail = error.data.AccessDeniedDetail;
    check(
      detail !== null && typeof detail === 'object',
      `${what}: error.data.AccessDeniedDetail is ${JSON.stringify(detail)}`,
    );
    const expected = {
      AuthAction: 'kms:Encrypt',
      NoPermissionType: want,
      AuthPrincipalType: 'SubUser',
      AuthPrincipalOwnerId: account,
    };
    const wrong = Object.entries(expected)
      .filter(([k, v]) => detail[k] !== v)
      .map(([k, v]) => `${k}=${JSON.stringify(detail[k])} (want ${v})`);
    check(wrong.length === 0, `${what}: AccessDeniedDetail ${wrong.join(', ')}`);
    for (const name of ['PolicyType', 'AuthPrincipalDisplayName', 'EncodedDiagnosticMessage']) {
      check(
        typeof detail[name] === 'string' && detail[name] !== '',
        `${what}: AccessDeniedDetail.${name} is ${detail[name]}`,
      );
    }
    return `${want} (HTTP ${status})`;
  }
  throw new Error(`${what}: expected Forbidden.NoPermission, the call succeeded`);
}

async function row() {
  const K = KmsModule;
  const R = RamModule;
  const root = kmsClient(rootKeyId, rootKeySecret);
  const ram = new R.default(
    new $OpenApiUtil.Config({
      accessKeyId: rootKeyId,
      accessKeySecret: rootKeySecret,
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
  const meta = (await root.createKey(new K.CreateKeyRequest({ description: 'typed-denied' }))).keyMetadata;
  const keyId = meta.keyId;
  const account = String(meta.arn).split(':')[3];
  const userName = unique('node-denied');
  const user = (await ram.createUser(new R.CreateUserRequest({ userName }))).body.user;
  check(user.userName === userName, `CreateUser: userName ${user.userName}`);
  const accessKey = (await ram.createAccessKey(new R.CreateAccessKeyRequest({ userName }))).body.accessKey;
  check(
    accessKey.status === 'Active' && Boolean(accessKey.accessKeySecret),
    `CreateAccessKey: status ${accessKey.status}`,
  );
  const asUser = kmsClient(accessKey.accessKeyId, accessKey.accessKeySecret);
  const encrypt = () => asUser.encrypt(new K.EncryptRequest({ keyId, plaintext: 'denied, then allowed' }));
  const attach = async (effect) => {
    const policyName = unique(`node-${effect.toLowerCase()}-encrypt`);
    await ram.createPolicy(new R.CreatePolicyRequest({ policyName, policyDocument: policy(effect, keyId) }));
    await ram.attachPolicyToUser(
      new R.AttachPolicyToUserRequest({ policyType: 'Custom', policyName, userName }),
    );
  };

  const implicit = await denied(encrypt, 'ImplicitDeny', account, 'Encrypt without a policy');
  await attach('Allow');
  const allowed = await encrypt();
  check(
    allowed.keyId === keyId && Boolean(allowed.ciphertextBlob),
    `Encrypt with the Allow policy: keyId ${allowed.keyId}, ciphertextBlob ${allowed.ciphertextBlob}`,
  );
  await attach('Deny');
  const explicit = await denied(encrypt, 'ExplicitDeny', account, 'Encrypt with an explicit Deny');
  return (
    `Forbidden.NoPermission with ${implicit}, then allowed by a custom policy, then ${explicit}; ` +
    'kms20160120 1.2.0 (rpc-client) leaves error.accessDeniedDetail unset and appends "Error" to the code: ' +
    `detail read from error.data.AccessDeniedDetail (the raw envelope); RAM set-up through ${RAM_CLIENT}`
  );
}

/** Appends the row: run for the typed client, `skipped` for the suite's other clients. */
export async function runTypedDenied(results, otherClients) {
  for (const client of otherClients) {
    if (client === TYPED_CLIENT) continue;
    results.push({
      client,
      row: ROW,
      status: 'skipped',
      detail: 'not a typed client (generic calls, raw maps)',
    });
  }
  let status = 'pass';
  let detail;
  try {
    detail = await row();
  } catch (error) {
    status = 'fail';
    detail = String(error?.message ?? error)
      .split(', URL:')[0]
      .slice(0, 300);
  }
  results.push({ client: TYPED_CLIENT, row: ROW, status, detail });
  console.log(`${status.padEnd(13)} ${TYPED_CLIENT} · ${ROW} — ${detail}`);
}
