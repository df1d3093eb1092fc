import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1Query } from './helpers/rpc.js';

// No Docker engine runs here, so this does what the image does: install the packed tarball into an
// empty folder and start it the way docker/Dockerfile's entrypoint does (HOST=0.0.0.0, state in a volume).
const root = resolve(import.meta.dirname, '..');
let folder: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'kms-pack-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', folder], {
    cwd: root,
    stdio: 'pipe',
  });
  const tarball = readdirSync(folder).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', join(folder, tarball)], {
    cwd: folder,
    stdio: 'pipe',
  });
}, 180_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

function startInstalled(env: Record<string, string>): Promise<{ url: string; startedMs: number }> {
  const started = performance.now();
  child = spawn(join(folder, 'node_modules', '.bin', 'kms-emulator'), ['start'], {
    cwd: folder,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let output = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) resolvePromise({ url: match[1], startedMs: performance.now() - started });
    });
    child?.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child?.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

describe('the npm package, started as the container does', () => {
  it('installs from the tarball and serves the API and the health check', async () => {
    const { url } = await startInstalled({
      HOST: '0.0.0.0',
      PORT: '0',
      KMS_EMULATOR_STATE: join(folder, 'data', 'state.json'),
      KMS_EMULATOR_LOG_LEVEL: 'info',
    });
    const port = new URL(url).port;
    const health = await fetch(`http://127.0.0.1:${port}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { state: string }).state).toBe(join(folder, 'data', 'state.json'));
    const regions = await fetch(`http://127.0.0.1:${port}/?${v1Query('DescribeRegions')}`);
    expect(regions.status).toBe(200);
    expect(
      ((await regions.json()) as { Regions: { Region: unknown[] } }).Regions.Region.length,
    ).toBeGreaterThan(10);
  });
});
