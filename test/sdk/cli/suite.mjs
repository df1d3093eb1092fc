// The conformance matrix through the official `aliyun` CLI: every call is a real `aliyun kms <Action>`
// process with a profile made by `aliyun configure set`, in a private HOME so the user's own
// configuration is never read or changed. Writes [{client,row,status,detail}] to $CONFORMANCE_OUT.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asymmetricRows } from '../node/asymmetric-rows.mjs';

const exec = promisify(execFile);
const cli = process.env.ALIYUN_CLI ?? 'aliyun';
const endpoint = process.env.KMS_ENDPOINT ?? '127.0.0.1:8080';
const controlUrl = process.env.KMS_EMULATOR_URL ?? `http://${endpoint}`;
const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? 'LTAIEmulatorAccessKeyId';
const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? 'EmulatorAccessKeySecret';
const out = process.env.CONFORMANCE_OUT ?? 'cli-results.json';

class NotBuilt extends Error {}

const home = mkdtempSync(join(tmpdir(), 'kms-conformance-aliyun-'));
// Only what the CLI needs: a private HOME, and no credentials or proxies from the caller's environment.
const env = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
};

async function aliyun(args) {
  return exec(cli, args, { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
}

// The CLI prints a failed call to stderr as `ERROR: SDK.ServerError` then `ErrorCode: <code>`, in colour.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

class CliError extends Error {
  constructor(stderr, stdout) {
    const text = `${stderr}\n${stdout}`.replace(ANSI_COLOUR, '');
    const code = /ErrorCode:\s*(\S+)/.exec(text)?.[1] ?? '';
    super(`${code || 'no ErrorCode'}: ${text.trim().split('\n').slice(0, 4).join(' | ')}`);
    this.code = code;
  }
}

const profiles = {
  conformance: [accessKeyId, accessKeySecret],
  'wrong-secret': [accessKeyId, `${accessKeySecret}-wrong`],
  'unknown-ak': ['LTAIUnknownCliKey', accessKeySecret],
};
for (const [profile, [id, secret]] of Object.entries(profiles)) {
  await aliyun([
    'configure',
    'set',
    '--profile',
    profile,
    '--mode',
    'AK',
    '--region',
    'cn-hangzhou',
    '--access-key-id',
    id,
    '--access-key-secret',
    secret,
  ]);
}
const version = (await aliyun(['version'])).stdout.trim();

/** `aliyun kms <action> --profile P --endpoint E --insecure --Name value ...` → the parsed JSON body. */
async function call(action, params = {}, profile = 'conformance') {
  const args = ['kms', action, '--profile', profile, '--endpoint', endpoint, '--insecure'];
  for (const [name, value] of Object.entries(params)) args.push(`--${name}`, String(value));
  let result;
  try {
    result = await aliyun(args);
  } catch (error) {
    const failure = new CliError(String(error.stderr ?? error.message), String(error.stdout ?? ''));
    if (failure.code === 'UnsupportedOperation') throw new NotBuilt(`${action} not implemented yet`);
    throw failure;
  }
  return JSON.parse(result.stdout);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof NotBuilt) throw error;
    check(error.code === code, `expected ${code}, got ${error.message}`);
    return code;
  }
  throw new Error(`expected error ${code}, got success`);
}

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

const unique = (p) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const b64 = (s) => Buffer.from(s).toString('base64');

