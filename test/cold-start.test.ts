import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedQuery } from '../src/testkit/rpc-client.js';
import { type CliRun, cliPath, runCli } from './helpers/cli.js';

/**
 * Issue #16, cold start: `kms-emulator start` loads only what the first signed request needs. The
 * X.509 / ASN.1 / SM2 / EC libraries, Express, YAML, ajv, the control plane, the scenario runner, TLS
 * and the gateway load on first use (src/lazy.ts, src/lazy-express.ts, src/control/lazy-routes.ts).
 * The real command (dist/kms-emulator.cjs, as `npm start` runs it) with a state file, watched by a preload
 * that records every module it loads — a count of what was loaded, never a timing.
 */
const PRELOAD = resolve(import.meta.dirname, 'helpers', 'loaded-modules.mjs');

/** Loaded only when an operation (or a control call, TLS, the gateway, a seed) first needs it. */
const LAZY_PACKAGES = [
  '@peculiar',
  'reflect-metadata',
  'node-forge',
  'sm-crypto',
  'asn1js',
  'jsbn',
  '@noble/curves',
  'express',
  'yaml',
  'ajv',
  'protobufjs',
  'fast-xml-parser',
].map((name) => new RegExp(`/node_modules/${name}/`));

/** Node's TLS, only for --https-port (or the gateway); zlib, only for a compressed body. */
const LAZY_BUILTINS = [/^node:(https|tls|zlib)$/];

let dir: string;
let run: CliRun;
let url: string;

function loaded(): Promise<string[]> {
  const list = join(dir, 'modules');
  rmSync(`${list}.cjs`, { force: true });
  run.child.kill('SIGUSR2');
  return new Promise((done, fail) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (existsSync(`${list}.cjs`)) {
        clearInterval(poll);
        const esm = readFileSync(list, 'utf8').split('\n');
        const cjs = readFileSync(`${list}.cjs`, 'utf8').split('\n');
        done([...esm, ...cjs].filter(Boolean).map((m) => m.replace(/^file:\/\//, '')));
      } else if (Date.now() - started > 20_000) {
        clearInterval(poll);
        fail(new Error(`no module list from the emulator:\n${run.output()}`));
      }
    }, 20);
  });
}

const matching = (modules: string[], pattern: RegExp) => modules.filter((m) => pattern.test(m));

async function call(action: string, params: Record<string, string> = {}) {
  const res = await fetch(`${url}/?${signedQuery(action, params)}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kms-cold-start-'));
  // As `npm start` runs it: a state file, the default log level (pino logs the listening line).
  run = runCli(['start', '--port', '0', '--state', join(dir, 'state.json')], {
    NODE_OPTIONS: `--import ${PRELOAD}`,
    LOADED_MODULES_FILE: join(dir, 'modules'),
  });
  url = await run.listening();
});

afterAll(async () => {
  await run?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cold start (#16): start-up and the first signed request load only what they need', () => {
  it('answers a first V1-signed DescribeRegions without loading the libraries only some operations need', async () => {
    const first = await call('DescribeRegions');
    expect(first.status).toBe(200);
    const modules = await loaded();
    // The recording works: the command itself is in it (and the next test sees lazy loads arrive).
    // (The entry is seen twice, by the ES module hook and in require.cache: counted once.)
    expect(new Set(matching(modules, /\/dist\/kms-emulator\.cjs$/)).size).toBe(1);
    expect(matching(modules, /^node:http$/)).toHaveLength(1);
    for (const pattern of [...LAZY_PACKAGES, ...LAZY_BUILTINS])
      expect(matching(modules, pattern), String(pattern)).toEqual([]);
    // The command is one bundle (dist/cli-bundle.cjs, run by the loader): none of tsc's ~65 modules
    // in dist/ loads on its own.
    const ownFiles = new Set(modules.filter((m) => m.includes('/dist/') && !m.includes('/node_modules/')));
    expect([...ownFiles]).toEqual([expect.stringMatching(/\/dist\/kms-emulator\.cjs$/)]);
  });

  it('the first operation that needs a lazy library loads it and keeps its errors: a bad Subject is 400 InvalidParameter', async () => {
    const bad = await call('CreateCertificate', { Subject: 'O=Example', KeySpec: 'EC_P256' });
    expect(bad.status).toBe(400);
    expect(bad.body.Code).toBe('InvalidParameter');
    const created = await call('CreateCertificate', { Subject: 'CN=cold,C=CN', KeySpec: 'EC_P256' });
    expect(created.status).toBe(200);
    expect(String(created.body.Csr)).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const key = await call('CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' });
    expect(key.status).toBe(200);
    const keyId = (key.body.KeyMetadata as { KeyId: string }).KeyId;
    const versions = (await call('ListKeyVersions', { KeyId: keyId })).body.KeyVersions as {
      KeyVersion: { KeyVersionId: string }[];
    };
    const signed = await call('AsymmetricSign', {
      KeyId: keyId,
      KeyVersionId: versions.KeyVersion[0]?.KeyVersionId as string,
      Algorithm: 'ECDSA_SHA_256',
      Digest: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(signed.status).toBe(200);
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);
    const modules = await loaded();
    for (const pattern of [
      /\/node_modules\/@peculiar\/asn1-x509\//,
      /\/node_modules\/@noble\/curves\//,
      /\/node_modules\/express\//,
    ]) {
      expect(matching(modules, pattern).length, String(pattern)).toBeGreaterThan(0);
    }
    // Certificates write their names with src/domain/dn.ts: @peculiar/x509 (~200 modules) is for
    // the TLS listener's CA alone.
    expect(matching(modules, /\/node_modules\/@peculiar\/x509\//)).toEqual([]);
    expect(matching(modules, /\/node_modules\/tsyringe\//)).toEqual([]);
  });
});

describe('cold start (#16): the command runs its bundle with the code cache the build made', () => {
  const dist = resolve(import.meta.dirname, '..', 'dist');
  const version = (command: string) =>
    spawnSync(process.execPath, [command, '--version'], {
      env: { ...process.env, KMS_EMULATOR_CODE_CACHE: 'report' },
      encoding: 'utf8',
    });

  it('npm run build made a cache this Node accepts', () => {
    expect(existsSync(join(dist, 'cli-bundle.cjs.cache'))).toBe(true);
    const run = version(cliPath);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('kms-emulator: code cache accepted');
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a cache V8 refuses (another Node, a damaged file) is ignored: the command runs the same', () => {
    // A copy of the command inside the package (it finds spec/ and package.json above it).
    const copy = mkdtempSync(join(dist, 'cache-test-'));
    try {
      copyFileSync(cliPath, join(copy, 'kms-emulator.cjs'));
      copyFileSync(join(dist, 'cli-bundle.cjs'), join(copy, 'cli-bundle.cjs'));
      writeFileSync(join(copy, 'cli-bundle.cjs.cache'), Buffer.alloc(4096, 7));
      const rejected = version(join(copy, 'kms-emulator.cjs'));
      expect(rejected.status).toBe(0);
      expect(rejected.stderr).toContain('kms-emulator: code cache rejected');
      expect(rejected.stdout.trim()).toBe(version(cliPath).stdout.trim());
      rmSync(join(copy, 'cli-bundle.cjs.cache'));
      const none = version(join(copy, 'kms-emulator.cjs'));
      expect(none.stderr).toContain('kms-emulator: code cache none');
      expect(none.status).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
