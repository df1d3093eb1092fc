import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { v1Query } from './helpers/rpc.js';

describe('kms-emulator command', () => {
  it('refuses a corrupt state file, naming it, with exit code 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kms-cli-')), 'state.json');
    writeFileSync(file, 'not json');
    const run = runCli(['start', '--port', '0', '--state', file]);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(file);
  });

  it('takes PORT/HOST/KMS_EMULATOR_AUTH from the environment', async () => {
    const run = runCli(['start', '--state', ':memory:'], {
      PORT: '0',
      HOST: '127.0.0.1',
      KMS_EMULATOR_AUTH: 'off',
    });
    try {
      const url = await run.listening();
      const res = await fetch(`${url}/?Action=DescribeRegions&Version=2016-01-20`);
      expect(res.status).toBe(200);
      const health = (await (await fetch(`${url}/_emulator/health`)).json()) as { auth: string };
      expect(health.auth).toBe('off');
    } finally {
      run.child.kill();
    }
  });

  it('rejects an invalid port', async () => {
    const run = runCli(['start', '--port', 'eighty']);
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toContain('port');
  });
});

describe('HTTPS listener', () => {
  it('serves the same API over TLS with a self-signed certificate that a client can be told to trust', async () => {
    const plain = await startEmulator({});
    expect((await fetch(`${plain.url}/_emulator/tls-certificate`)).status).toBe(404);
    await plain.close();
    const emulator = await startEmulator({ httpsPort: 0 });
    try {
      expect(emulator.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const pem = await (await fetch(`${emulator.url}/_emulator/tls-certificate`)).text();
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      const body = await new Promise<string>((resolvePromise, reject) => {
        // Verified against the downloaded certificate (rejectUnauthorized stays on).
        const req = httpsRequest(
          `${emulator.httpsUrl}/?${v1Query('DescribeRegions')}`,
          { ca: pem },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
            });
            res.on('end', () => resolvePromise(text));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body).Regions.Region.length).toBeGreaterThan(10);
    } finally {
      await emulator.close();
    }
  });
});

describe('request log', () => {
  it('writes one line per request with action, key, status, code and ms — and no parameter values', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...chunk.toString().trim().split('\n'));
        done();
      },
    });
    const emulator = await startEmulator({ logger: pino({ level: 'info' }, sink) });
    try {
      const ok = await fetch(
        `${emulator.url}/?${v1Query('DescribeRegions', { SecretData: 'top-secret-value' })}`,
      );
      expect(ok.status).toBe(200);
      const bad = await fetch(`${emulator.url}/?${v1Query('OpenKmsService', { Plaintext: 'cGxhaW50ZXh0' })}`);
      expect(bad.status).toBe(400);
      const entries = lines.map((l) => JSON.parse(l));
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({
        action: 'DescribeRegions',
        accessKeyId: 'LTAIEmulatorAccessKeyId',
        status: 200,
      });
      expect(typeof entries[0].ms).toBe('number');
      expect(entries[1]).toMatchObject({ action: 'OpenKmsService', status: 400, code: 'Forbidden.Opened' });
      expect(lines.join('\n')).not.toContain('top-secret-value');
      expect(lines.join('\n')).not.toContain('cGxhaW50ZXh0');
    } finally {
      await emulator.close();
    }
  });
});