const rows = {
  async service() {
    const regions = (await call('DescribeRegions')).Regions.Region.map((r) => r.RegionId);
    check(regions.includes('cn-hangzhou'), `regions: ${regions.join(',')}`);
    return `aliyun ${version}: ${regions.length} regions`;
  },
  async errors() {
    return [
      `wrong secret: ${await expectCode(call('DescribeRegions', {}, 'wrong-secret'), 'SignatureDoesNotMatch')}`,
      `unknown AK: ${await expectCode(call('DescribeRegions', {}, 'unknown-ak'), 'InvalidAccessKeyId.NotFound')}`,
      `unknown secret: ${await expectCode(call('GetSecretValue', { SecretName: unique('missing') }), 'Forbidden.ResourceNotFound')}`,
    ].join('; ');
  },
  async instances() {
    const list = await call('ListKmsInstances');
    const first = list.KmsInstances?.KmsInstance?.[0];
    check(first?.KmsInstanceId?.startsWith('kst-'), `no instance in ${JSON.stringify(list)}`);
    check(list.TotalCount >= list.KmsInstances.KmsInstance.length, `TotalCount ${list.TotalCount}`);
    const got = await call('GetKmsInstance', { KmsInstanceId: first.KmsInstanceId });
    check(
      got.KmsInstance?.InstanceId === first.KmsInstanceId && got.KmsInstance.Status,
      `GetKmsInstance: ${JSON.stringify(got)}`,
    );
    return first.KmsInstanceId;
  },
  async keys() {
    const created = (await call('CreateKey', { Description: 'conformance' })).KeyMetadata;
    check(
      created?.KeyState === 'Enabled' && created.KeySpec === 'Aliyun_AES_256',
      `CreateKey: ${JSON.stringify(created)}`,
    );
    check(
      created.KeyUsage === 'ENCRYPT/DECRYPT' && created.Arn.endsWith(`:key/${created.KeyId}`),
      `CreateKey: ${created.Arn}`,
    );
    const described = (await call('DescribeKey', { KeyId: created.KeyId })).KeyMetadata;
    check(described.Description === 'conformance', `DescribeKey: ${JSON.stringify(described)}`);
    const alias = `alias/${unique('cli')}`;
    await call('CreateAlias', { AliasName: alias, KeyId: created.KeyId });
    const viaAlias = (await call('DescribeKey', { KeyId: alias })).KeyMetadata;
    check(viaAlias.KeyId === created.KeyId, `DescribeKey via alias: ${viaAlias.KeyId}`);
    return `key ${created.KeyId} via ${alias}`;
  },
  async crypto() {
    const keyId = (await call('CreateKey')).KeyMetadata.KeyId;
    const text = 'héllo + & = % / kms';
    const context = JSON.stringify({ app: 'conformance', tenant: 't1' });
    const enc = await call('Encrypt', { KeyId: keyId, Plaintext: b64(text), EncryptionContext: context });
    const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context });
    check(Buffer.from(dec.Plaintext, 'base64').toString() === text, `Decrypt: ${JSON.stringify(dec)}`);
    check(dec.KeyId === keyId, 'Decrypt names the key');
    const wrong = await expectCode(
      call('Decrypt', {
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: JSON.stringify({ app: 'other' }),
      }),
      'InvalidCiphertext',
    );
    const dk = await call('GenerateDataKey', { KeyId: keyId, NumberOfBytes: 32 });
    check(Buffer.from(dk.Plaintext, 'base64').length === 32, 'data key is 32 bytes');
    check(
      (await call('Decrypt', { CiphertextBlob: dk.CiphertextBlob })).Plaintext === dk.Plaintext,
      'data key round trip',
    );
    return `round trip with context; other context → ${wrong}; 32-byte data key`;
  },
  async secrets() {
    const name = unique('cli-secret');
    await call('CreateSecret', { SecretName: name, SecretData: 'v1-value', VersionId: 'v1' });
    const v1 = await call('GetSecretValue', { SecretName: name });
    check(v1.SecretData === 'v1-value' && v1.VersionId === 'v1', `GetSecretValue: ${JSON.stringify(v1)}`);
    await call('PutSecretValue', { SecretName: name, SecretData: 'v2-value', VersionId: 'v2' });
    const v2 = await call('GetSecretValue', { SecretName: name });
    check(
      v2.SecretData === 'v2-value' && v2.VersionId === 'v2',
      `after PutSecretValue: ${JSON.stringify(v2)}`,
    );
    const versions = (await call('ListSecretVersionIds', { SecretName: name })).VersionIds.VersionId;
    const stages = Object.fromEntries(
      versions.map((v) => [v.VersionId, v.VersionStages.VersionStage.join(',')]),
    );
    check(stages.v2 === 'ACSCurrent' && stages.v1 === 'ACSPrevious', `stages: ${JSON.stringify(stages)}`);
    const deleted = await call('DeleteSecret', { SecretName: name, RecoveryWindowInDays: 7 });
    check(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(deleted.PlannedDeleteTime),
      `PlannedDeleteTime ${deleted.PlannedDeleteTime}`,
    );
    await call('RestoreSecret', { SecretName: name });
    check(
      (await call('GetSecretValue', { SecretName: name })).SecretData === 'v2-value',
      'restored secret is readable',
    );
    return 'create, get, put (stages move), list versions, delete (7 days), restore';
  },
  async 'managed-rotation'() {
    const db = unique('rm');
    const created = await control('POST', 'rds-instances', {
      DBInstanceId: db,
      Accounts: [{ AccountName: 'app', AccountPassword: 'Initial#Pass1' }],
    });
    if (created.status === 404) throw new NotBuilt('no simulated database resources yet');
    const name = unique('cli-rds');
    await call('CreateSecret', {
      SecretName: name,
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Initial#Pass1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: db }),
    });
    const first = await call('GetSecretValue', { SecretName: name, FetchExtendedConfig: true });
    check(
      typeof first.ExtendedConfig === 'string' && JSON.parse(first.ExtendedConfig).DBInstanceId === db,
      `ExtendedConfig ${first.ExtendedConfig}`,
    );
    check(JSON.parse(first.SecretData).AccountPassword === 'Initial#Pass1', 'first value');
    await call('RotateSecret', { SecretName: name, VersionId: 'r1' });
    const busy = await expectCode(
      call('RotateSecret', { SecretName: name, VersionId: 'r2' }),
      'Rejected.UnsupportedOperation',
    );
    await control('POST', 'clock', { advance: '1m' });
    const after = await call('GetSecretValue', { SecretName: name });
    const password = JSON.parse(after.SecretData).AccountPassword;
    check(after.VersionId === 'r1' && password !== 'Initial#Pass1', `after: ${after.VersionId}`);
    const previous = await call('GetSecretValue', { SecretName: name, VersionStage: 'ACSPrevious' });
    check(previous.VersionId === 'v1', `ACSPrevious is ${previous.VersionId}`);
    const valid = await control('POST', 'credentials/check', {
      DBInstanceId: db,
      AccountName: 'app',
      AccountPassword: password,
    });
    const stale = await control('POST', 'credentials/check', {
      DBInstanceId: db,
      AccountName: 'app',
      AccountPassword: 'Initial#Pass1',
    });
    check(valid.valid === true && stale.valid === false, 'the database accepts only the rotated password');
    return `second RotateSecret → ${busy}; r1 current after 1 min, accepted by the database`;
  },
  async 'seeded-fixture'() {
    const keyId = unique('key-seeded');
    const alias = `alias/${keyId}`;
    const secretName = unique('seeded-secret');
    const seeded = await control('POST', 'seed', {
      keys: [
        {
          keyId,
          description: 'cli seeded key',
          aliases: [alias],
          versions: [
            {
              keyVersionId: '33333333-3333-4333-8333-333333333333',
              material: Buffer.alloc(32, 7).toString('base64'),
            },
          ],
        },
      ],
      secrets: [{ secretName, versions: [{ versionId: 'v1', secretData: 'seeded value' }] }],
    });
    if (seeded.status === 404) throw new NotBuilt('no seed loading yet');
    check(seeded.status === 200, `seed: ${JSON.stringify(seeded)}`);
    const key = (await call('DescribeKey', { KeyId: alias })).KeyMetadata;
    check(
      key.KeyId === keyId && key.Description === 'cli seeded key',
      `seeded key via alias: ${JSON.stringify(key)}`,
    );
    const enc = await call('Encrypt', { KeyId: alias, Plaintext: b64('seeded round trip') });
    check(enc.KeyVersionId === '33333333-3333-4333-8333-333333333333', `key version ${enc.KeyVersionId}`);
    const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    check(Buffer.from(dec.Plaintext, 'base64').toString() === 'seeded round trip', 'decrypt');
    check(
      (await call('GetSecretValue', { SecretName: secretName })).SecretData === 'seeded value',
      'seeded secret',
    );
    return `key ${keyId} (seeded version) and secret ${secretName}`;
  },
};

// The Node suite's asymmetric rows (Node's crypto as the second implementation), through the CLI.
for (const [row, fn] of Object.entries(
  asymmetricRows({ run: (c, a, p) => c(a, p), check, expectCode, control }),
)) {
  rows[row] = () => fn(() => call);
}

// The version goes in the service row's detail, so the table's client name is the same on every machine.
const client = 'cli aliyun';
const results = [];
try {
  for (const [row, fn] of Object.entries(rows)) {
    let status = 'pass';
    let detail = '';
    try {
      detail = (await fn()) ?? '';
    } catch (error) {
      status = error instanceof NotBuilt ? 'not-built-yet' : 'fail';
      detail = String(error?.message ?? error).slice(0, 300);
    }
    results.push({ client, row, status, detail });
    console.log(`${status.padEnd(13)} ${client} · ${row}${detail ? ` — ${detail}` : ''}`);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
writeFileSync(out, JSON.stringify(results, null, 2));
