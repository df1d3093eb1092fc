import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import type { Logger } from '../src/log.js';
import type { CallRecord } from '../src/server.js';
import { AUDIT_BYTE_LIMIT, AUDIT_LIMIT, AuditJournal } from '../src/testkit/audit.js';
import { ScenarioRecorder } from '../src/testkit/recorder.js';
import { parseScenario, readScenarioFile, runScenario } from '../src/testkit/scenario.js';
import { kmsClient } from './helpers/client.js';

/**
 * #12 §4: every structure that grows per request is bounded — the audit journal by count and bytes
 * with compact records that keep no part of the request, and the `--record` recorder by steps and
 * bytes. (The nonce store's bounds are in hardening-nonces.test.ts; `scripts/fuzz.mjs` prints the
 * RSS of a long run.)
 */
const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulatorWith(logger?: Logger): Promise<Emulator> {
  const emulator = await startEmulator(logger ? { logger } : {});
  running.push(emulator);
  return emulator;
}

function call(i: number, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    requestId: `req-${i}`,
    product: 'Kms',
    version: '2016-01-20',
    action: 'DescribeSecret',
    params: { SecretName: `s-${i % 10}` },
    accessKeyId: 'LTAIaudit',
    accountId: '1234567890123456',
    regionId: 'cn-hangzhou',
    status: 404,
    code: 'AuditTest.NotACode',
    durationMs: 0,
    ...overrides,
  };
}

describe('audit journal bounds', () => {
  it('keeps at most 20,000 events, the newest, and counts what they hold', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    expect(AUDIT_LIMIT).toBe(20_000);
    for (let i = 0; i < 25_000; i++) journal.after(call(i));
    expect(journal.size).toBe(20_000);
    const all = journal.query();
    expect(all[0]?.requestId).toBe('req-5000');
    expect(all.at(-1)?.requestId).toBe('req-24999');
    expect(journal.bytes).toBeGreaterThan(0);
    expect(journal.bytes).toBeLessThanOrEqual(AUDIT_BYTE_LIMIT);
    journal.clear();
    expect(journal.size).toBe(0);
    expect(journal.bytes).toBe(0);
  });

  it('caps the bytes when every field is long and unique, cutting each field to 256 characters', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    const tail = 'é'.repeat(1000);
    const long = (i: number, tag: string) => `${tag}-${i}-${tail}`;
    for (let i = 0; i < 12_000; i++) {
      journal.after(
        call(i, {
          action: long(i, 'Action'),
          accessKeyId: long(i, 'ak'),
          regionId: long(i, 'region'),
          params: { SecretName: long(i, 'name'), VersionId: long(i, 'v') },
          code: long(i, 'code'),
        }),
      );
    }
    expect(journal.bytes).toBeLessThanOrEqual(AUDIT_BYTE_LIMIT);
    expect(AUDIT_BYTE_LIMIT).toBeLessThanOrEqual(12 * 1024 * 1024);
    // Each event is charged at least its fields' 2 bytes a character: fewer than 12,000 fit.
    expect(journal.size).toBeLessThan(12_000);
    expect(journal.size).toBeGreaterThan(1000);
    const last = journal.query().at(-1);
    for (const field of [
      'action',
      'accessKeyId',
      'regionId',
      'resourceArn',
      'secretVersionId',
      'code',
    ] as const) {
      expect(last?.[field]?.length, field).toBeLessThanOrEqual(256);
    }
    expect(last?.action.startsWith('Action-11999-')).toBe(true);
  });

  it('holds one small record per call: no params, no result, a known action as the registry names it', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    const params = { SecretName: 'db', VersionId: 'v1', SecretData: 'x'.repeat(1000) };
    journal.after(
      call(1, {
        action: `${'DescribeSecret'}`,
        params,
        status: 200,
        code: undefined,
        result: { VersionId: 'v1', Huge: 'y'.repeat(10_000) },
      }),
    );
    // Held as numbers in typed arrays, plus one copy of each distinct text: nothing else.
    const inside = journal as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(inside)) {
      if (name === 'world' || name === 'texts' || name === 'otherIds') continue;
      if (name === 'cols') {
        for (const [column, array] of Object.entries(value as object)) {
          expect(ArrayBuffer.isView(array), column).toBe(true);
        }
        continue;
      }
      expect(typeof value === 'number' || ArrayBuffer.isView(value), name).toBe(true);
    }
    const texts = (inside.texts as { texts: Array<string | undefined> }).texts;
    for (const value of texts) if (value !== undefined) expect(value.length).toBeLessThanOrEqual(256);
    expect(texts).not.toContain(params.SecretData);
    expect((inside.otherIds as Map<number, string>).get(0)).toBe('req-1');
    expect(journal.query()[0]).toMatchObject({
      action: 'DescribeSecret',
      secretVersionId: 'v1',
      code: 'Success',
    });
    expect(JSON.stringify(journal.query())).not.toContain('xxxx');
  });

  it('keeps UUID request IDs as 16 bytes, in their case, and forgets the texts of dropped events', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    const upper = '0A1B2C3D-4E5F-4A6B-8C7D-8E9FA0B1C2D3';
    const lower = 'ffffffff-0000-4000-8000-000000000001';
    journal.after(call(0, { requestId: upper }));
    journal.after(call(1, { requestId: lower }));
    journal.after(call(2, { requestId: 'gw-ABC' }));
    expect(journal.query().map((e) => e.requestId)).toEqual([upper, lower, 'gw-ABC']);
    const texts = (journal as unknown as { texts: { size: number } }).texts;
    // Past the cap, each event's own texts (here its resource ARN) go with it: what is held follows
    // the live events, not every event ever seen.
    for (let i = 0; i < AUDIT_LIMIT + 5000; i++) {
      journal.after(
        call(i, {
          requestId: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
          params: { SecretName: `s-${i}` },
          code: undefined,
          status: 200,
        }),
      );
    }
    expect(journal.size).toBe(AUDIT_LIMIT);
    expect(texts.size).toBeLessThanOrEqual(AUDIT_LIMIT + 10);
    const all = journal.query();
    expect(all[0]?.requestId).toBe('00005000-0000-4000-8000-000000000000');
    expect(all.at(-1)?.requestId).toBe(
      `${String(AUDIT_LIMIT + 4999).padStart(8, '0')}-0000-4000-8000-000000000000`,
    );
    journal.clear();
    expect(texts.size).toBe(0);
  });

  it('keeps the order when the ring grows after the byte cap has dropped its oldest events', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    const long = (i: number, tag: string) => `${tag}-${i}-${'é'.repeat(300)}`;
    // Long events first: the byte cap drops from the front while the ring is not yet full...
    for (let i = 0; i < 4000; i++) {
      journal.after(
        call(i, {
          accessKeyId: long(i, 'ak'),
          accountId: long(i, 'acct'),
          regionId: long(i, 'region'),
          applicationAccessPoint: long(i, 'aap'),
          params: { SecretName: long(i, 'name'), VersionId: long(i, 'v') },
        }),
      );
    }
    // ...then short ones fill it, so it grows with its oldest event in the middle.
    for (let i = 4000; i < 12_000; i++) journal.after(call(i));
    const ids = journal.query().map((e) => Number(e.requestId.slice(4)));
    expect(ids.length).toBe(journal.size);
    expect(ids.at(-1)).toBe(11_999);
    expect(ids.every((id, k) => k === 0 || id === (ids[k - 1] as number) + 1)).toBe(true);
    expect(ids[0] as number).toBeLessThan(4000);
  });

  it('builds only the page asked for, with the total of all that match', async () => {
    const emulator = await emulatorWith();
    const journal = new AuditJournal(() => emulator.world);
    for (let i = 0; i < 100; i++) journal.after(call(i, { code: i % 2 ? 'A' : 'B' }));
    const page = journal.page({ code: 'A' }, 10, 5);
    expect(page.total).toBe(50);
    expect(page.events.map((e) => e.requestId)).toEqual(['req-21', 'req-23', 'req-25', 'req-27', 'req-29']);
  });
});

