import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from '../src/index.js';
import { parseScenario, runScenario, ScenarioError } from '../src/testkit/scenario.js';
import { cliPath, runCli } from './helpers/cli.js';

const root = resolve(import.meta.dirname, '..');
const cli = cliPath;

describe('scenarios', () => {
  it('runs the shipped fixture green through the exported runner', async () => {
    const { readScenarioFile } = await import('../src/testkit/scenario.js');
    const result = await runScenario(readScenarioFile(join(root, 'fixtures/scenarios/service-basics.yaml')));
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(11);
  });

  it('reports each failing step with a readable diff', async () => {
    const scenario = parseScenario(
      `
steps:
  - call: DescribeAccountKmsStatus
    expect: { body: { AccountStatus: Suspended } }
  - call: OpenKmsService
  - expectAudit: { action: Encrypt, count: 1 }
`,
      'inline',
    );
    const result = await runScenario(scenario);
    expect(result.ok).toBe(false);
    expect(result.steps[0]?.problems).toEqual(['AccountStatus: expected "Suspended", got "Enabled"']);
    expect(result.steps[1]?.problems[0]).toMatch(/^expected success, got HTTP 400 Forbidden.Opened/);
    expect(result.steps[2]?.problems[0]).toContain('expected 1 event(s), found 0');
  });

  it('refuses a malformed scenario, naming the step', () => {
    expect(() => parseScenario('steps:\n  - call: X\n    advance: 1h\n', 'f.yaml')).toThrow(ScenarioError);
    expect(() => parseScenario('steps:\n  - call: X\n    advance: 1h\n', 'f.yaml')).toThrow(
      /f\.yaml: \/steps\/0: /,
    );
    expect(() => parseScenario('steps: 3\n', 'g.yaml')).toThrow(/g\.yaml: \/steps: must be array/);
  });

  it('kms-emulator replay prints pass/fail per step and exits non-zero on failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-scn-'));
    const failing = join(dir, 'failing.yaml');
    writeFileSync(
      failing,
      'name: failing\nsteps:\n  - call: OpenKmsService\n    expect: { code: Forbidden.NoPermission }\n',
    );
    const bad = spawnSync(process.execPath, [cli, 'replay', failing], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('FAIL  1. call OpenKmsService');
    expect(bad.stdout).toContain('code: expected Forbidden.NoPermission, got Forbidden.Opened');
    const good = spawnSync(
      process.execPath,
      [cli, 'replay', join(root, 'fixtures/scenarios/service-basics.yaml')],
      {
        encoding: 'utf8',
      },
    );
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('replay: 11 passed, 0 failed');
    const managed = spawnSync(
      process.execPath,
      [cli, 'replay', join(root, 'fixtures/scenarios/ram-credentials-rotation.yaml')],
      { encoding: 'utf8' },
    );
    expect(managed.status).toBe(0);
    expect(managed.stdout).toContain('pass  10. after 48 h it is deleted from the RAM user');
    const credential = join(dir, 'credential.yaml');
    writeFileSync(
      credential,
      [
        'seed:',
        '  backingResources: { ramUsers: [{ userName: bot, accessKeys: [{ accessKeyId: LTAIbot, accessKeySecret: bot-secret }] }] }',
        'steps:',
        '  - expectCredential: { AccessKeyId: LTAIbot, AccessKeySecret: bot-secret, valid: false }',
        '',
      ].join('\n'),
    );
    const wrong = spawnSync(process.execPath, [cli, 'replay', credential], { encoding: 'utf8' });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain(
      'credential {"AccessKeyId":"LTAIbot","AccessKeySecret":"***"}: expected invalid, it is valid',
    );
    expect(wrong.stdout).not.toContain('bot-secret');
  });

  it('records a session made by a real client into a scenario that replays green', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-rec-'));
    const out = join(dir, 'recorded.yaml');
    const run = runCli(['start', '--port', '0', '--state', ':memory:', '--record', out]);
    const url = await run.listening();
    try {
      const client = new RPCClient({
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
        endpoint: url,
        apiVersion: '2016-01-20',
      });
      await client.request('DescribeRegions', {});
      await client.request('DescribeAccountKmsStatus', {}, { method: 'POST' });
      await expect(client.request('OpenKmsService', {})).rejects.toMatchObject({ code: 'Forbidden.Opened' });
    } finally {
      await run.stop();
    }
    const recorded = readFileSync(out, 'utf8');
    expect(recorded).toContain('call: DescribeRegions');
    expect(recorded).toContain('code: Forbidden.Opened');
    expect(recorded).not.toContain('RequestId');
    expect(recorded).not.toContain('Signature');
    const replay = spawnSync(process.execPath, [cli, 'replay', out], { encoding: 'utf8' });
    expect(replay.stdout).toContain('replay: 3 passed, 0 failed');
    expect(replay.status).toBe(0);
  });
});

describe('scenarios and RAM identities (#25 §9)', () => {
  it('a step acts as a named RAM user: denied, then allowed once the root attaches a policy', async () => {
    const scenario = parseScenario(
      `
steps:
  - call: CreateKey
    save: { key: KeyMetadata.KeyId }
  - { call: CreateUser, product: Ram, params: { UserName: app } }
  - { call: CreateAccessKey, product: Ram, params: { UserName: app } }
  - name: the user may not encrypt yet
    call: Encrypt
    principal: { user: app }
    params: { KeyId: "\${key}", Plaintext: aGk= }
    expect: { status: 403, code: Forbidden.NoPermission }
  - { call: AttachPolicyToUser, product: Ram, params: { PolicyType: System, PolicyName: AliyunKMSCryptoUserAccess, UserName: app } }
  - call: Encrypt
    principal: { user: app }
    params: { KeyId: "\${key}", Plaintext: aGk= }
  - { expectAudit: { action: Encrypt, code: Forbidden.NoPermission, count: 1 } }
`,
      'inline',
    );
    const result = await runScenario(scenario);
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.steps).toHaveLength(7);
  });
});
