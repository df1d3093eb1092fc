#!/usr/bin/env node
// The orders application, as Terraform provisioned it (main.tf beside this file): it signs KMS calls
// with the RAM user's AccessKey through the official Node client (@alicloud/kms20160120), exactly as
// it would against the cloud, and must reach its own secret and key and nothing else.
//
// The runner (test/terraform/run.mjs) calls it after `terraform apply` with:
//   TF_OUTPUTS       the JSON of `terraform output -json` (the AccessKey secret included)
//   TF_VAR_endpoint  host:port of the emulator's HTTP listener (what the provider block was given)
// Prints one line per check and exits 1 when one fails.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Kms = require('@alicloud/kms20160120');
const { Config } = require('@alicloud/openapi-client');

const outputs = JSON.parse(process.env.TF_OUTPUTS ?? '{}');
const out = (name) => {
  const value = outputs[name]?.value;
  if (typeof value !== 'string') throw new Error(`terraform output ${name} is missing`);
  return value;
};

// What the application is configured with: its AccessKey and the KMS endpoint — nothing else.
const kms = new Kms.default(
  new Config({
    accessKeyId: out('orders_access_key_id'),
    accessKeySecret: out('orders_access_key_secret'),
    endpoint: process.env.TF_VAR_endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  }),
);

let failed = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  if (!ok) failed += 1;
}

/** Resolves to the answer's body, or to the error the client raised ({ code, detail }). */
async function attempt(call) {
  try {
    const answer = await call;
    // This client version resolves to the body itself; newer ones to { headers, statusCode, body }.
    return { ok: true, body: answer.body ?? answer };
  } catch (error) {
    // The client's error: the answer's body in `data` (its `code` has "Error" appended).
    return {
      ok: false,
      code: error.data?.Code ?? error.code,
      detail: error.accessDeniedDetail ?? error.data?.AccessDeniedDetail,
    };
  }
}
const refusal = (r) => (r.ok ? 'allowed' : `${r.code} ${JSON.stringify(r.detail ?? {})}`);

/** Refused by RAM: Forbidden.NoPermission whose AccessDeniedDetail names the action, this user, no policy. */
function deniedFor(r, action) {
  return (
    !r.ok &&
    r.code === 'Forbidden.NoPermission' &&
    r.detail?.AuthAction === action &&
    r.detail?.AuthPrincipalType === 'SubUser' &&
    r.detail?.AuthPrincipalOwnerId === out('account_id') &&
    r.detail?.NoPermissionType === 'ImplicitDeny' &&
    typeof r.detail?.EncodedDiagnosticMessage === 'string'
  );
}

const own = await attempt(
  kms.getSecretValue(new Kms.GetSecretValueRequest({ secretName: out('orders_secret_name') })),
);
check(
  'reads its own secret',
  own.ok && JSON.parse(own.body.secretData).password === '0rders-s3cret',
  own.ok ? '' : refusal(own),
);

const dec = await attempt(kms.decrypt(new Kms.DecryptRequest({ ciphertextBlob: out('orders_ciphertext') })));
check(
  'decrypts with its own key',
  dec.ok && dec.body.keyId === out('orders_key_id') && dec.body.plaintext === 'orders-api-token',
  dec.ok ? '' : refusal(dec),
);

const otherSecret = await attempt(
  kms.getSecretValue(new Kms.GetSecretValueRequest({ secretName: out('payroll_secret_name') })),
);
check("is refused another team's secret", deniedFor(otherSecret, 'kms:GetSecretValue'), refusal(otherSecret));

const otherKey = await attempt(
  kms.decrypt(new Kms.DecryptRequest({ ciphertextBlob: out('payroll_ciphertext') })),
);
check("is refused another team's key", deniedFor(otherKey, 'kms:Decrypt'), refusal(otherKey));

const encrypt = await attempt(
  kms.encrypt(new Kms.EncryptRequest({ keyId: out('orders_key_id'), plaintext: 'bmV3' })),
);
check(
  'is refused what its policy does not name (Encrypt with its own key)',
  deniedFor(encrypt, 'kms:Encrypt'),
  refusal(encrypt),
);

const list = await attempt(kms.listSecrets(new Kms.ListSecretsRequest({})));
check('is refused listing secrets', deniedFor(list, 'kms:ListSecrets'), refusal(list));

process.exitCode = failed === 0 ? 0 : 1;
