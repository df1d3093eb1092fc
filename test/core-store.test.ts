import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Emulator } from '../src/index.js';
import { readStateFile, SCHEMA_VERSION, StateFileError, Store } from '../src/store/store.js';
import { crashImage } from './helpers/crash-image.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kms-store-'));

describe('Store', () => {
  it('a transaction that throws leaves no write behind, in memory or in the journal', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file });
    await store.open();
    const things = store.table<{ n: number }>('things');
    things.put('p', 'a', { n: 1 });
    expect(() =>
      store.transaction(() => {
        things.put('p', 'a', { n: 2 });
        things.put('p', 'b', { n: 3 });
        things.delete('p', 'a');
        throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    expect(things.get('p', 'a')).toEqual({ n: 1 });
    expect(things.get('p', 'b')).toBeUndefined();
    const kept = Object.assign(new Error('recorded failure'), { keepChanges: true });
    expect(() =>
      store.transaction(() => {
        things.put('p', 'c', { n: 4 });
        throw kept;
      }),
    ).toThrow('recorded failure');
    await store.commit();
    const again = new Store({ file });
    await again.open();
    const reloaded = again.table<{ n: number }>('things');
    expect(
      reloaded
        .list('p')
        .map((t) => t.n)
        .sort(),
    ).toEqual([1, 4]);
    await again.close();
    await store.close();
  });

  it('reloads everything after a restart, from snapshot and journal', async () => {
    const file = join(dir(), 'state.json');
    const first = new Store({ file, compactEvery: 3 });
    await first.open();
    const things = first.table<{ n: number }>('things');
    for (let n = 0; n < 5; n++) things.put('acct/cn-hangzhou', `t${n}`, { n });
    things.delete('acct/cn-hangzhou', 't0');
    await first.commit();
    // Not closed: the process might have died here. What was committed must survive.
    const image = crashImage(file);
    const second = new Store({ file: image });
    await second.open();
    const reloaded = second.table<{ n: number }>('things');
    expect(
      reloaded
        .list('acct/cn-hangzhou')
        .map((t) => t.n)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
    expect(reloaded.get('acct/cn-hangzhou', 't0')).toBeUndefined();
    await second.close();
    expect(JSON.parse(readFileSync(image, 'utf8')).schemaVersion).toBe(SCHEMA_VERSION);
    const snapshot = readStateFile(image);
    expect(Object.keys(snapshot.things?.['acct/cn-hangzhou'] ?? {}).sort()).toEqual(['t1', 't2', 't3', 't4']);
    expect(readFileSync(`${image}.journal`, 'utf8')).toBe('');
    await first.close();
  });

  it('appends to the journal without rewriting the snapshot on every write', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 1000 });
    await store.open();
    const table = store.table<{ v: string }>('big');
    for (let i = 0; i < 200; i++) table.put('p', `id${i}`, { v: 'x'.repeat(100) });
    await store.commit();
    const journalLines = readFileSync(`${file}.journal`, 'utf8').trim().split('\n');
    expect(journalLines).toHaveLength(200);
    table.put('p', 'one-more', { v: 'y' });
    await store.commit();
    expect(readFileSync(`${file}.journal`, 'utf8').trim().split('\n')).toHaveLength(201);
    await store.close();
  });

  it('returns copies, so a record changes only through put', async () => {
    const store = new Store();
    await store.open();
    const table = store.table<{ n: number }>('t');
    table.put('p', 'a', { n: 1 });
    const copy = table.get('p', 'a');
    if (copy) copy.n = 99;
    expect(table.get('p', 'a')?.n).toBe(1);
  });

  it('ignores a torn final journal line (an unacknowledged write)', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, tables: {} }));
    writeFileSync(`${file}.journal`, '{"t":"x","p":"p","id":"a","v":1}\n{"t":"x","p":"p","id":"b","v');
    const store = new Store({ file });
    await store.open();
    expect(store.table('x').list('p')).toEqual([1]);
    await store.close();
  });

  it('refuses a corrupt file, naming it', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, '{"schemaVersion": 1, "tables": ');
    await expect(new Store({ file }).open()).rejects.toThrow(StateFileError);
    await expect(new Store({ file }).open()).rejects.toThrow(file);
  });

  it('refuses a file from a newer emulator, naming it', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 99, tables: {} }));
    await expect(new Store({ file }).open()).rejects.toThrow(/schemaVersion 99.*newer/);
    await expect(Emulator.create({ state: file, logLevel: 'silent' })).rejects.toThrow(file);
  });

  it('refuses a JSON file that is not a state file', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    await expect(new Store({ file }).open()).rejects.toThrow(/not an alibaba-kms-emulator state file/);
  });

  it('keeps the emulator state and virtual clock across a restart', async () => {
    const file = join(dir(), 'state.json');
    const first = await Emulator.create({ state: file, logLevel: 'silent' });
    first.world.accounts.setStatus('1234567890123456', 'NotEnabled');
    first.world.clock.set(first.world.clock.now() + 10 * 24 * 3600_000);
    first.saveClock();
    await first.store.commit();
    const expected = first.world.clock.now();
    await first.close();
    const second = await Emulator.create({ state: file, logLevel: 'silent' });
    expect(second.world.accounts.status('1234567890123456')).toBe('NotEnabled');
    expect(Math.abs(second.world.clock.now() - expected)).toBeLessThan(5000);
    await second.close();
  });
});
