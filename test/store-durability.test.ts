import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emulator } from '../src/index.js';
import { readStateFile, Store } from '../src/store/store.js';
import { kmsClient } from './helpers/client.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kms-durable-'));
const mode = (path: string) => statSync(path).mode & 0o777;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Store durability', () => {
  it('cuts a torn journal tail at start-up and says so, so the next acknowledged write survives a restart', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, tables: {} }));
    const journal = `${file}.journal`;
    const complete = '{"t":"x","p":"p","id":"a","v":1}\n';
    writeFileSync(journal, `${complete}{"t":"x","p":"p","id":"b","v`);
    const warnings: string[] = [];
    const first = new Store({ file, warn: (m) => warnings.push(m) });
    await first.open();
    expect(readFileSync(journal, 'utf8')).toBe(complete);
    expect(warnings.join('\n')).toMatch(/torn/);
    first.table<number>('x').put('p', 'c', 3);
    await first.commit();
    // The process dies here (no close): what was acknowledged must be read back, twice.
    const expected = [1, 3];
    for (let restart = 0; restart < 2; restart++) {
      const again = new Store({ file });
      await again.open();
      expect(
        again
          .table<number>('x')
          .list('p')
          .sort((a, b) => a - b),
      ).toEqual(expected);
      expected.push(10 + restart);
      again.table<number>('x').put('p', `r${restart}`, 10 + restart);
      await again.commit();
    }
  });

  it('shares one fdatasync among concurrent writers (group commit)', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 1_000_000 });
    await store.open();
    const table = store.table<{ n: number }>('t');
    const writers = 16;
    const rounds = 20;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let r = 0; r < rounds; r++) {
          store.transaction(() => table.put('p', `${w}-${r}`, { n: r }));
          await store.commit();
        }
      }),
    );
    const syncs = store.stats.journalSyncs;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThanOrEqual((writers * rounds) / 4);
    await store.close();
    const again = new Store({ file });
    await again.open();
    expect(again.table('t').count('p')).toBe(writers * rounds);
    await again.close();
  });

  it('groups the flushes of concurrent PutSecretValue calls through HTTP, each acknowledged write durable', async () => {
    const file = join(dir(), 'state.json');
    const emulator = await (await Emulator.create({ state: file, port: 0, logLevel: 'silent' })).listen();
    try {
      const { call } = kmsClient(emulator);
      await call('CreateSecret', { SecretName: 'first', SecretData: 'v0', VersionId: 'v0' });
      const before = emulator.store.stats.journalSyncs;
      const calls = 64;
      await Promise.all(
        Array.from({ length: calls }, (_, i) =>
          call('CreateSecret', { SecretName: `s${i}`, SecretData: `v${i}`, VersionId: 'v1' }),
        ),
      );
      const syncs = emulator.store.stats.journalSyncs - before;
      expect(syncs).toBeGreaterThan(0);
      expect(syncs).toBeLessThan(calls / 2);
    } finally {
      await emulator.close();
    }
    // Every acknowledged write is there after a restart.
    const restarted = await Emulator.create({ state: file, logLevel: 'silent' });
    expect(restarted.world.store.table('secrets').count()).toBe(65);
    await restarted.close();
  });

  it('makes the new snapshot and its directory durable before the journal goes; state files are 0600', async () => {
    const file = join(dir(), 'state.json');
    const journal = `${file}.journal`;
    const probe = await open(file, 'w');
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const syncs: Array<{ journalEntries: number; tempMode: number | undefined }> = [];
    const original = handleProto.sync;
    vi.spyOn(handleProto, 'sync').mockImplementation(async function (this: unknown) {
      const entries = existsSync(journal)
        ? readFileSync(journal, 'utf8').split('\n').filter(Boolean).length
        : 0;
      syncs.push({
        journalEntries: entries,
        tempMode: existsSync(`${file}.tmp`) ? mode(`${file}.tmp`) : undefined,
      });
      return original.call(this);
    });
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, tables: {} }));
    const store = new Store({ file, compactEvery: 10 });
    await store.open();
    const table = store.table<{ n: number }>('t');
    for (let n = 0; n < 10; n++) {
      table.put('p', `r${n}`, { n });
      await store.commit();
    }
    await vi.waitFor(() => expect(readFileSync(journal, 'utf8')).toBe(''), { timeout: 5000 });
    await vi.waitFor(() => expect(existsSync(`${file}.journal.next`)).toBe(false), { timeout: 5000 });
    // The snapshot's temp file and then the directory were synced while the old journal still held the writes.
    const whileJournalHeld = syncs.filter((s) => s.journalEntries === 10);
    expect(whileJournalHeld.length).toBeGreaterThanOrEqual(2);
    expect(whileJournalHeld[0]?.tempMode).toBe(0o600);
    expect(Object.keys(readStateFile(file).t?.p ?? {})).toHaveLength(10);
    expect(mode(file)).toBe(0o600);
    expect(mode(journal)).toBe(0o600);
    await store.close();
    expect(mode(file)).toBe(0o600);
    expect(mode(journal)).toBe(0o600);
  });

  it('creates the state file and journal 0600 on first start', async () => {
    const file = join(dir(), 'state.json');
    const emulator = await Emulator.create({ state: file, logLevel: 'silent' });
    emulator.saveClock();
    await emulator.store.commit();
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}.journal`)).toBe(0o600);
    await emulator.close();
    expect(mode(file)).toBe(0o600);
  });

  it('keeps writes acknowledged during a compaction, whatever instant the process dies at', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 50 });
    await store.open();
    const table = store.table<{ n: number }>('t');
    for (let n = 0; n < 400; n++) {
      table.put('p', `r${n}`, { n });
      await store.commit();
      if (n % 37 === 0) {
        // A copy of the files as they are right now, loaded as a restart after a crash would.
        const crashed = join(dir(), 'state.json');
        for (const suffix of ['', '.journal', '.journal.next']) {
          if (existsSync(`${file}${suffix}`))
            writeFileSync(`${crashed}${suffix}`, readFileSync(`${file}${suffix}`));
        }
        const restarted = new Store({ file: crashed });
        await restarted.open();
        expect(restarted.table('t').count('p')).toBe(n + 1);
        await restarted.close();
      }
    }
    await store.close();
  });
});
