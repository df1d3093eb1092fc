import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { advance, type Body, control, controlHeaders, kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;
const dir = mkdtempSync(join(tmpdir(), 'kms-data-keys-'));
const state = join(dir, 'state.json');
let instanceId: string;
let keyId: string;

beforeAll(async () => {
  emulator = await startEmulator({ env: {}, state });
  kms = kmsClient(emulator);
  instanceId = (await kms.call('GetDefaultKmsInstance')).DefaultKmsInstanceId;
  keyId = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata.KeyId;
});
afterAll(() => emulator.close());

const makeKey = (body: Record<string, unknown>) =>
  control(emulator, 'POST', 'managed-data-keys', { KmsInstanceId: instanceId, KeyId: keyId, ...body });

describe('managed data keys (GetManagedDataKey, ListManagedDataKeyVersions)', () => {
  it('answers the first version by default, the latest with UseLatest, any by DataKeyVersionId', async () => {
    const made = await makeKey({ DataKeyName: 'orders/dk', Length: 16 });
    expect(made.status).toBe(200);
    const first = made.managedDataKey.Versions[0].DataKeyVersionId as string;
    expect(first).toMatch(/^[A-Za-z0-9]{8}$/);
    const rotated = await control(
      emulator,
      'POST',
      `managed-data-keys/${encodeURIComponent('orders/dk')}/rotate`,
      {},
    );
    const second = rotated.managedDataKey.Versions[1].DataKeyVersionId as string;
    expect(second).not.toBe(first);

    const byDefault = await kms.call('GetManagedDataKey', { DataKeyName: 'orders/dk' });
    expect(byDefault).toMatchObject({
      DataKeyName: 'orders/dk',
      DataKeyVersionId: first,
      DataKeyVersionName: `kms-datakeyversion!orders/dk!${first}`,
    });
    expect(Buffer.from(byDefault.Plaintext, 'base64')).toHaveLength(16);
    // Unlike GenerateDataKey, the same plaintext every time.
    expect(
      (await kms.call('GetManagedDataKey', { DataKeyName: 'orders/dk', UseLatest: false })).Plaintext,
    ).toBe(byDefault.Plaintext);
    const latest = await kms.call('GetManagedDataKey', { DataKeyName: 'orders/dk', UseLatest: true });
    expect(latest.DataKeyVersionId).toBe(second);
    expect(latest.Plaintext).not.toBe(byDefault.Plaintext);
    const named = await kms.call('GetManagedDataKey', {
      DataKeyName: 'orders/dk',
      DataKeyVersionId: first,
      UseLatest: true,
    });
    expect(named.Plaintext).toBe(byDefault.Plaintext);

    const page2 = await kms.call('ListManagedDataKeyVersions', {
      DataKeyName: 'orders/dk',
      PageSize: 1,
      PageNumber: 2,
    });
    expect(page2).toMatchObject({ DataKeyName: 'orders/dk', PageNumber: 2, PageSize: 1, TotalCount: 2 });
    expect(page2.ManagedDataKeyVersions.ManagedDataKeyVersion).toEqual([
      { DataKeyVersionId: second, DataKeyVersionName: `kms-datakeyversion!orders/dk!${second}` },
    ]);
    expect((await kms.call('ListManagedDataKeyVersions', { DataKeyName: 'orders/dk' })).PageSize).toBe(10);
    // Not secrets the caller sees.
    const secrets = (await kms.call('ListSecrets')).SecretList.Secret as Body[];
    expect(secrets.some((s) => String(s.SecretName).startsWith('kms-datakeyversion'))).toBe(false);
  });

  it('imports material as given, which does not rotate', async () => {
    const material = Buffer.from('0123456789abcdef0123456789abcdef-imported');
    await makeKey({ DataKeyName: 'imported', Plaintext: material.toString('base64') });
    expect((await kms.call('GetManagedDataKey', { DataKeyName: 'imported' })).Plaintext).toBe(
      material.toString('base64'),
    );
    const refused = await control(emulator, 'POST', 'managed-data-keys/imported/rotate', {});
    expect(refused).toMatchObject({ status: 400, error: 'Rejected.UnsupportedOperation' });
  });

  it('enforces the limits: 1–1024 bytes, a symmetric key of the same instance, names, pages', async () => {
    expect((await makeKey({ DataKeyName: 'zero', Length: 0 })).error).toBe('InvalidParameter');
    expect((await makeKey({ DataKeyName: 'big', Length: 1025 })).error).toBe('InvalidParameter');
    expect((await makeKey({ DataKeyName: 'max', Length: 1024 })).status).toBe(200);
    expect(
      Buffer.from((await kms.call('GetManagedDataKey', { DataKeyName: 'max' })).Plaintext, 'base64'),
    ).toHaveLength(1024);
    const tooBig = Buffer.alloc(1025, 1).toString('base64');
    expect((await makeKey({ DataKeyName: 'big2', Plaintext: tooBig })).error).toBe('InvalidParameter');
    expect((await makeKey({ DataKeyName: 'bad!name' })).error).toBe('InvalidParameter');
    expect((await makeKey({ DataKeyName: 'max' })).error).toBe('Rejected.ResourceExist');
    const sharedKey = (await kms.call('CreateKey')).KeyMetadata.KeyId;
    expect((await makeKey({ DataKeyName: 'no-instance', KeyId: sharedKey })).error).toBe('InvalidParameter');
    const rsa = (
      await kms.call('CreateKey', {
        DKMSInstanceId: instanceId,
        KeySpec: 'RSA_2048',
        KeyUsage: 'ENCRYPT/DECRYPT',
      })
    ).KeyMetadata.KeyId;
    expect((await makeKey({ DataKeyName: 'rsa', KeyId: rsa })).error).toBe('InvalidParameter');

    expect(await kms.fails('GetManagedDataKey', {})).toBe('MissingParameter');
    expect(await kms.fails('ListManagedDataKeyVersions', {})).toBe('MissingParameter');
    expect(await kms.fails('GetManagedDataKey', { DataKeyName: 'nope' })).toBe('Forbidden.ResourceNotFound');
    expect(await kms.fails('GetManagedDataKey', { DataKeyName: 'max', DataKeyVersionId: 'AAAAAAAA' })).toBe(
      'Forbidden.ResourceNotFound',
    );
    expect(await kms.fails('ListManagedDataKeyVersions', { DataKeyName: 'max', PageSize: 101 })).toBe(
      'InvalidParameter',
    );
  });

  it('follows the instance key: a disabled key makes the plaintext unreadable', async () => {
    const own = (await kms.call('CreateKey', { DKMSInstanceId: instanceId })).KeyMetadata.KeyId;
    await makeKey({ DataKeyName: 'under-own', KeyId: own });
    await kms.call('DisableKey', { KeyId: own });
    expect(await kms.fails('GetManagedDataKey', { DataKeyName: 'under-own' })).toBe('Rejected.Disabled');
    await kms.call('EnableKey', { KeyId: own });
    expect((await kms.call('GetManagedDataKey', { DataKeyName: 'under-own' })).DataKeyName).toBe('under-own');
  });
});

async function challengeKeyPem(): Promise<string> {
  const res = await fetch(`${emulator.url}/_emulator/challenge-key`, { headers: controlHeaders(emulator) });
  expect(res.status).toBe(200);
  return res.text();
}

const part = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString('utf8'));

