#!/usr/bin/env node
// Terraform suite (issue #27): the real alicloud provider 1.240.0, built from the Go module proxy by
// test/terraform/toolchain.sh (cached per machine), applies each configuration of
// test/terraform/configs/ to one built emulator, signatures checked:
//
//   terraform init → apply → plan -detailed-exitcode (must be 0: no changes)
//     → for each further step: apply -var step=N → plan (no changes) → destroy
//   then the emulator must hold no live resource of that configuration (keys pending deletion,
//   no secret, alias, network rule, policy, access point or client key left; no RAM user, AccessKey,
//   group, role or custom policy).
//
//   node test/terraform/run.mjs                 every configuration
//   node test/terraform/run.mjs key secret      only these
//   options: --verbose (stream Terraform's output)  --keep (keep the work folder)  --help
//
// Exit 0 when every configuration passed, or when the suite is skipped because Go is missing (the
// reason is printed); 1 when one failed. A configuration whose suite.json has "expectDrift" must
// show a change on its second plan (a known emulator bug): if it shows none, that fails too, so the
// flag is removed once the bug is fixed.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CONFIGS = path.join(HERE, 'configs');
const AK = { id: 'LTAIEmulatorAccessKeyId', secret: 'EmulatorAccessKeySecret' };
const INSTANCE_ID = 'kst-hzz65f3tfsuite';
const KMS_VERSION = '2016-01-20';
const RAM_VERSION = '2015-05-01';
const COMMAND_TIMEOUT_S = Number(process.env.TERRAFORM_SUITE_COMMAND_TIMEOUT ?? 600);
const EXIT_TOOLCHAIN_MISSING = 3;

function usage() {
  console.log('usage: node test/terraform/run.mjs [--verbose] [--keep] [config ...]');
  console.log(`configurations: ${listConfigs().join(' ')}`);
}

function listConfigs() {
  return readdirSync(CONFIGS, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(CONFIGS, e.name, 'main.tf')))
    .map((e) => e.name)
    .sort();
}

function parseArgs(argv) {
  const opts = { configs: [], verbose: process.env.TERRAFORM_SUITE_VERBOSE === '1', keep: false };
  const known = listConfigs();
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      usage();
      process.exit(0);
    } else if (arg === '--verbose' || arg === '-v') opts.verbose = true;
    else if (arg === '--keep') opts.keep = true;
    else if (known.includes(arg)) opts.configs.push(arg);
    else {
      console.error(`terraform suite: unknown argument ${arg}`);
      usage();
      process.exit(2);
    }
  }
  if (opts.configs.length === 0) opts.configs = known;
  return opts;
}

function readSuiteJson(name) {
  const file = path.join(CONFIGS, name, 'suite.json');
  const suite = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  return {
    steps: Number(suite.steps ?? 1),
    https: suite.https === true,
    expectDrift: typeof suite.expectDrift === 'string' ? suite.expectDrift : undefined,
    fromEnv: suite.fromEnv === true,
    proxy: suite.proxy === true,
    appTest: typeof suite.appTest === 'string' ? suite.appTest : undefined,
  };
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
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Builds (or finds) the toolchain; resolves to { cache } or { skipped: reason }. */
async function toolchain(verbose) {
  const started = Date.now();
  const child = spawn('bash', [path.join(HERE, 'toolchain.sh')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
    if (verbose || /^toolchain:/m.test(String(c))) process.stderr.write(c);
  });
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code === EXIT_TOOLCHAIN_MISSING) return { skipped: err.trim().split('\n').pop() };
  if (code !== 0)
    throw new Error(`toolchain build failed (exit ${code}):\n${err.split('\n').slice(-40).join('\n')}`);
  return { cache: out.trim().split('\n').pop(), ms: Date.now() - started };
}

