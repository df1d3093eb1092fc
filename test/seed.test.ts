import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Emulator, startEmulator } from '../src/index.js';
import { parseSeed, SeedError } from '../src/testkit/seed.js';
import { runCli } from './helpers/cli.js';
import { v1Query } from './helpers/rpc.js';

let emulator: Emulator;
afterEach(() => emulator?.close());

const seedYaml = `
version: 1
clock:
  start: 2030-01-01T00:00:00Z
  frozen: true
principals:
  - accessKeyId: LTAIseededApp
    accessKeySecret: seeded-secret
    accountId: "5555555555555555"
    name: app
accounts:
  - accountId: "5555555555555555"
    kmsStatus: NotEnabled
`;

describe('seed files', () => {
  it('loads principals, accounts and the clock through POST /_emulator/seed (YAML), idempotently', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    for (let i = 0; i < 2; i++) {
      const res = await api.post('/_emulator/seed').set('content-type', 'application/yaml').send(seedYaml);
      expect(res.status).toBe(200);
      expect(res.body.loaded).toEqual(['clock', 'principals', 'accounts']);
    }
    expect((await api.get('/_emulator/clock')).body).toMatchObject({
      now: '2030-01-01T00:00:00Z',
      frozen: true,
    });
    const asApp = await api.get(
      `/?${v1Query('DescribeAccountKmsStatus', {}, { accessKeyId: 'LTAIseededApp', secret: 'seeded-secret' })}`,
    );
    expect(asApp.status).toBe(200);
    // The seeded principal acts in its own account.
    expect(asApp.body.AccountStatus).toBe('NotEnabled');
    expect((await api.get(`/?${v1Query('DescribeAccountKmsStatus')}`)).body.AccountStatus).toBe('Enabled');
  });

  it('accepts JSON and refuses a schema error, naming the path and the problem', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    const bad = await api
      .post('/_emulator/seed')
      .send({ principals: [{ accessKeyId: 'x' }], clock: { start: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("seed: /principals/0: must have required property 'accessKeySecret'");
    expect(bad.body.message).toContain('seed: /clock/start: must match format "date-time"');
    const unknown = await api.post('/_emulator/seed').send({ kyes: [] });
    expect(unknown.body.message).toContain('seed: /: must NOT have additional properties (kyes)');
    const ok = await api
      .post('/_emulator/seed')
      .send({ accounts: [{ accountId: '42', kmsStatus: 'Suspended' }] });
    expect(ok.status).toBe(200);
  });

  it('names the file in parse errors', () => {
    expect(() => parseSeed('principals: [', 'fixtures/broken.yaml')).toThrow(SeedError);
    expect(() => parseSeed('principals: [', 'fixtures/broken.yaml')).toThrow(
      /^fixtures\/broken\.yaml: not valid YAML/,
    );
  });

  it('exports the world as a seed that loads back (secrets redacted unless asked)', async () => {
    emulator = await startEmulator({ randomSeed: 's1' });
    const api = request(emulator.app);
    await api.post('/_emulator/seed').set('content-type', 'application/yaml').send(seedYaml);
    const exported = await api.get('/_emulator/export');
    expect(exported.headers['content-type']).toContain('application/yaml');
    const seed = parseYaml(exported.text);
    expect(seed).toMatchObject({
      version: 1,
      randomSeed: 's1',
      clock: { start: '2030-01-01T00:00:00Z', frozen: true },
    });
    expect(seed.principals[0].accessKeySecret).toContain('redacted');
    const full = (await api.get('/_emulator/export?secrets=true&format=json')).body;
    expect(full.principals[0].accessKeySecret).toBe('seeded-secret');
    const other = await startEmulator();
    try {
      expect((await request(other.app).post('/_emulator/seed').send(full)).status).toBe(200);
      expect((await request(other.app).get('/_emulator/clock')).body.now).toBe('2030-01-01T00:00:00Z');
    } finally {
      await other.close();
    }
  });

  it('kms-emulator start --seed-file loads at start-up, and refuses a bad file naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-seed-'));
    const good = join(dir, 'world.yaml');
    writeFileSync(good, seedYaml);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'principals:\n  - accessKeyId: 12\n');
    const run = (file: string) =>
      runCli(['start', '--port', '0', '--state', ':memory:', '--seed-file', file]);
    const failing = run(bad);
    expect(await failing.exited).toBe(2);
    expect(failing.output()).toContain(`${bad}: /principals/0/accessKeyId: must be string`);
    const ok = run(good);
    try {
      const url = await ok.listening();
      const clock = (await (await fetch(`${url}/_emulator/clock`)).json()) as { now: string };
      expect(clock.now).toBe('2030-01-01T00:00:00Z');
    } finally {
      await ok.stop();
    }
  });
});
