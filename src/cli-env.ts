/**
 * `kms-emulator env`: the variables a shell, a CI step or Terraform needs to reach a running
 * emulator, and the small file a running `kms-emulator start` leaves beside its state so that `env`
 * can find it. Used by src/cli.ts only.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The access key pair every emulator trusts (README "Credentials"). */
export const DEFAULT_ACCESS_KEY = { id: 'LTAIEmulatorAccessKeyId', secret: 'EmulatorAccessKeySecret' };

export const RUNNING_FILE = 'kms-emulator.running.json';

/** Where the CA and the running file live: beside the state file, or a per-user temp folder for :memory:. */
export function stateDir(state: string): string {
  return state && state !== ':memory:' ? dirname(state) : join(tmpdir(), `kms-emulator-${userInfo().uid}`);
}

export interface RunningEmulator {
  pid: number;
  url: string;
  httpsUrl?: string;
  gatewayUrl?: string;
  caCertificate?: string;
  region: string;
  state: string;
}

export function writeRunningFile(state: string, info: RunningEmulator): string {
  const dir = stateDir(state);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, RUNNING_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}

/** Removes the running file if it still names this process (another emulator may have replaced it). */
export function removeRunningFile(state: string, pid: number): void {
  const file = join(stateDir(state), RUNNING_FILE);
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunningEmulator>;
    if (info.pid === pid) rmSync(file, { force: true });
  } catch {
    // gone already, or not ours to judge
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running emulator recorded beside `state`, if its process is still there. */
export function readRunningFile(state: string): RunningEmulator | undefined {
  const file = join(stateDir(state), RUNNING_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunningEmulator;
    if (typeof info.url !== 'string' || !Number.isInteger(info.pid) || !alive(info.pid)) return undefined;
    return info;
  } catch {
    return undefined;
  }
}

/** System trust stores, so a CA bundle that adds the emulator's CA still trusts everything else. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/**
 * Writes `kms-emulator-ca-bundle.pem` beside the CA: the system's roots followed by the emulator's
 * CA. SSL_CERT_FILE (Go, OpenSSL) and Python's CA-bundle variables replace the roots a program
 * trusts, so pointing them at the emulator's CA alone would break every other HTTPS call of that
 * shell (`terraform init` reaching a registry, `pip install`…).
 */
export function writeCaBundle(caFile: string, systemBundles = SYSTEM_BUNDLES): string {
  const ca = readFileSync(caFile, 'utf8');
  const system = systemBundles.find((f) => existsSync(f));
  const text = `${system ? `${readFileSync(system, 'utf8').trimEnd()}\n` : ''}${ca.trimEnd()}\n`;
  const bundle = join(dirname(caFile), 'kms-emulator-ca-bundle.pem');
  const current = existsSync(bundle) ? readFileSync(bundle, 'utf8') : undefined;
  if (current !== text) writeFileSync(bundle, text, { mode: 0o644 });
  return bundle;
}

export type Shell = 'sh' | 'fish' | 'powershell';
export const SHELLS: readonly Shell[] = ['sh', 'fish', 'powershell'];

export interface EnvTarget {
  /** http://host:port of the HTTP listener, if any. */
  url?: string;
  /** https://host:port of the TLS listener, if any. */
  httpsUrl?: string;
  /** The local CA's certificate (PEM) that the TLS listener's certificate chains to. */
  caFile?: string;
  /** The CA bundle (system roots + the CA) for variables that replace a program's roots. */
  caBundle?: string;
  region: string;
  /** Where the target came from, said in the first comment line. */
  source: string;
}

function hostPort(url: string): string {
  return new URL(url).host;
}

/** The variables, in the order printed: [name, value, comment?]. */
export function envVariables(target: EnvTarget): Array<[string, string]> {
  const vars: Array<[string, string]> = [
    // The official clients' credential chain (credentials-go/-python/-java, Tea), the aliyun CLI and
    // the Terraform provider (its second choice after ALICLOUD_*), and the emulator itself.
    ['ALIBABA_CLOUD_ACCESS_KEY_ID', DEFAULT_ACCESS_KEY.id],
    ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', DEFAULT_ACCESS_KEY.secret],
    ['ALIBABA_CLOUD_REGION_ID', target.region],
    // The Terraform provider's own names (older providers read only these).
    ['ALICLOUD_ACCESS_KEY', DEFAULT_ACCESS_KEY.id],
    ['ALICLOUD_SECRET_KEY', DEFAULT_ACCESS_KEY.secret],
    ['ALICLOUD_REGION', target.region],
    // Without it the provider asks the billing API for the account type before every command.
    ['ALIBABA_CLOUD_ACCOUNT_TYPE', 'Domestic'],
  ];
  // The provider's endpoint override for KMS. The provider speaks HTTPS unless its block says
  // `protocol = "HTTP"`, so the TLS listener is named when there is one.
  const kms = target.httpsUrl ?? target.url;
  if (kms) {
    vars.push(
      ['ALIBABA_CLOUD_ENDPOINT_KMS', hostPort(kms)],
      // RAM answers on the same listener. The provider reads ALIBABA_CLOUD_ENDPOINT_RAM for the RAM
      // calls it makes itself (alicloud_ram_policy, UpdateUser…) and RAM_ENDPOINT for those it makes
      // through the RAM SDK client (CreateUser, GetRole…). STS has no variable it reads: its
      // endpoint is the provider block's `endpoints { sts = … }` (alicloud_caller_identity).
      ['ALIBABA_CLOUD_ENDPOINT_RAM', hostPort(kms)],
      ['RAM_ENDPOINT', hostPort(kms)],
    );
  }
  if (target.url) vars.push(['KMS_EMULATOR_URL', target.url]);
  if (target.httpsUrl) vars.push(['KMS_EMULATOR_HTTPS_URL', target.httpsUrl]);
  if (target.httpsUrl && target.caFile) {
    const bundle = target.caBundle ?? target.caFile;
    vars.push(
      ['KMS_EMULATOR_CA_FILE', target.caFile],
      ['SSL_CERT_FILE', bundle], // Go (the Terraform provider, alibaba-cloud-sdk-go), OpenSSL
      ['ALIBABA_CLOUD_CA_BUNDLE', bundle], // aliyun-python-sdk-core
      ['REQUESTS_CA_BUNDLE', bundle], // requests-based Python clients (Tea)
      ['NODE_EXTRA_CA_CERTS', target.caFile], // Node adds it to its own roots
    );
  }
  return vars;
}

function quote(shell: Shell, value: string): string {
  switch (shell) {
    case 'sh':
      return `'${value.replaceAll("'", `'\\''`)}'`;
    case 'fish':
      return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    case 'powershell':
      return `'${value.replaceAll("'", "''")}'`;
  }
}

function assignment(shell: Shell, name: string, value: string): string {
  switch (shell) {
    case 'sh':
      return `export ${name}=${quote(shell, value)}`;
    case 'fish':
      return `set -gx ${name} ${quote(shell, value)}`;
    case 'powershell':
      return `$env:${name} = ${quote(shell, value)}`;
  }
}

/** The Terraform provider block these variables stand for, as comment lines. */
export function providerBlock(target: EnvTarget): string[] {
  const kms = target.httpsUrl ?? target.url;
  const lines = [
    'provider "alicloud" {',
    `  access_key   = "${DEFAULT_ACCESS_KEY.id}"`,
    `  secret_key   = "${DEFAULT_ACCESS_KEY.secret}"`,
    `  region       = "${target.region}"`,
    '  account_type = "Domestic"',
    `  protocol     = "${target.httpsUrl ? 'HTTPS' : 'HTTP'}"`,
    '  endpoints {',
    `    kms = "${kms ? hostPort(kms) : '127.0.0.1:8080'}"`,
    `    ram = "${kms ? hostPort(kms) : '127.0.0.1:8080'}"`,
    `    sts = "${kms ? hostPort(kms) : '127.0.0.1:8080'}" # only the block sets it`,
    '  }',
    '}',
  ];
  return lines;
}

/** The whole output of `kms-emulator env` for one shell. */
export function formatEnv(target: EnvTarget, shell: Shell): string {
  const lines = [`# kms-emulator env: ${target.source}`];
  for (const [name, value] of envVariables(target)) lines.push(assignment(shell, name, value));
  lines.push('#');
  if (target.httpsUrl) {
    lines.push(
      '# Terraform (aliyun/alicloud): with these variables `provider "alicloud" {}` is enough (it speaks',
      '# HTTPS to ALIBABA_CLOUD_ENDPOINT_KMS and trusts the CA through SSL_CERT_FILE). Written out:',
    );
  } else {
    lines.push(
      '# Terraform (aliyun/alicloud): this emulator has no TLS listener (start it with --https-port to',
      '# need no provider settings); the provider speaks HTTPS unless told otherwise, so write:',
    );
  }
  for (const line of providerBlock(target)) lines.push(`#   ${line}`);
  return `${lines.join('\n')}\n`;
}

export interface EnvOptions {
  state: string;
  shell: Shell;
  host?: string;
  port?: number;
  httpsPort?: number;
  region?: string;
}

/**
 * Decides what `env` points at: the ports given as flags, else the running emulator recorded
 * beside the state, else the default http://127.0.0.1:8080 (said so in the output).
 */
export function resolveTarget(
  opts: EnvOptions,
  ca: (dir: string) => string | undefined,
): EnvTarget & { warning?: string } {
  const host = opts.host ?? '127.0.0.1';
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  if (opts.port !== undefined || opts.httpsPort !== undefined) {
    const httpsUrl = opts.httpsPort !== undefined ? `https://${hostInUrl}:${opts.httpsPort}` : undefined;
    return {
      url: opts.port !== undefined ? `http://${hostInUrl}:${opts.port}` : undefined,
      httpsUrl,
      caFile: httpsUrl ? ca(stateDir(opts.state)) : undefined,
      region: opts.region ?? 'cn-hangzhou',
      source: 'the ports given on the command line',
    };
  }
  const running = readRunningFile(opts.state);
  if (running) {
    return {
      url: running.url,
      httpsUrl: running.httpsUrl,
      caFile: running.httpsUrl ? running.caCertificate : undefined,
      region: opts.region ?? running.region,
      source: `the emulator running as process ${running.pid} (${resolve(stateDir(opts.state), RUNNING_FILE)})`,
    };
  }
  return {
    url: `http://${hostInUrl}:8080`,
    region: opts.region ?? 'cn-hangzhou',
    source: 'no running emulator found; the default http://127.0.0.1:8080',
    warning: `kms-emulator env: no running emulator recorded in ${resolve(stateDir(opts.state), RUNNING_FILE)} (start one with the same --state, or give --port/--https-port); printing the defaults`,
  };
}
