#!/usr/bin/env node
// The orders application, as Terraform provisioned it (main.tf beside this file): it signs KMS
// Instance API calls with the client key file the provider wrote, over TLS verified against the
// instance's CA chain, and must reach its own key and secret and nothing else.
//
// The runner (test/terraform/run.mjs) calls it after `terraform apply` with:
//   TF_OUTPUTS          the JSON of `terraform output -json`
//   KMS_GATEWAY_URL     https://127.0.0.1:<--gateway-port>
//   KMS_INSTANCE_CA     the instance's CaCertificateChainPem (GetKmsInstance), a file
//   CLIENT_KEY_PASSWORD the client key's password (the configuration's default)
// Prints one line per check and exits 1 when one fails.
import { createHash, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import protobuf from 'protobufjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const schema = protobuf.loadSync(path.join(ROOT, 'schemas', 'kms-instance-api.proto'));
const message = (name) => schema.lookupType(`kmsinstance.${name}`);

const outputs = JSON.parse(process.env.TF_OUTPUTS ?? '{}');
const out = (name) => {
  const value = outputs[name]?.value;
  if (typeof value !== 'string') throw new Error(`terraform output ${name} is missing`);
  return value;
};
const gateway = new URL(process.env.KMS_GATEWAY_URL ?? '');
const ca = readFileSync(process.env.KMS_INSTANCE_CA ?? '', 'utf8');

// The client key file: {"KeyId": <ClientKeyId>, "PrivateKeyData": <base64 PKCS#12>}.
const keyFile = JSON.parse(readFileSync(out('client_key_file'), 'utf8'));
const p12 = forge.pkcs12.pkcs12FromAsn1(
  forge.asn1.fromDer(forge.util.decode64(keyFile.PrivateKeyData)),
  process.env.CLIENT_KEY_PASSWORD ?? '',
);
const bagType = forge.pki.oids.pkcs8ShroudedKeyBag;
const privateKeyPem = forge.pki.privateKeyToPem(p12.getBags({ bagType })[bagType][0].key);

/** One call as the KMS Instance SDKs make it: protobuf body, x-kms-* headers, RSA-SHA256 Bearer. */
function call(api, fields) {
  const type = message(`${api}Request`);
  const body = Buffer.from(type.encode(type.fromObject(fields)).finish());
  const headers = {
    accept: 'application/x-protobuf',
    date: new Date().toUTCString(),
    'x-kms-apiversion': 'dkms-gcs-0.2',
    'x-kms-apiname': api,
    'x-kms-signaturemethod': 'RSA_PKCS1_SHA_256',
    'x-kms-acccesskeyid': keyFile.KeyId,
    'content-type': 'application/x-protobuf',
    'content-sha256': createHash('sha256').update(body).digest('hex').toUpperCase(),
  };
  const kmsHeaders = Object.keys(headers)
    .filter((h) => h.startsWith('x-kms-'))
    .sort()
    .map((h) => `${h}:${headers[h]}\n`)
    .join('');
  const text = `POST\n${headers['content-sha256']}\n${headers['content-type']}\n${headers.date}\n${kmsHeaders}/`;
  headers.authorization = `Bearer ${createSign('sha256').update(text).sign(privateKeyPem, 'base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: gateway.hostname, port: gateway.port, method: 'POST', path: '/', headers, ca, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (res.statusCode === 200) resolve({ ok: true, body: message(`${api}Response`).decode(raw) });
          else resolve({ ok: false, status: res.statusCode, error: message('Error').decode(raw) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let failed = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  if (!ok) failed += 1;
}
const refusal = (r) => (r.ok ? 'allowed' : `${r.status} ${r.error.ErrorCode}`);

const plaintext = Buffer.from('order #1234: 3 items');
const enc = await call('Encrypt', { KeyId: out('orders_key_id'), Plaintext: plaintext });
check('encrypts with its own key', enc.ok, refusal(enc));
if (enc.ok) {
  const dec = await call('Decrypt', {
    KeyId: out('orders_key_id'),
    CiphertextBlob: enc.body.CiphertextBlob,
    Iv: enc.body.Iv,
  });
  check(
    'decrypts what it encrypted',
    dec.ok && Buffer.from(dec.body.Plaintext).equals(plaintext),
    dec.ok ? '' : refusal(dec),
  );
}
const secret = await call('GetSecretValue', { SecretName: out('orders_secret_name') });
check(
  'reads its own secret',
  secret.ok && JSON.parse(secret.body.SecretData).password === '0rders-s3cret',
  refusal(secret),
);
const otherKey = await call('Encrypt', { KeyId: out('payroll_key_id'), Plaintext: plaintext });
check(
  "is refused another team's key",
  !otherKey.ok && otherKey.status === 403 && otherKey.error.ErrorCode === 'Forbidden.NoPermission',
  refusal(otherKey),
);
const otherSecret = await call('GetSecretValue', { SecretName: out('payroll_secret_name') });
check(
  "is refused another team's secret",
  !otherSecret.ok && otherSecret.status === 403 && otherSecret.error.ErrorCode === 'Forbidden.NoPermission',
  refusal(otherSecret),
);
process.exitCode = failed === 0 ? 0 : 1;