class Emulator {
  async start(workDir) {
    this.port = await freePort();
    do this.httpsPort = await freePort();
    while (this.httpsPort === this.port);
    do this.gatewayPort = await freePort();
    while (this.gatewayPort === this.port || this.gatewayPort === this.httpsPort);
    this.url = `http://127.0.0.1:${this.port}`;
    this.state = path.join(workDir, 'emulator', 'state.json');
    this.logFile = path.join(workDir, 'emulator.log');
    const log = createWriteStream(this.logFile);
    const cli = path.join(ROOT, 'dist', 'kms-emulator.cjs');
    if (!existsSync(cli)) throw new Error('dist/kms-emulator.cjs is missing: run npm run build first');
    this.child = spawn(
      process.execPath,
      [
        cli,
        'start',
        '--host',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--https-port',
        String(this.httpsPort),
        '--gateway-port',
        String(this.gatewayPort),
        '--state',
        this.state,
        '--seed-file',
        path.join(HERE, 'seed.yaml'),
        '--auth',
        'on',
      ],
      { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout.pipe(log);
    this.child.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`emulator exited at start-up; log: ${this.logFile}`);
      try {
        const res = await fetch(`${this.url}/_emulator/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {
        // not yet listening
      }
      await sleep(150);
    }
    // `start` records its URLs beside the state (for `kms-emulator env`) right after it listens.
    const running = path.join(path.dirname(this.state), 'kms-emulator.running.json');
    for (let i = 0; i < 100 && !existsSync(running); i++) await sleep(100);
    const ca = spawnSync(process.execPath, [cli, 'ca', '--state', this.state], { encoding: 'utf8' });
    if (ca.status !== 0) throw new Error(`kms-emulator ca failed: ${ca.stderr}`);
    this.caFile = ca.stdout.trim();
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await Promise.race([this.exited, sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  /** What a shell has after `eval "$(kms-emulator env --state …)"` (sh evaluates the real output). */
  shellEnv() {
    const cli = path.join(ROOT, 'dist', 'kms-emulator.cjs');
    const printed = spawnSync(process.execPath, [cli, 'env', '--state', this.state], { encoding: 'utf8' });
    if (printed.status !== 0) throw new Error(`kms-emulator env failed: ${printed.stderr}`);
    const shell = spawnSync('sh', ['-c', 'eval "$1" && exec env -0', 'sh', printed.stdout], {
      encoding: 'utf8',
      env: {},
    });
    if (shell.status !== 0)
      throw new Error(`sh could not evaluate kms-emulator env's output: ${shell.stderr}`);
    const vars = {};
    for (const entry of shell.stdout.split('\0')) {
      const eq = entry.indexOf('=');
      if (
        eq > 0 &&
        /^[A-Z_]+$/.test(entry.slice(0, eq)) &&
        !['PWD', 'SHLVL', '_'].includes(entry.slice(0, eq))
      )
        vars[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    if (!vars.ALIBABA_CLOUD_ENDPOINT_KMS)
      throw new Error(`kms-emulator env printed no endpoint:\n${printed.stdout}`);
    return vars;
  }

  /** A signed (RPC V1) call, the way every official client signs: KMS unless `Version` says RAM's. */
  async call(action, params = {}) {
    const all = {
      Action: action,
      Version: KMS_VERSION,
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      AccessKeyId: AK.id,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...params,
    };
    const enc = (s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonical = Object.keys(all)
      .sort()
      .map((k) => `${enc(k)}=${enc(String(all[k]))}`)
      .join('&');
    const toSign = `GET&${enc('/')}&${enc(canonical)}`;
    const signature = createHmac('sha1', `${AK.secret}&`).update(toSign).digest('base64');
    const res = await fetch(`${this.url}/?${canonical}&Signature=${enc(signature)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${action}: ${res.status} ${body.Code}: ${body.Message}`);
    return body;
  }

  /** The live keys (by ID and state), aliases, secrets, network rules, policies, access points and RAM identities. */
  async leftovers() {
    const left = [];
    const keys = (await this.call('ListKeys', { PageSize: 100 })).Keys?.Key ?? [];
    for (const { KeyId } of keys) {
      const meta = (await this.call('DescribeKey', { KeyId })).KeyMetadata;
      if (meta.KeyState !== 'PendingDeletion') left.push(`key ${KeyId} (${meta.KeyState})`);
    }
    const lists = [
      ['ListAliases', (r) => r.Aliases?.Alias?.map((a) => `alias ${a.AliasName}`)],
      [
        'ListSecrets',
        (r) => r.SecretList?.Secret?.filter((s) => !s.PlannedDeleteTime).map((s) => `secret ${s.SecretName}`),
      ],
      ['ListNetworkRules', (r) => r.NetworkRules?.NetworkRule?.map((n) => `network rule ${n.Name}`)],
      ['ListPolicies', (r) => r.Policies?.Policy?.map((p) => `policy ${p.Name}`)],
      [
        'ListApplicationAccessPoints',
        (r) => r.ApplicationAccessPoints?.ApplicationAccessPoint?.map((a) => `access point ${a.Name}`),
      ],
    ];
    for (const [action, pick] of lists) {
      left.push(...(pick(await this.call(action, { PageSize: 100 })) ?? []));
    }
    // RAM: the account's users (and their AccessKeys), groups, roles and custom policies.
    const ram = (action, params = {}) =>
      this.call(action, { Version: RAM_VERSION, MaxItems: 1000, ...params });
    for (const { UserName } of (await ram('ListUsers')).Users?.User ?? []) {
      left.push(`RAM user ${UserName}`);
      const keys = (await ram('ListAccessKeys', { UserName })).AccessKeys?.AccessKey ?? [];
      left.push(...keys.map((k) => `RAM AccessKey ${k.AccessKeyId} of ${UserName}`));
    }
    left.push(...((await ram('ListGroups')).Groups?.Group ?? []).map((g) => `RAM group ${g.GroupName}`));
    left.push(...((await ram('ListRoles')).Roles?.Role ?? []).map((r) => `RAM role ${r.RoleName}`));
    const custom = (await ram('ListPolicies', { PolicyType: 'Custom' })).Policies?.Policy ?? [];
    left.push(...custom.map((p) => `RAM policy ${p.PolicyName}`));
    return left;
  }
}

/** The environment Terraform and the emulator run with: no proxy, no credentials from the caller's shell. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?|all|no)_proxy$/i.test(k)) continue;
    if (/^(ALICLOUD_|ALIBABA_CLOUD_|ALIBABACLOUD_|TF_)/.test(k)) continue;
    if (k === 'SSL_CERT_FILE' || k === 'SSL_CERT_DIR') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function runTerraform(bin, args, { cwd, env, log, verbose }) {
  return new Promise((resolve) => {
    const started = Date.now();
    log.write(`\n$ terraform ${args.join(' ')}\n`);
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      log.write(chunk);
      output += chunk;
      if (output.length > 200_000) output = output.slice(-100_000);
      if (verbose) process.stdout.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      output += `\n[terraform ${args[0]} killed after ${COMMAND_TIMEOUT_S} s]\n`;
      child.kill('SIGKILL');
    }, COMMAND_TIMEOUT_S * 1000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output, ms: Date.now() - started });
    });
  });
}

function tail(text, lines = 60) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a configuration's application test (node) with Terraform's outputs and the gateway's address. */
async function runAppTest(name, script, { dir, env, tfRun, emulator, log, verbose }) {
  const outputs = await tfRun(['output', '-json']);
  if (outputs.code !== 0) return outputs;
  const instance = (await emulator.call('GetKmsInstance', { KmsInstanceId: INSTANCE_ID })).KmsInstance;
  const caFile = path.join(dir, 'instance-ca.pem');
  writeFileSync(caFile, instance.CaCertificateChainPem);
  log.write(`\n$ node ${script}\n`);
  const child = spawnSync(process.execPath, [path.join(CONFIGS, name, script)], {
    cwd: dir,
    env: {
      ...env,
      TF_OUTPUTS: outputs.output.replace(/^[^{]*/, ''),
      KMS_GATEWAY_URL: `https://127.0.0.1:${emulator.gatewayPort}`,
      KMS_INSTANCE_CA: caFile,
      CLIENT_KEY_PASSWORD: 'Orders-App-Passw0rd',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${child.stdout ?? ''}${child.stderr ?? ''}`;
  log.write(output);
  if (verbose) process.stdout.write(output);
  return { code: child.status ?? -1, output };
}

/** The provider block and its variables, shared by the configurations (test/terraform/provider.tf). */
const PROVIDER = path.join(path.dirname(CONFIGS), 'provider.tf');

function providerIn(file) {
  return /^\s*provider\s+"alicloud"/m.test(readFileSync(file, 'utf8'));
}

async function runConfig(name, { tf, emulator, workRoot, verbose }) {
  const suite = readSuiteJson(name);
  const dir = path.join(workRoot, name);
  cpSync(path.join(CONFIGS, name), dir, { recursive: true });
  // Every configuration but env-only (an empty provider block of its own) shares one provider block.
  if (
    !existsSync(path.join(dir, 'provider.tf')) &&
    !readdirSync(dir).some((f) => f.endsWith('.tf') && providerIn(path.join(dir, f)))
  )
    cpSync(PROVIDER, path.join(dir, 'provider.tf'));
  const logFile = path.join(workRoot, `${name}.log`);
  const log = createWriteStream(logFile);
  const endpoint = `127.0.0.1:${suite.https ? emulator.httpsPort : emulator.port}`;
  const env = cleanEnv({
    ...(suite.fromEnv ? emulator.shellEnv() : {}),
    TF_CLI_CONFIG_FILE: tf.rc,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    ...(suite.fromEnv
      ? {}
      : {
          TF_VAR_endpoint: endpoint,
          TF_VAR_protocol: suite.https ? 'HTTPS' : 'HTTP',
          TF_VAR_kms_instance_id: INSTANCE_ID,
          ...(suite.https ? { SSL_CERT_FILE: emulator.caFile } : {}),
        }),
    // The emulator answers proxied (absolute-form) requests itself: what reaches a hard-coded host.
    ...(suite.proxy ? { HTTP_PROXY: emulator.url } : {}),
  });
  // What is alive before (the seed's key, alias and secret until the import configuration adopts them).
  const before = new Set(await emulator.leftovers());
  const started = Date.now();
  const notes = [];
  let failure;
  let applied = false;
  let step = 1;
  const tfRun = (args) => runTerraform(tf.bin, [...args, '-no-color'], { cwd: dir, env, log, verbose });
  const fail = (what, result) => {
    failure = `${what} (exit ${result.code})\n${tail(result.output)}`;
  };
  {
    const init = await tfRun(['init', '-input=false']);
    if (init.code !== 0) {
      fail('terraform init', init);
      return finish();
    }
    for (step = 1; step <= suite.steps; step += 1) {
      // `step` is declared by the configurations that have more than one.
      const vars = ['-input=false', ...(suite.steps > 1 ? ['-var', `step=${step}`] : [])];
      const apply = await tfRun(['apply', '-auto-approve', ...vars]);
      applied = true;
      if (apply.code !== 0) {
        fail(`terraform apply (step ${step})`, apply);
        return finish();
      }
      if (suite.appTest && step === 1) {
        const test = await runAppTest(name, suite.appTest, { dir, env, tfRun, emulator, log, verbose });
        if (test.code !== 0) {
          fail(`application test ${suite.appTest}`, test);
          return finish();
        }
        notes.push(`${suite.appTest}: ${test.output.trim().split('\n').length} checks passed`);
      }
      const plan = await tfRun(['plan', '-detailed-exitcode', ...vars]);
      if (plan.code === 2 && suite.expectDrift) {
        notes.push(`expected drift on step ${step}: ${suite.expectDrift}`);
      } else if (plan.code === 0 && suite.expectDrift) {
        failure = `the second plan reported no changes, but suite.json expects drift ("${suite.expectDrift}"): the bug is fixed, remove expectDrift from test/terraform/configs/${name}/suite.json`;
        return finish();
      } else if (plan.code !== 0) {
        fail(
          plan.code === 2
            ? `terraform plan after apply (step ${step}) reported changes: the provider reads back something else than it wrote`
            : `terraform plan (step ${step})`,
          plan,
        );
        return finish();
      }
    }
    step = suite.steps;
    return finish();
  }

  async function finish() {
    if (applied) {
      const destroy = await tfRun([
        'destroy',
        '-auto-approve',
        '-input=false',
        ...(suite.steps > 1 ? ['-var', `step=${Math.min(step, suite.steps)}`] : []),
      ]);
      if (destroy.code !== 0 && !failure) fail('terraform destroy', destroy);
      if (!failure) {
        try {
          const left = (await emulator.leftovers()).filter((item) => !before.has(item));
          if (left.length > 0) failure = `destroy left live resources in the emulator: ${left.join(', ')}`;
        } catch (error) {
          failure = `checking what destroy left: ${error.message}`;
        }
      }
    }
    await new Promise((r) => log.end(r));
    return { name, ok: !failure, failure, notes, ms: Date.now() - started, logFile, https: suite.https };
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const suiteStarted = Date.now();
  let tc;
  try {
    tc = await toolchain(opts.verbose);
  } catch (error) {
    console.error(`terraform suite: ${error.message}`);
    process.exit(1);
  }
  if (tc.skipped) {
    console.log(`terraform suite: skipped: ${tc.skipped}`);
    return;
  }
  const tf = {
    bin: path.join(tc.cache, 'terraform-1.5.7', 'terraform'),
    rc: path.join(tc.cache, 'terraformrc'),
  };
  console.log(`terraform suite: toolchain ready in ${seconds(tc.ms)} (${tc.cache})`);
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'kms-emulator-terraform-'));
  const emulator = new Emulator();
  const results = [];
  try {
    await emulator.start(workRoot);
    console.log(
      `terraform suite: emulator on ${emulator.url} and https://127.0.0.1:${emulator.httpsPort} (CA ${emulator.caFile})`,
    );
    for (const name of opts.configs) {
      const result = await runConfig(name, { tf, emulator, workRoot, verbose: opts.verbose });
      results.push(result);
      const how = result.https ? 'https' : 'http';
      console.log(`terraform: ${name} (${how}) ${result.ok ? 'pass' : 'FAIL'} in ${seconds(result.ms)}`);
      for (const note of result.notes) console.log(`  note: ${note}`);
      if (!result.ok) console.log(`  ${result.failure.split('\n').join('\n  ')}\n  log: ${result.logFile}`);
    }
  } catch (error) {
    console.error(`terraform suite: ${error.message}`);
    results.push({ name: 'suite', ok: false });
  } finally {
    await emulator.stop();
  }
  const failed = results.filter((r) => !r.ok).length;
  const passed = results.length - failed;
  console.log(`terraform suite: ${seconds(Date.now() - suiteStarted)} in all`);
  if (failed === 0 && !opts.keep) rmSync(workRoot, { recursive: true, force: true });
  else console.log(`terraform suite: work folder kept (Terraform logs, emulator.log): ${workRoot}`);
  console.log(`terraform: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
