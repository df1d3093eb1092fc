import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { ScenarioRecorder } from '../src/testkit/recorder.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { formatResult, parseScenario, readScenarioFile, runScenario } from '../src/testkit/scenario.js';
import { applySeed, readSeedFile } from '../src/testkit/seed.js';
import { toYaml } from '../src/testkit/yaml.js';
import { runCli } from './helpers/cli.js';
import { advance, control, kmsClient } from './helpers/client.js';

const root = resolve(import.meta.dirname, '..');

const TENANT = '6543210987654321';
const PRINCIPAL = 'LTAIrecorderTenant';
const PRINCIPAL_SECRET = 'principal-secret-Zq81';
const KEY = 'key-shz01recorder';
const SECRET_MARKER = 'SECRET-MARKER-7f3a91';
const SEEDED_MARKER = 'SEEDED-MARKER-c40d2e';
const PLAINTEXT_MARKER = 'PLAINTEXT-MARKER-55be';

/** A seed file with a principal of another account and a key of that account in cn-shanghai. */
function writeWorld(dir: string): string {
  const file = join(dir, 'world.yaml');
  writeFileSync(
    file,
    toYaml({
      clock: { start: '2030-01-01T00:00:00Z', frozen: true },
      principals: [
        { accessKeyId: PRINCIPAL, accessKeySecret: PRINCIPAL_SECRET, accountId: TENANT, name: 'tenant' },
      ],
      keys: [{ keyId: KEY, accountId: TENANT, regionId: 'cn-shanghai' }],
    }),
  );
  return file;
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

/** An emulator started the way `kms-emulator start --seed-file … --record …` starts one. */
async function recording(
  out: string,
  options: { seedFile?: string; randomSeed?: string; quickMs?: number } = {},
): Promise<Emulator> {
  const emulator = await startEmulator({
    randomSeed: options.randomSeed,
    rotationTiming: options.quickMs === undefined ? undefined : { quickMs: options.quickMs },
  });
  running.push(emulator);
  if (options.seedFile) await applySeed(emulator, readSeedFile(options.seedFile), options.seedFile);
  emulator.observers.add(
    new ScenarioRecorder(out, { emulator, seedFile: options.seedFile, randomSeed: options.randomSeed }),
  );
  return emulator;
}

/** The recording as written (readScenarioFile resolves the seed files' paths). */
function recorded(out: string) {
  return parseScenario(readFileSync(out, 'utf8'), out);
}

async function replay(out: string) {
  const result = await runScenario(readScenarioFile(out));
  if (!result.ok) console.error(formatResult(result), '\n', readFileSync(out, 'utf8'));
  return result;
}

describe('recording a session', () => {
  it('with a seed file, two regions, a principal, a posted seed, a clock advance and faults replays green', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-recorder-'));
    const world = writeWorld(dir);
    mkdirSync(join(dir, 'rec'));
    const out = join(dir, 'rec', 'session.yaml');
    const emulator = await recording(out, { seedFile: world, randomSeed: 'recorder-test' });
    const tenant = kmsClient(emulator, { accessKeyId: PRINCIPAL, secret: PRINCIPAL_SECRET });
    const shanghai = { RegionId: 'cn-shanghai' };

    // The seeded key exists only in the tenant's account, in cn-shanghai.
    expect((await tenant.call('DescribeKey', { KeyId: KEY, ...shanghai })).KeyMetadata.KeyState).toBe(
      'Enabled',
    );
    await tenant.call('Encrypt', { KeyId: KEY, Plaintext: PLAINTEXT_MARKER, ...shanghai });
    // The emulator's default region, named and not named.
    await tenant.call('CreateSecret', {
      SecretName: 'rec/db',
      SecretData: SECRET_MARKER,
      VersionId: 'v1',
      RegionId: 'cn-hangzhou',
    });
    expect((await tenant.call('GetSecretValue', { SecretName: 'rec/db' })).SecretData).toBe(SECRET_MARKER);
    expect(await tenant.fails('DescribeSecret', { SecretName: 'rec/db', ...shanghai })).toBe(
      'Forbidden.ResourceNotFound',
    );
    // The default pair: no principal on the step.
    await kmsClient(emulator).call('DescribeAccountKmsStatus');

    // Neither a call that failed authentication nor an unknown Action is recorded.
    expect(
      await kmsClient(emulator, { accessKeyId: PRINCIPAL, secret: 'wrong-secret' }).fails('DescribeRegions'),
    ).not.toBe('');
    const unknown = await callRpc(emulator.url, 'NoSuchRecorderAction', {});
    expect(unknown.body.Code).toBe('InvalidAction.NotFound');

    // A seed posted mid-session.
    const posted = await control(emulator, 'POST', 'seed', {
      secrets: [
        {
          secretName: 'rec/seeded',
          accountId: TENANT,
          regionId: 'cn-shanghai',
          versions: [{ versionId: 'v1', secretData: SEEDED_MARKER }],
        },
      ],
    });
    expect(posted.status).toBe(200);
    expect((await tenant.call('GetSecretValue', { SecretName: 'rec/seeded', ...shanghai })).VersionId).toBe(
      'v1',
    );

    // The clock completes a deletion window.
    await tenant.call('DeleteSecret', { SecretName: 'rec/db', RecoveryWindowInDays: 7 });
    expect((await advance(emulator, '8d')).fired.length).toBeGreaterThan(0);
    expect(await tenant.fails('DescribeSecret', { SecretName: 'rec/db' })).toBe('Forbidden.ResourceNotFound');

    // A fault the next Encrypt hits, and a standing one that only clearing the rules ends.
    const once = { action: 'Encrypt', error: { code: 'Rejected.Throttling' }, times: 1 };
    expect((await control(emulator, 'POST', 'faults', once)).status).toBe(200);
    const standing = {
      action: 'DescribeRegions',
      principal: PRINCIPAL,
      error: { code: 'Rejected.Throttling' },
    };
    expect((await control(emulator, 'POST', 'faults', standing)).status).toBe(200);
    expect(await tenant.fails('Encrypt', { KeyId: KEY, Plaintext: PLAINTEXT_MARKER, ...shanghai })).toBe(
      'Rejected.Throttling',
    );
    await tenant.call('Encrypt', { KeyId: KEY, Plaintext: PLAINTEXT_MARKER, ...shanghai });
    expect(await tenant.fails('DescribeRegions')).toBe('Rejected.Throttling');
    expect((await control(emulator, 'DELETE', 'faults')).status).toBe(200);
    await tenant.call('DescribeRegions');

    const text = readFileSync(out, 'utf8');
    for (const secret of [SECRET_MARKER, SEEDED_MARKER, PLAINTEXT_MARKER, PRINCIPAL_SECRET]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('accessKeySecret');
    expect(text).not.toContain('NoSuchRecorderAction');
    expect(text).not.toContain('wrong-secret');
    const scenario = recorded(out);
    expect(scenario.seedFile).toBe('../world.yaml');
    expect(scenario.randomSeed).toBe('recorder-test');
    const calls = scenario.steps.filter((s) => s.call);
    expect(calls.filter((s) => s.params?.RegionId === 'cn-shanghai')).toHaveLength(6);
    expect(calls.some((s) => s.params?.RegionId === 'cn-hangzhou')).toBe(false);
    expect(calls.filter((s) => s.principal?.accessKeyId === PRINCIPAL)).toHaveLength(calls.length - 1);
    expect(calls.find((s) => s.call === 'DescribeAccountKmsStatus')?.principal).toBeUndefined();
    expect(calls.filter((s) => s.call === 'DescribeRegions')).toHaveLength(2);
    expect(scenario.steps.find((s) => s.seedFile)?.seedFile).toBe('session.seed-1.yaml');
    // The sidecar holds the seed as posted.
    expect(readFileSync(join(dir, 'rec', 'session.seed-1.yaml'), 'utf8')).toContain(SEEDED_MARKER);
    expect(scenario.steps.filter((s) => s.advance !== undefined).map((s) => s.advance)).toEqual(['8d']);
    expect(scenario.steps.filter((s) => s.fault).map((s) => s.fault)).toEqual([once, standing]);
    expect(scenario.steps.filter((s) => s.clearFaults)).toHaveLength(1);

    const result = await replay(out);
    expect(result.ok).toBe(true);
  });

  it('a fault rule removed by id and a dropped connection replay green', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-recorder-'));
    const out = join(dir, 'faults.yaml');
    const emulator = await recording(out);
    const kms = kmsClient(emulator);
    const add = async (rule: Record<string, unknown>): Promise<string> =>
      String((await control(emulator, 'POST', 'faults', rule)).faults[0].id);

    await add({ action: 'DescribeRegions', error: { code: 'Rejected.Throttling' }, times: 2 });
    await add({ action: 'DescribeAccountKmsStatus', drop: true, times: 1 });
    expect(await kms.fails('DescribeRegions')).toBe('Rejected.Throttling');
    // Dropped: the call is not replayed, and the spent drop rule must not catch a later call.
    await expect(kms.call('DescribeAccountKmsStatus')).rejects.toThrow();
    await kms.call('DescribeAccountKmsStatus');
    const standing = await add({
      action: 'DescribeAccountKmsStatus',
      error: { code: 'Rejected.Throttling' },
    });
    expect(await kms.fails('DescribeAccountKmsStatus')).toBe('Rejected.Throttling');
    expect((await control(emulator, 'DELETE', `faults/${standing}`)).removed).toBe(true);
    await kms.call('DescribeAccountKmsStatus');
    // The first rule had one firing left: exactly one more throttled call.
    expect(await kms.fails('DescribeRegions')).toBe('Rejected.Throttling');
    await kms.call('DescribeRegions');

    const scenario = recorded(out);
    expect(scenario.steps.filter((s) => s.clearFaults)).toHaveLength(2);
    expect(scenario.steps.filter((s) => s.call === 'DescribeAccountKmsStatus')).toHaveLength(3);
    const result = await replay(out);
    expect(result.ok).toBe(true);
  });

  it('time the session spent while work was scheduled, and a clock set later, replay green', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-recorder-'));
    const out = join(dir, 'time.yaml');
    // The clock runs with wall time; rotations stay ACSPending 1.5 s.
    const emulator = await recording(out, { quickMs: 1500 });
    const kms = kmsClient(emulator);
    const seed = readSeedFile(join(root, 'fixtures/seeds/rds-single-account.yaml'));
    delete seed.clock;
    expect((await control(emulator, 'POST', 'seed', seed)).status).toBe(200);

    await kms.call('RotateSecret', { SecretName: 'rds/app', VersionId: 'r1' });
    expect((await kms.call('GetSecretValue', { SecretName: 'rds/app' })).VersionId).toBe('v1');
    await new Promise((r) => setTimeout(r, 1700));
    expect((await kms.call('GetSecretValue', { SecretName: 'rds/app' })).VersionId).toBe('r1');

    // Freezing adds no step; setting the clock later is an advance.
    expect((await control(emulator, 'POST', 'clock', { freeze: true })).status).toBe(200);
    await kms.call('CreateSecret', { SecretName: 'gen/one', SecretData: SECRET_MARKER, VersionId: 'v1' });
    await kms.call('DeleteSecret', { SecretName: 'gen/one', RecoveryWindowInDays: 7 });
    const { epochMs } = await control(emulator, 'GET', 'clock');
    const later = new Date(epochMs + 8 * 86_400_000).toISOString();
    expect((await control(emulator, 'POST', 'clock', { set: later })).status).toBe(200);
    expect((await control(emulator, 'POST', 'clock', { resume: true })).status).toBe(200);
    expect(await kms.fails('DescribeSecret', { SecretName: 'gen/one' })).toBe('Forbidden.ResourceNotFound');

    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(SECRET_MARKER);
    expect(text).not.toContain('Initial#Passw0rd');
    const scenario = recorded(out);
    expect(scenario.steps[0]?.seed).toEqual({ rotation: { duration: '1500ms' } });
    const advances = scenario.steps.filter((s) => s.advance !== undefined);
    const lags = advances.filter((s) => s.name === 'time that passed in the session');
    expect(lags.length).toBeGreaterThan(0);
    // The rest is the clock set 8 days on; freezing and resuming added nothing.
    expect(advances.filter((s) => !lags.includes(s)).map((s) => String(s.advance))).toEqual([
      expect.stringMatching(/^8d/),
    ]);
    const result = await replay(out);
    expect(result.ok).toBe(true);
  });
});

