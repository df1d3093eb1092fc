import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('kms-emulator start/ca (#12 §5, §6)', () => {
  it('warns when listening on a non-loopback address without a control token, and logs the bound address', async () => {
    const run = runCli(['start', '--host', '0.0.0.0', '--port', '0', '--state', ':memory:']);
    try {
      await run.listening();
      const output = run.output();
      expect(output).toMatch(/not loopback\) without a control token/);
      expect(output).toMatch(/"bound":\["0\.0\.0\.0:\d+"\]/);
    } finally {
      await run.stop();
    }
  });

  it('does not warn with a control token, and the control plane then needs it', async () => {
    const run = runCli(['start', '--host', '0.0.0.0', '--port', '0', '--state', ':memory:'], {
      KMS_EMULATOR_CONTROL_TOKEN: 'tok',
    });
    try {
      const url = await run.listening();
      expect(run.output()).not.toMatch(/without a control token/);
      expect((await fetch(`${url}/_emulator/health`)).status).toBe(401);
      const ok = await fetch(`${url}/_emulator/health`, { headers: { authorization: 'Bearer tok' } });
      expect(ok.status).toBe(200);
    } finally {
      await run.stop();
    }
  });

  it('`kms-emulator ca` prints the CA path beside the state, the same on every call; the start line names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-ca-cli-'));
    const state = join(dir, 'state.json');
    const first = runCli(['ca', '--state', state]);
    await first.exited;
    const path = first.output().trim();
    expect(path).toBe(join(dir, 'kms-emulator-ca.pem'));
    expect(readFileSync(path, 'utf8')).toContain('BEGIN CERTIFICATE');
    const again = runCli(['ca', '--state', state]);
    await again.exited;
    expect(again.output().trim()).toBe(path);

    const run = runCli(['start', '--port', '0', '--https-port', '0', '--state', state]);
    try {
      const url = await run.listening();
      expect(run.output()).toContain(`"caCertificate":"${path}"`);
      expect(await (await fetch(`${url}/_emulator/tls-certificate`)).text()).toBe(readFileSync(path, 'utf8'));
      expect(existsSync(join(dir, 'kms-emulator-ca-key.pem'))).toBe(true);
    } finally {
      await run.stop();
    }
  });

  it("`kms-emulator ca --url` fetches the running emulator's CA, whatever its --state; `ca` alone is another CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-ca-url-'));
    const state = join(dir, 'elsewhere', 'state.json');
    const run = runCli(['start', '--port', '0', '--https-port', '0', '--state', state]);
    try {
      const url = await run.listening();
      const served = await (await fetch(`${url}/_emulator/tls-certificate`)).text();
      const fetched = runCli(['ca', '--url', url], { TMPDIR: dir });
      expect(await fetched.exited).toBe(0);
      const path = fetched.output().trim();
      expect(readFileSync(path, 'utf8')).toBe(served);
      // The same --state finds the same CA; a bare `ca` (the default state) does not.
      const same = runCli(['ca', '--state', state]);
      await same.exited;
      expect(readFileSync(same.output().trim(), 'utf8')).toBe(served);
      const bare = runCli(['ca', '--pem'], { KMS_EMULATOR_STATE: join(dir, 'default', 'state.json') });
      await bare.exited;
      expect(bare.output().trim()).not.toBe(served.trim());
      const pem = runCli(['ca', '--url', url, '--pem'], { TMPDIR: dir });
      await pem.exited;
      expect(pem.output().trim()).toBe(served.trim());
    } finally {
      await run.stop();
    }
    const plain = runCli(['start', '--port', '0', '--state', ':memory:']);
    try {
      const url = await plain.listening();
      const refused = runCli(['ca', '--url', url]);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toMatch(/has no TLS listener/);
    } finally {
      await plain.stop();
    }
  });

  it('`start --help` says the TLS certificate is issued by the local CA (not self-signed)', async () => {
    const help = runCli(['start', '--help']);
    await help.exited;
    expect(help.output()).not.toMatch(/self-signed/);
    expect(help.output().replace(/\s+/g, ' ')).toMatch(/issued by the local CA/);
  });
});
