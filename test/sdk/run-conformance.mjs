#!/usr/bin/env node
// Conformance runner: starts ONE built emulator, runs each ecosystem's suite of official, unmodified
// Alibaba Cloud SDK clients against it, and writes the client × row matrix to docs/conformance.{json,md}.
//
//   node test/sdk/run-conformance.mjs                 all ecosystems, regenerates docs/conformance.*
//   node test/sdk/run-conformance.mjs python go       only these (docs untouched unless --write-docs)
//   options: --write-docs  --no-docs  --verbose (stream suite output)  --help
//
// The suite contract (test/sdk/README.md): test/sdk/<eco>/run-suite.sh, run with bash from its own
// directory, installs what it needs, and writes a JSON array of {client, row, status, detail} to
// $CONFORMANCE_OUT. Exit 0 = results written; exit 3 = toolchain missing (rows become `skipped`);
// anything else, a timeout, or no readable results = the suite crashed (the run fails).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SDK_DIR = path.join(ROOT, 'test', 'sdk');
const ECOSYSTEMS = ['node', 'python', 'java', 'go', 'cli', 'gateway'];
const ROWS = [
  'service',
  'errors',
  'instances',
  'keys',
  'crypto',
  'secrets',
  'managed-rotation',
  'seeded-fixture',
  // Typed rows (issue #13): each suite's newest typed client, its own methods and model fields.
  'typed-service',
  'typed-instances',
  'typed-keys',
  'typed-crypto',
  'typed-secrets',
  'asymmetric-sign',
  'asymmetric-encrypt',
  'mac',
  // The KMS Instance API (--gateway-port), reported by the gateway ecosystem's clients only.
  'instance-crypto',
  'instance-secret',
  'instance-refusals',
  // The OpenAPI on the instance endpoint (#26 §1): the typed clients with config.ca = the instance CA.
  'instance-openapi',
  // A RAM user's typed KMS call: Forbidden.NoPermission with its AccessDeniedDetail on the client's
  // exception, allowed by a custom policy, denied again by an explicit Deny (#25 §6).
  'typed-denied',
];
const INSTANCE_ROWS = new Set(['instance-crypto', 'instance-secret', 'instance-refusals']);
/** Rows only some ecosystems run; another ecosystem's clients that leave them out show as skipped. */
const ROW_ECOSYSTEMS = new Map([
  [
    'instance-openapi',
    {
      ecosystems: new Set(['python', 'java', 'go']),
      detail: 'run by the typed clients of the python, java and go suites only',
    },
  ],
  [
    'typed-denied',
    {
      ecosystems: new Set(['node', 'python', 'java', 'go']),
      detail: 'run by the typed clients of the node, python, java and go suites only',
    },
  ],
]);
const STATUSES = new Set(['pass', 'fail', 'not-built-yet', 'skipped']);
const DEFAULT_AK = { id: 'LTAIEmulatorAccessKeyId', secret: 'EmulatorAccessKeySecret' };
const EXIT_TOOLCHAIN_MISSING = 3;
const SUITE_TIMEOUT_S = Number(process.env.CONFORMANCE_SUITE_TIMEOUT ?? 1200);

function usage() {
  console.log(
    `usage: node test/sdk/run-conformance.mjs [--write-docs|--no-docs] [--verbose] [${ECOSYSTEMS.join('|')} ...]`,
  );
}