describe('kms-emulator start --record', () => {
  // The CLI as built by `npm run build` (npm test builds first).
  it('names the seed file and random seed, and keeps region and principal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-recorder-cli-'));
    const world = writeWorld(dir);
    const out = join(dir, 'cli.yaml');
    const run = runCli([
      'start',
      '--port',
      '0',
      '--state',
      ':memory:',
      '--random-seed',
      'cli-recording',
      '--seed-file',
      world,
      '--record',
      out,
    ]);
    const url = await run.listening();
    try {
      const tenant = kmsClient({ url } as Emulator, { accessKeyId: PRINCIPAL, secret: PRINCIPAL_SECRET });
      await tenant.call('DescribeKey', { KeyId: KEY, RegionId: 'cn-shanghai' });
      await kmsClient({ url } as Emulator).call('DescribeAccountKmsStatus');
    } finally {
      await run.stop();
    }
    const scenario = recorded(out);
    expect(scenario.seedFile).toBe('world.yaml');
    expect(scenario.randomSeed).toBe('cli-recording');
    expect(scenario.steps[0]).toMatchObject({
      call: 'DescribeKey',
      principal: { accessKeyId: PRINCIPAL },
      params: { RegionId: 'cn-shanghai', KeyId: KEY },
    });
    expect(scenario.steps[1]?.principal).toBeUndefined();
    expect(readFileSync(out, 'utf8')).not.toContain(PRINCIPAL_SECRET);
    const result = await replay(out);
    expect(result.ok).toBe(true);
  });
});
