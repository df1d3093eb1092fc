import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedQuery } from '../src/fixtures/rpc-client.js';
import { type CliRun, runCli } from './helpers/cli.js';

/**
 * Issue #16, cold start: `kms-emulator start` loads only what the first signed request needs. The
 * X.509 / ASN.1 / SM2 / EC libraries, Express, YAML, ajv, the control plane, the scenario runner, TLS
 * and the gateway load on first use (src/lazy.ts, src/lazy-express.ts, src/control/lazy-routes.ts).
 * The real command (dist/cli.js, as `npm start` runs it) with a state file, watched by a preload
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

/**
 * The command's own modules that load on first use: a module of tsc's output, or its chunk in the
 * bundled command (dist/cli-chunks/<name>-<hash>.js, scripts/bundle-cli.mjs).
 */
const own = (module: string, chunk: string) =>
  new RegExp(`/dist/(${module.replace(/\./g, '\\.')}|cli-chunks/${chunk}-[A-Z0-9]+\\.js$)`);
/** Node's TLS, only for --https-port (or the gateway); zlib, only for a compressed body. */
const LAZY_BUILTINS = [/^node:(https|tls|zlib)$/];

const LAZY_OWN = [
  own('control/routes.js', 'routes'),
  own('fixtures/scenario.js', 'scenario'),
  own('fixtures/recorder.js', 'recorder'),
  own('protocol/tls.js', 'tls'),
  own('gateway/server.js', 'server'),
];

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
    expect(matching(modules, /\/dist\/cli\.js$/)).toHaveLength(1);
    expect(matching(modules, /^node:http$/)).toHaveLength(1);
    for (const pattern of [...LAZY_PACKAGES, ...LAZY_BUILTINS, ...LAZY_OWN])
      expect(matching(modules, pattern), String(pattern)).toEqual([]);
    // The command is bundled: a handful of its own files load, not one per source module (~65).
    const ownFiles = new Set(modules.filter((m) => m.includes('/dist/') && !m.includes('/node_modules/')));
    expect(ownFiles.size).toBeGreaterThan(0);
    expect(ownFiles.size).toBeLessThanOrEqual(10);
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
      /\/node_modules\/@peculiar\/x509\//,
      /\/node_modules\/@noble\/curves\//,
      /\/node_modules\/express\//,
      own('control/routes.js', 'routes'),
    ]) {
      expect(matching(modules, pattern).length, String(pattern)).toBeGreaterThan(0);
    }
  });
});