function parseArgs(argv) {
  const opts = { ecosystems: [], docs: undefined, verbose: process.env.CONFORMANCE_VERBOSE === '1' };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      usage();
      process.exit(0);
    } else if (arg === '--write-docs') opts.docs = true;
    else if (arg === '--no-docs') opts.docs = false;
    else if (arg === '--verbose' || arg === '-v') opts.verbose = true;
    else if (ECOSYSTEMS.includes(arg)) opts.ecosystems.push(arg);
    else {
      console.error(`conformance: unknown argument ${arg}`);
      usage();
      process.exit(2);
    }
  }
  const all = opts.ecosystems.length === 0;
  if (all) opts.ecosystems = [...ECOSYSTEMS];
  if (opts.docs === undefined) opts.docs = all;
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function control(base, method, route, body) {
  const res = await fetch(`${base}/_emulator/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** One emulator process: the command line of the contract, logs to a file. */
class EmulatorProcess {
  constructor(env, logDir) {
    this.env = env;
    this.logDir = logDir;
    this.starts = 0;
  }

  async start() {
    this.starts += 1;
    this.port = await freePort();
    this.httpsPort = await freePort();
    while (this.httpsPort === this.port) this.httpsPort = await freePort();
    this.gatewayPort = await freePort();
    while (this.gatewayPort === this.port || this.gatewayPort === this.httpsPort)
      this.gatewayPort = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.logFile = path.join(this.logDir, `emulator-${this.starts}.log`);
    const log = createWriteStream(this.logFile);
    const args = [
      path.join(ROOT, 'dist', 'cli.js'),
      'start',
      '--port',
      String(this.port),
      '--host',
      '127.0.0.1',
      '--https-port',
      String(this.httpsPort),
      '--gateway-port',
      String(this.gatewayPort),
      '--state',
      ':memory:',
      '--random-seed',
      '1',
    ];
    this.child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.pipe(log);
    this.child.stderr.pipe(log);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let dead;
    this.exited.then((info) => {
      dead = info;
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (dead)
        throw new Error(`emulator exited during start-up (${describeExit(dead)}); log: ${this.logFile}`);
      try {
        const res = await fetch(`${this.url}/_emulator/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) {
          this.health = await res.json();
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    await this.stop();
    throw new Error(`emulator not healthy within 30 s; log: ${this.logFile}`);
  }

  alive() {
    return this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop() {
    if (!this.alive()) return;
    this.child.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function describeExit({ code, signal }) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

/** Runs one ecosystem's suite; resolves to {status: 'ok'|'toolchain-missing'|'crashed'|'absent', results, message}. */
async function runSuite(eco, emulator, baseEnv, logDir, verbose) {
  const dir = path.join(SDK_DIR, eco);
  const entry = path.join(dir, 'run-suite.sh');
  if (!existsSync(entry)) {
    return { status: 'absent', results: [], message: `no suite yet (test/sdk/${eco}/run-suite.sh)` };
  }
  const out = path.join(logDir, `${eco}-results.json`);
  const logFile = path.join(logDir, `${eco}-suite.log`);
  const env = {
    ...baseEnv,
    KMS_ENDPOINT: `127.0.0.1:${emulator.port}`,
    KMS_HTTPS_ENDPOINT: `127.0.0.1:${emulator.httpsPort}`,
    KMS_EMULATOR_URL: emulator.url,
    KMS_EMULATOR_HTTPS_URL: `https://127.0.0.1:${emulator.httpsPort}`,
    KMS_GATEWAY_ENDPOINT: `127.0.0.1:${emulator.gatewayPort}`,
    CONFORMANCE_OUT: out,
    CONFORMANCE_ECOSYSTEM: eco,
    CONFORMANCE_ROWS: ROWS.join(','),
  };
  const log = createWriteStream(logFile);
  let captured = '';
  const child = spawn('bash', [entry], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const onData = (chunk) => {
    log.write(chunk);
    captured = tail(captured + chunk.toString(), 200);
    if (verbose) process.stdout.write(chunk);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, SUITE_TIMEOUT_S * 1000);
  const exit = await new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(timer);
  await new Promise((r) => log.end(r));

  let results;
  let parseError;
  if (existsSync(out)) {
    try {
      results = JSON.parse(readFileSync(out, 'utf8'));
      if (!Array.isArray(results)) throw new Error('not a JSON array');
    } catch (error) {
      parseError = `${path.basename(out)}: ${error.message}`;
      results = undefined;
    }
  }
  const logHint = `suite log: ${logFile}`;
  if (timedOut) {
    return {
      status: 'crashed',
      results: results ?? [],
      message: `timed out after ${SUITE_TIMEOUT_S} s; ${logHint}`,
      captured,
    };
  }
  if (exit.code === EXIT_TOOLCHAIN_MISSING && !results) {
    const reason = captured.trim().split('\n').pop() || 'toolchain missing';
    return { status: 'toolchain-missing', results: [], message: reason };
  }
  if (exit.code !== 0 && exit.code !== EXIT_TOOLCHAIN_MISSING) {
    return {
      status: 'crashed',
      results: results ?? [],
      message: `${describeExit(exit)}; ${logHint}`,
      captured,
    };
  }
  if (!results) {
    return {
      status: 'crashed',
      results: [],
      message: `${parseError ?? `no results written to CONFORMANCE_OUT`}; ${logHint}`,
      captured,
    };
  }
  return { status: 'ok', results, message: '' };
}

/** Validates a suite's rows; fills rows a client left out with `fail`. */
function normalise(eco, results) {
  const problems = [];
  const seen = new Map();
  for (const r of results) {
    if (!r || typeof r.client !== 'string' || !ROWS.includes(r.row) || !STATUSES.has(r.status)) {
      problems.push(`invalid result ${JSON.stringify(r)}`);
      continue;
    }
    const key = `${r.client}\u0000${r.row}`;
    if (seen.has(key)) {
      problems.push(`duplicate result for ${r.client} / ${r.row}`);
      continue;
    }
    seen.set(key, {
      ecosystem: eco,
      client: r.client,
      row: r.row,
      status: r.status,
      detail: String(r.detail ?? ''),
    });
  }
  const clients = [...new Set([...seen.values()].map((r) => r.client))];
  for (const client of clients) {
    // A KMS Instance API client (one that reported an instance row) has no OpenAPI rows and may offer
    // only some instance rows; an OpenAPI client has no instance rows: those are skipped, not failed.
    const instanceClient = ROWS.some((row) => INSTANCE_ROWS.has(row) && seen.has(`${client}\u0000${row}`));
    for (const row of ROWS) {
      const key = `${client}\u0000${row}`;
      if (!seen.has(key)) {
        const elsewhere = ROW_ECOSYSTEMS.get(row);
        const notHere = elsewhere !== undefined && !elsewhere.ecosystems.has(eco);
        const other = instanceClient || INSTANCE_ROWS.has(row) || notHere;
        seen.set(key, {
          ecosystem: eco,
          client,
          row,
          status: other ? 'skipped' : 'fail',
          detail: !other
            ? 'the suite reported no result for this row'
            : instanceClient && INSTANCE_ROWS.has(row)
              ? 'the client offers no operation of this row'
              : instanceClient
                ? 'a KMS Instance API client: OpenAPI rows belong to the OpenAPI clients'
                : notHere
                  ? elsewhere.detail
                  : 'not a KMS Instance API client',
        });
      }
    }
  }
  const ordered = [];
  for (const client of clients) for (const row of ROWS) ordered.push(seen.get(`${client}\u0000${row}`));
  return { rows: ordered, problems };
}

function wholeEcosystem(eco, status, detail) {
  return ROWS.map((row) => ({ ecosystem: eco, client: `${eco} (all clients)`, row, status, detail }));
}

const CELL = { pass: 'pass', fail: 'FAIL', 'not-built-yet': 'not built', skipped: 'skipped' };

function printTable(results) {
  const clients = [...new Set(results.map((r) => r.client))];
  const width = Math.max(6, ...clients.map((c) => c.length));
  const colWidth = ROWS.map((row) => Math.max(row.length, 9));
  const line = (first, cells) =>
    `${first.padEnd(width)} | ${cells.map((c, i) => c.padEnd(colWidth[i])).join(' | ')}`;
  console.log(line('client', ROWS));
  console.log(`${'-'.repeat(width)}-+-${colWidth.map((w) => '-'.repeat(w)).join('-+-')}`);
  for (const client of clients) {
    const cells = ROWS.map((row) => {
      const r = results.find((x) => x.client === client && x.row === row);
      return r ? CELL[r.status] : '';
    });
    console.log(line(client, cells));
  }
}

function mdEscape(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function renderMarkdown(doc) {
  const { results, summary, suites } = doc;
  const clients = [...new Set(results.map((r) => r.client))];
  const icon = {
    pass: '✅ pass',
    fail: '❌ fail',
    'not-built-yet': '🚧 not built yet',
    skipped: '⏭️ skipped',
  };
  const out = [];
  out.push('# SDK conformance');
  out.push('');
  out.push(
    '<!-- Generated by `npm run conformance` (test/sdk/run-conformance.mjs); do not edit by hand. -->',
  );
  out.push('');
  out.push(
    'Official, unmodified Alibaba Cloud SDK clients run against the built emulator with only their ' +
      'endpoint changed. How each suite works and how each client is pointed at the emulator: ' +
      '[test/sdk/README.md](../test/sdk/README.md). Machine-readable: [conformance.json](conformance.json).',
  );
  out.push('');
  out.push(
    `**${summary.passed} passed, ${summary.failed} failed, ${summary.notBuiltYet} not built yet, ${summary.skipped} skipped**` +
      ` (emulator ${doc.emulator.version ?? 'unknown'}).`,
  );
  out.push('');
  out.push(`| client | ${ROWS.join(' | ')} |`);
  out.push(`|---|${ROWS.map(() => '---').join('|')}|`);
  for (const client of clients) {
    const cells = ROWS.map((row) => {
      const r = results.find((x) => x.client === client && x.row === row);
      return r ? icon[r.status] : '';
    });
    out.push(`| ${mdEscape(client)} | ${cells.join(' | ')} |`);
  }
  out.push('');
  out.push('## Suites');
  out.push('');
  out.push('| ecosystem | outcome |');
  out.push('|---|---|');
  for (const [eco, s] of Object.entries(suites))
    out.push(`| ${eco} | ${mdEscape(s.status + (s.message ? `: ${s.message}` : ''))} |`);
  out.push('');
  out.push('## Rows');
  out.push('');
  out.push('- `service` — DescribeRegions lists regions including cn-hangzhou.');
  out.push(
    '- `errors` — GetSecretValue of an unknown secret surfaces `Forbidden.ResourceNotFound`; a wrong AccessKeySecret ' +
      "surfaces `SignatureDoesNotMatch` (the V1 Python core maps it to `InvalidAccessKeySecret` when the server's " +
      'string-to-sign equals its own); an unknown AccessKeyId surfaces `InvalidAccessKeyId.NotFound`.',
  );
  out.push('- `instances` — ListKmsInstances, then GetKmsInstance of the first.');
  out.push('- `keys` — CreateKey, DescribeKey, CreateAlias, DescribeKey via the alias.');
  out.push(
    '- `crypto` — Encrypt/Decrypt round trip with EncryptionContext; a wrong context fails with an error code; ' +
      'GenerateDataKey plaintext equals Decrypt of its blob.',
  );
  out.push(
    '- `secrets` — CreateSecret (generic), GetSecretValue, PutSecretValue v2 (ACSCurrent moves), ListSecretVersionIds, ' +
      'DeleteSecret with a recovery window, RestoreSecret. Secrets Manager clients: read a secret through the cache client.',
  );
  out.push(
    '- `managed-rotation` — a simulated RDS instance (control endpoint), an Rds secret on it, RotateSecret, the new ' +
      'password becomes ACSCurrent. Secrets Manager clients: read again after the rotation and a cache refresh.',
  );
  out.push(
    '- `seeded-fixture` — `POST /_emulator/seed` with a small seed, then the seeded key and secret are usable.',
  );
  out.push('');
  const notable = results.filter((r) => r.status !== 'pass');
  if (notable.length > 0) {
    out.push('## Details of rows that did not pass');
    out.push('');
    out.push('| client | row | status | detail |');
    out.push('|---|---|---|---|');
    for (const r of notable)
      out.push(`| ${mdEscape(r.client)} | ${r.row} | ${r.status} | ${mdEscape(r.detail)} |`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) {
    console.error(
      'conformance: dist/cli.js not found; build first (npm run build, or use npm run conformance)',
    );
    process.exit(2);
  }
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'kms-conformance-'));
  const baseEnv = { ...process.env };
  baseEnv.ALIBABA_CLOUD_ACCESS_KEY_ID = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID || DEFAULT_AK.id;
  baseEnv.ALIBABA_CLOUD_ACCESS_KEY_SECRET = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || DEFAULT_AK.secret;
  baseEnv.KMS_REGION_ID = 'cn-hangzhou';
  const noProxy = ['127.0.0.1', 'localhost', baseEnv.NO_PROXY || baseEnv.no_proxy].filter(Boolean).join(',');
  baseEnv.NO_PROXY = noProxy;
  baseEnv.no_proxy = noProxy;

  const emulator = new EmulatorProcess(baseEnv, logDir);
  const cleanup = async () => {
    await emulator.stop();
  };
  process.once('SIGINT', () => cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => cleanup().then(() => process.exit(143)));

  const started = Date.now();
  try {
    await emulator.start();
  } catch (error) {
    console.error(`conformance: ${error.message}`);
    process.exit(1);
  }
  console.log(
    `conformance: emulator ${emulator.health?.version ?? '?'} on ${emulator.url} (https 127.0.0.1:${emulator.httpsPort}); logs in ${logDir}`,
  );

  const all = [];
  const suites = {};
  let crashed = false;
  for (const eco of opts.ecosystems) {
    if (!emulator.alive()) {
      console.log(`conformance: emulator is down (log ${emulator.logFile}); restarting it`);
      try {
        await emulator.start();
      } catch (error) {
        console.error(`conformance: ${error.message}`);
        crashed = true;
        suites[eco] = { status: 'crashed', message: 'emulator could not be restarted' };
        all.push(...wholeEcosystem(eco, 'fail', 'emulator could not be restarted'));
        continue;
      }
    }
    try {
      const reset = await control(emulator.url, 'POST', 'reset');
      if (reset.status !== 200 && reset.status !== 404) {
        console.log(
          `conformance: warning: POST /_emulator/reset answered ${reset.status}: ${reset.text.slice(0, 200)}`,
        );
      }
    } catch (error) {
      console.log(`conformance: warning: POST /_emulator/reset failed: ${error.message}`);
    }
    const t0 = Date.now();
    process.stdout.write(`conformance: ${eco} suite ... `);
    const outcome = await runSuite(eco, emulator, baseEnv, logDir, opts.verbose);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (!emulator.alive()) {
      outcome.status = 'crashed';
      outcome.message = `the emulator died during the suite (log ${emulator.logFile})${outcome.message ? `; ${outcome.message}` : ''}`;
    }
    suites[eco] = { status: outcome.status, message: outcome.message };
    if (outcome.status === 'absent') {
      console.log(`absent (${outcome.message}) [${secs} s]`);
      all.push(...wholeEcosystem(eco, 'skipped', outcome.message));
      continue;
    }
    if (outcome.status === 'toolchain-missing') {
      console.log(`skipped: ${outcome.message} [${secs} s]`);
      all.push(...wholeEcosystem(eco, 'skipped', `toolchain missing: ${outcome.message}`));
      continue;
    }
    const { rows, problems } = normalise(eco, outcome.results);
    if (outcome.status === 'ok' && rows.length === 0 && problems.length === 0) {
      suites[eco] = { status: 'toolchain-missing', message: 'the suite reported no rows' };
      console.log(`skipped: the suite reported no rows [${secs} s]`);
      all.push(...wholeEcosystem(eco, 'skipped', 'the suite reported no rows (toolchain missing?)'));
      continue;
    }
    all.push(...rows);
    if (outcome.status === 'crashed') {
      crashed = true;
      console.log(`CRASHED: ${outcome.message} [${secs} s]`);
      if (outcome.captured) console.log(tail(outcome.captured, 30).replace(/^/gm, `  ${eco}| `));
      if (rows.length === 0) all.push(...wholeEcosystem(eco, 'fail', `suite crashed: ${outcome.message}`));
    } else {
      const counts = countStatuses(rows);
      console.log(
        `${counts.passed} passed, ${counts.failed} failed, ${counts.notBuiltYet} not built yet, ${counts.skipped} skipped [${secs} s]`,
      );
    }
    if (problems.length > 0) {
      crashed = true;
      suites[eco].status = 'crashed';
      suites[eco].message = [suites[eco].message, ...problems].filter(Boolean).join('; ');
      for (const p of problems) console.log(`conformance: ${eco}: ${p}`);
    }
  }
  await emulator.stop();

  console.log('');
  printTable(all);
  const failures = all.filter((r) => r.status === 'fail');
  if (failures.length > 0) {
    console.log('');
    console.log('failures:');
    for (const f of failures) console.log(`  ${f.client} / ${f.row}: ${f.detail}`);
  }
  const summary = countStatuses(all);
  if (opts.docs) {
    const doc = {
      generatedBy: 'npm run conformance (test/sdk/run-conformance.mjs)',
      emulator: { version: emulator.health?.version ?? null },
      rows: ROWS,
      suites,
      summary,
      results: all,
    };
    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    writeFileSync(path.join(ROOT, 'docs', 'conformance.json'), `${JSON.stringify(doc, null, 2)}\n`);
    writeFileSync(path.join(ROOT, 'docs', 'conformance.md'), renderMarkdown(doc));
    console.log('');
    console.log('conformance: wrote docs/conformance.json and docs/conformance.md');
  }
  console.log(
    `conformance: ran ${opts.ecosystems.join(', ')} in ${((Date.now() - started) / 1000).toFixed(0)} s; logs in ${logDir}`,
  );
  if (crashed) console.log('conformance: at least one suite crashed');
  console.log(
    `not built yet: ${summary.notBuiltYet}, skipped: ${summary.skipped} (both counted as skipped below)`,
  );
  const skipped = summary.notBuiltYet + summary.skipped;
  console.log(
    `conformance: ${summary.passed} passed, ${summary.failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
  );
  process.exit(summary.failed > 0 || crashed ? 1 : 0);
}

function countStatuses(rows) {
  const c = { passed: 0, failed: 0, notBuiltYet: 0, skipped: 0 };
  for (const r of rows) {
    if (r.status === 'pass') c.passed += 1;
    else if (r.status === 'fail') c.failed += 1;
    else if (r.status === 'not-built-yet') c.notBuiltYet += 1;
    else c.skipped += 1;
  }
  return c;
}

await main();
