import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EnvTarget, envVariables, formatEnv, writeCaBundle } from '../src/cli-env.js';
import { cliPath, runCli } from './helpers/cli.js';

const TARGET: EnvTarget = {
  url: 'http://127.0.0.1:8080',
  httpsUrl: 'https://127.0.0.1:8443',
  caFile: "/tmp/o'brien/kms-emulator-ca.pem",
  caBundle: "/tmp/o'brien/kms-emulator-ca-bundle.pem",
  region: 'cn-shanghai',
  source: 'test',
};

describe('kms-emulator env: output per shell', () => {
  it('sh: export lines, single quotes escaped, and the provider block as comments', () => {
    const out = formatEnv(TARGET, 'sh');
    const lines = out.split('\n');
    expect(lines[0]).toBe('# kms-emulator env: test');
    expect(lines).toContain("export ALIBABA_CLOUD_ACCESS_KEY_ID='LTAIEmulatorAccessKeyId'");
    expect(lines).toContain("export ALIBABA_CLOUD_ACCESS_KEY_SECRET='EmulatorAccessKeySecret'");
    expect(lines).toContain("export ALICLOUD_REGION='cn-shanghai'");
    expect(lines).toContain("export ALIBABA_CLOUD_ACCOUNT_TYPE='Domestic'");
    // The provider speaks HTTPS by default: the TLS listener is the one named.
    expect(lines).toContain("export ALIBABA_CLOUD_ENDPOINT_KMS='127.0.0.1:8443'");
    // RAM on the same listener, under both names the provider reads; STS only in the block.
    expect(lines).toContain("export ALIBABA_CLOUD_ENDPOINT_RAM='127.0.0.1:8443'");
    expect(lines).toContain("export RAM_ENDPOINT='127.0.0.1:8443'");
    expect(lines).toContain('#       sts = "127.0.0.1:8443" # only the block sets it');
    expect(lines).toContain("export SSL_CERT_FILE='/tmp/o'\\''brien/kms-emulator-ca-bundle.pem'");
    expect(lines).toContain("export NODE_EXTRA_CA_CERTS='/tmp/o'\\''brien/kms-emulator-ca.pem'");
    expect(lines).toContain('#   provider "alicloud" {');
    expect(lines).toContain('#     protocol     = "HTTPS"');
    expect(lines).toContain('#       kms = "127.0.0.1:8443"');
    // Every line is an assignment or a comment: nothing else gets evaluated.
    for (const line of lines.filter(Boolean)) expect(line).toMatch(/^(export [A-Z_]+='|#)/);
  });

  it('fish: set -gx, backslashes and quotes escaped', () => {
    const out = formatEnv({ ...TARGET, caFile: "C:\\ca\\it's.pem" }, 'fish');
    expect(out).toContain("set -gx ALIBABA_CLOUD_ENDPOINT_KMS '127.0.0.1:8443'\n");
    expect(out).toContain("set -gx NODE_EXTRA_CA_CERTS 'C:\\\\ca\\\\it\\'s.pem'\n");
    expect(out).toContain("set -gx ALIBABA_CLOUD_CA_BUNDLE '/tmp/o\\'brien/kms-emulator-ca-bundle.pem'\n");
    for (const line of out.split('\n').filter(Boolean)) expect(line).toMatch(/^(set -gx [A-Z_]+ '|#)/);
  });

  it('powershell: $env: assignments, quotes doubled', () => {
    const out = formatEnv(TARGET, 'powershell');
    expect(out).toContain("$env:ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAIEmulatorAccessKeyId'\n");
    expect(out).toContain("$env:SSL_CERT_FILE = '/tmp/o''brien/kms-emulator-ca-bundle.pem'\n");
    for (const line of out.split('\n').filter(Boolean)) expect(line).toMatch(/^(\$env:[A-Z_]+ = '|#)/);
  });

  it('without a TLS listener: the HTTP endpoint, no CA variables, and protocol = "HTTP" in the block', () => {
    const target: EnvTarget = { url: 'http://127.0.0.1:9000', region: 'cn-hangzhou', source: 'test' };
    const names = envVariables(target).map(([name]) => name);
    expect(names).not.toContain('SSL_CERT_FILE');
    expect(names).not.toContain('KMS_EMULATOR_HTTPS_URL');
    const out = formatEnv(target, 'sh');
    expect(out).toContain("export ALIBABA_CLOUD_ENDPOINT_KMS='127.0.0.1:9000'\n");
    expect(out).toContain('#     protocol     = "HTTP"\n');
  });

  it('the CA bundle keeps the system roots and adds the emulator CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-env-'));
    const ca = join(dir, 'kms-emulator-ca.pem');
    const system = join(dir, 'system.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nEMULATOR\n-----END CERTIFICATE-----\n');
    writeFileSync(system, '-----BEGIN CERTIFICATE-----\nSYSTEM\n-----END CERTIFICATE-----\n');
    const bundle = writeCaBundle(ca, [join(dir, 'absent.pem'), system]);
    const text = readFileSync(bundle, 'utf8');
    expect(text.indexOf('SYSTEM')).toBeGreaterThan(-1);
    expect(text.indexOf('EMULATOR')).toBeGreaterThan(text.indexOf('SYSTEM'));
  });
});

describe('kms-emulator env: against a running emulator', () => {
  it('finds the ports the running emulator recorded beside its state, and sh evaluates the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-env-run-'));
    const state = join(dir, 'state.json');
    const run = runCli(['start', '--port', '0', '--https-port', '0', '--state', state]);
    try {
      const url = await run.listening();
      const running = join(dir, 'kms-emulator.running.json');
      for (let i = 0; i < 100 && !existsSync(running); i++) await new Promise((r) => setTimeout(r, 50));
      const info = JSON.parse(readFileSync(running, 'utf8'));
      expect(info.url).toBe(url);
      expect(info.pid).toBe(run.child.pid);
      const out = execFileSync(process.execPath, [cliPath, 'env', '--state', state], { encoding: 'utf8' });
      const httpsHost = new URL(info.httpsUrl).host;
      // What a shell gets after eval "$(kms-emulator env)".
      const shown = execFileSync(
        'sh',
        [
          '-c',
          'eval "$1"; printf "%s\\n" "$ALIBABA_CLOUD_ENDPOINT_KMS" "$SSL_CERT_FILE" "$KMS_EMULATOR_URL"',
          'sh',
          out,
        ],
        { encoding: 'utf8' },
      ).split('\n');
      expect(shown[0]).toBe(httpsHost);
      expect(shown[1]).toBe(join(dir, 'kms-emulator-ca-bundle.pem'));
      expect(shown[2]).toBe(url);
      expect(readFileSync(shown[1] as string, 'utf8')).toContain(
        readFileSync(join(dir, 'kms-emulator-ca.pem'), 'utf8').trim(),
      );
      // The HTTPS endpoint it names answers with a certificate the printed CA verifies.
      const check = spawnSync(
        process.execPath,
        [
          '-e',
          `require('https').get('https://${httpsHost}/_emulator/health', { ca: require('fs').readFileSync(process.argv[1]) }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', (e) => { console.error(e.message); process.exit(2); })`,
          info.caCertificate,
        ],
        { encoding: 'utf8' },
      );
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    } finally {
      await run.stop();
    }
    // A stopped emulator no longer answers for itself: env says so and prints the defaults.
    const after = spawnSync(process.execPath, [cliPath, 'env', '--state', state], { encoding: 'utf8' });
    expect(after.status).toBe(0);
    expect(after.stderr).toContain('no running emulator recorded');
    expect(after.stdout).toContain("export ALIBABA_CLOUD_ENDPOINT_KMS='127.0.0.1:8080'");
  });

  it('takes the ports from flags instead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-env-flags-'));
    const out = execFileSync(
      process.execPath,
      [
        cliPath,
        'env',
        '--state',
        join(dir, 'state.json'),
        '--port',
        '9000',
        '--https-port',
        '9443',
        '--shell',
        'fish',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toContain("set -gx ALIBABA_CLOUD_ENDPOINT_KMS '127.0.0.1:9443'");
    expect(out).toContain("set -gx KMS_EMULATOR_URL 'http://127.0.0.1:9000'");
    expect(out).toContain(`set -gx KMS_EMULATOR_CA_FILE '${join(dir, 'kms-emulator-ca.pem')}'`);
  });
});