describe('recorder bounds', () => {
  function capture(): { logger: Logger; warnings: string[] } {
    const warnings: string[] = [];
    const noop = () => {};
    const logger = {
      debug: noop,
      info: noop,
      error: noop,
      isLevelEnabled: () => true,
      warn: (...args: unknown[]) => warnings.push(args.filter((a) => typeof a === 'string').join(' ')),
    } as unknown as Logger;
    return { logger, warnings };
  }

  it('stops at maxSteps: the file keeps what fits, says it was cut, logs once, and replays green', async () => {
    const { logger, warnings } = capture();
    const emulator = await emulatorWith(logger);
    const out = join(mkdtempSync(join(tmpdir(), 'kms-rec-bound-')), 'session.yaml');
    const recorder = new ScenarioRecorder(out, { emulator, maxSteps: 3 });
    emulator.observers.add(recorder);
    const client = kmsClient(emulator);
    for (let i = 0; i < 6; i++) await client.call('DescribeRegions');
    const written = parseScenario(readFileSync(out, 'utf8'), out);
    expect(written.steps).toHaveLength(3);
    expect(written.name).toMatch(/truncated after step 3: it reached 3 steps/);
    expect(recorder.truncation).toMatch(/3 steps/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/recording .*session\.yaml stopped: it reached 3 steps/);
    expect((await runScenario(readScenarioFile(out))).ok).toBe(true);
  });

  it('stops before a step would take it past maxBytes', async () => {
    const { logger, warnings } = capture();
    const emulator = await emulatorWith(logger);
    const out = join(mkdtempSync(join(tmpdir(), 'kms-rec-bound-')), 'session.yaml');
    emulator.observers.add(new ScenarioRecorder(out, { emulator, maxBytes: 4096 }));
    const client = kmsClient(emulator);
    await client.call('DescribeRegions');
    // A call whose step alone (its description) is past the bound.
    await client.call('CreateKey', { Description: 'd'.repeat(8000) });
    await client.call('DescribeRegions');
    const written = parseScenario(readFileSync(out, 'utf8'), out);
    expect(written.steps.map((s) => s.call)).toEqual(['DescribeRegions']);
    expect(written.name).toMatch(/it reached 4096 bytes/);
    expect(readFileSync(out, 'utf8').length).toBeLessThan(4096);
    expect(warnings).toHaveLength(1);
  });
});