/** RS384 checked by node-forge's RSA (PKCS#1 v1.5) and SHA-384: not the node:crypto that signed. */
function forgeVerifies(token: string, pem: string): boolean {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const publicKey = forge.pki.publicKeyFromPem(pem);
  const md = forge.md.sha384.create();
  md.update(`${header}.${payload}`, 'utf8');
  return publicKey.verify(md.digest().bytes(), Buffer.from(signature, 'base64url').toString('binary'));
}

describe('GetChallenge', () => {
  it('answers a fresh Nonce and an RS384 JWT that the published key verifies', async () => {
    const pem = await challengeKeyPem();
    expect(pem).toContain('-----BEGIN PUBLIC KEY-----');
    const a = await kms.call('GetChallenge');
    const b = await kms.call('GetChallenge');
    expect(Buffer.from(a.Nonce, 'base64')).toHaveLength(32);
    expect(a.Nonce).not.toBe(b.Nonce);
    expect(part(a.ChallengeToken, 0)).toEqual({ alg: 'RS384', typ: 'JWT' });
    const claims = part(a.ChallengeToken, 1);
    expect(claims.nonce).toBe(a.Nonce);
    const now = Date.parse((await control(emulator, 'GET', 'clock')).now) / 1000;
    expect(Math.abs(claims.iat - now)).toBeLessThanOrEqual(2);
    expect(claims.exp).toBe(claims.iat + 300);
    expect(forgeVerifies(a.ChallengeToken, pem)).toBe(true);
    // A changed payload no longer verifies.
    const [h, , s] = a.ChallengeToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, nonce: b.Nonce })).toString('base64url');
    expect(forgeVerifies(`${h}.${forged}.${s}`, pem)).toBe(false);

    // The JWK names the same key.
    const jwk = (await (
      await fetch(`${emulator.url}/_emulator/challenge-key?format=jwk`, { headers: controlHeaders(emulator) })
    ).json()) as Body;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS384', use: 'sig', e: 'AQAB' });
    const fromPem = forge.pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey;
    expect(Buffer.from(jwk.n, 'base64url').toString('hex').replace(/^0+/, '')).toBe(fromPem.n.toString(16));
  });

  it('verifies in Python (cryptography) too, when it is installed', async () => {
    const probe = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
    if (probe.status !== 0) return; // node-forge above is the second implementation everywhere
    const pemFile = join(dir, 'challenge.pem');
    writeFileSync(pemFile, await challengeKeyPem());
    const { ChallengeToken } = await kms.call('GetChallenge');
    const script = [
      'import base64, sys',
      'from cryptography.hazmat.primitives import hashes, serialization',
      'from cryptography.hazmat.primitives.asymmetric import padding',
      'key = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())',
      'h, p, s = sys.argv[2].split(".")',
      'sig = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))',
      'key.verify(sig, f"{h}.{p}".encode(), padding.PKCS1v15(), hashes.SHA384())',
      'print("verified")',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, pemFile, ChallengeToken], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('verified');
  });

  it('keeps its key in the state: a restart with the same --state signs with the same key', async () => {
    const before = await challengeKeyPem();
    await advance(emulator, '1h');
    await emulator.close();
    emulator = await startEmulator({ env: {}, state });
    kms = kmsClient(emulator);
    expect(await challengeKeyPem()).toBe(before);
    expect(forgeVerifies((await kms.call('GetChallenge')).ChallengeToken, before)).toBe(true);
    // Data keys survive too.
    expect((await kms.call('GetManagedDataKey', { DataKeyName: 'imported' })).DataKeyName).toBe('imported');
  });
});
