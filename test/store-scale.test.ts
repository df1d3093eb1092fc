import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBlock, decodeColumn, encodeBlock, encodeColumn } from '../src/store/columns.js';
import { type Index, readStateFile, SCHEMA_VERSION, StateFileError, Store } from '../src/store/store.js';
import { crashImage } from './helpers/crash-image.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kms-store-scale-'));

/** A small deterministic generator of JSON values of every kind the codec distinguishes. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth > 2 || roll < 0.5) {
      return pick<() => unknown>([
        () => Math.floor(next() * 1e6),
        () => 1_796_169_037_561 + Math.floor(next() * 1000),
        () => next() * 10 - 5,
        () => pick(['Enabled', 'Disabled', '', 'a fairly long shared string that repeats across records']),
        () => `unique-${Math.floor(next() * 1e9)}-${'x'.repeat(Math.floor(next() * 40))}`,
        () => pick([true, false, null]),
      ])();
    }
    if (roll < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (const key of ['a', 'b', 'versions', 'policy', '__proto__', '1', 'ünïcode'])
      if (next() < 0.5)
        Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true });
    return out;
  };
  return { value, next };
}

describe('Snapshot column codec', () => {
  it('gives back exactly what JSON would, for records of any shape', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { value } = generator(seed);
      const entries = Array.from({ length: 1 + (seed % 7) * 40 }, (_, i) => [`id${i}`, value(0)] as const);
      const block = JSON.parse(JSON.stringify(encodeBlock(entries)));
      const back = decodeBlock(block);
      // What a plain JSON round trip gives is the reference (own __proto__ fields included).
      expect(back).toEqual(JSON.parse(JSON.stringify(entries)));
      // Field order too (responses are built from records): the same text as the JSON round trip.
      expect(JSON.stringify(back)).toBe(JSON.stringify(entries));
      for (const [, record] of back) expect(Object.isFrozen(record)).toBe(true);
      const reference = JSON.parse(JSON.stringify(entries)) as Array<[string, unknown]>;
      back.forEach(([, record], i) => {
        const expected = reference[i]?.[1];
        if (expected && typeof expected === 'object' && Object.hasOwn(expected, '__proto__')) {
          expect(Object.hasOwn(record as object, '__proto__')).toBe(true);
          expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        }
      });
    }
  });

  it('writes repeated values once, timestamps as deltas, and a long shared prefix once', () => {
    const policy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Resource: ['*'] }] });
    const records = Array.from({ length: 100 }, (_, i) => ({
      policy,
      created: 1_796_169_037_561 + i * 3,
      blob: `S0VCMSQxNGU5ZjFmNi1mNzU4LTRkNTktYmEwZi1l${i.toString(36).padStart(8, '0')}`,
    }));
    const column = encodeColumn(records);
    const text = JSON.stringify(column);
    expect(text.split(policy.slice(1, -1).replace(/"/g, '\\"')).length - 1).toBe(1);
    expect(text).not.toContain('1796169037564');
    expect(text.split('S0VCMSQxNGU5ZjFmNi1mNzU4').length - 1).toBe(1);
    const back = decodeColumn(JSON.parse(text), 100) as typeof records;
    expect(back).toEqual(records);
  });

  it('refuses a block that does not add up, and a state file holding one names the file', async () => {
    const entries = [
      ['a', { n: 1 }],
      ['b', { n: 2 }],
      ['c', { n: 3 }],
    ] as const;
    const block = JSON.parse(JSON.stringify(encodeBlock(entries)));
    block.n = 4;
    expect(() => decodeBlock(block)).toThrow(/wrong length/);
    const file = join(dir(), 'state.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 2, tables: { t: { p: [block] } } }));
    await expect(new Store({ file }).open()).rejects.toThrow(StateFileError);
    await expect(new Store({ file }).open()).rejects.toThrow(file);
  });
});

interface Item {
  at: number;
  name: string;
  policy: string;
}
const BY_AT: Index<Item> = { compare: (a, b) => a.at - b.at || (a.name < b.name ? -1 : 1) };
const POLICY = `{"Version":"1","Statement":[{"Sid":"kms default key policy","Effect":"Allow"}]}`;

describe('Store at scale', () => {
  it('reads back after a restart what was written, in columns, in order, decoding only what is read', async () => {
    const file = join(dir(), 'state.json');
    const first = new Store({ file, compactEvery: 100_000 });
    await first.open();
    const table = first.table<Item>('items');
    for (let i = 0; i < 1200; i++) table.put('p', `n${i}`, { at: 1000 + i, name: `n${i}`, policy: POLICY });
    await first.close();
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text).schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(3);
    // Field names and the shared policy are written per block, not per record.
    expect(text.split('"policy"').length - 1).toBeLessThan(10);
    expect(text.length).toBeLessThan(1200 * 40);

    const second = new Store({ file });
    await second.open();
    const again = second.table<Item>('items');
    expect(again.count('p')).toBe(1200);
    expect(again.get('p', 'n7')).toEqual({ at: 1007, name: 'n7', policy: POLICY });
    expect(again.peek('p', 'n1199')?.at).toBe(2199);
    expect(Object.isFrozen(again.peek('p', 'n7'))).toBe(true);
    expect(
      again
        .ordered('p', BY_AT)
        .slice(500, 503)
        .map((i) => i.name),
    ).toEqual(['n500', 'n501', 'n502']);
    expect(again.list('p').map((i) => i.name)).toEqual(Array.from({ length: 1200 }, (_, i) => `n${i}`));
    again.delete('p', 'n3');
    again.put('p', 'n4', { at: 1, name: 'n4', policy: 'changed' });
    await second.close();

    const third = new Store({ file });
    await third.open();
    const last = third.table<Item>('items');
    expect(last.get('p', 'n3')).toBeUndefined();
    expect(last.get('p', 'n4')?.policy).toBe('changed');
    expect(last.ordered('p', BY_AT)[0]?.name).toBe('n4');
    expect(last.count('p')).toBe(1199);
    await third.close();
  });

  it('writes back a block nobody read as it was, and decodes the ones that were read', async () => {
    const file = join(dir(), 'state.json');
    const first = new Store({ file });
    await first.open();
    const table = first.table<Item>('items');
    for (let i = 0; i < 600; i++) table.put('p', `n${i}`, { at: i, name: `n${i}`, policy: POLICY });
    await first.close();
    const second = new Store({ file });
    await second.open();
    // One record read and one changed: the next snapshot must still hold every record exactly.
    expect(second.table<Item>('items').get('p', 'n10')?.at).toBe(10);
    second.table<Item>('items').put('p', 'n599', { at: -1, name: 'n599', policy: POLICY });
    await second.close();
    const records = readStateFile(file).items?.p ?? {};
    expect(Object.keys(records)).toHaveLength(600);
    expect(records.n300).toEqual({ at: 300, name: 'n300', policy: POLICY });
    expect(records.n599).toEqual({ at: -1, name: 'n599', policy: POLICY });
  });

  it('loads a schema 1 state file (one object per record) and rewrites it as schema 3', async () => {
    const file = join(dir(), 'state.json');
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        tables: {
          items: { p: { a: { at: 1, name: 'a', policy: POLICY }, b: { at: 2, name: 'b', policy: '' } } },
        },
      }),
    );
    writeFileSync(
      `${file}.journal`,
      `${JSON.stringify({ t: 'items', p: 'p', id: 'c', v: { at: 3, name: 'c' } })}\n`,
    );
    const store = new Store({ file });
    await store.open();
    const table = store.table<Item>('items');
    expect(table.ordered('p', BY_AT).map((i) => i.name)).toEqual(['a', 'b', 'c']);
    await store.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(3);
    expect(readStateFile(file).items?.p).toEqual({
      a: { at: 1, name: 'a', policy: POLICY },
      b: { at: 2, name: 'b', policy: '' },
      c: { at: 3, name: 'c' },
    });
  });

  it('cuts a torn journal tail after a schema 2 snapshot and keeps every acknowledged write', async () => {
    const file = join(dir(), 'state.json');
    const first = new Store({ file });
    await first.open();
    for (let i = 0; i < 300; i++)
      first.table<Item>('items').put('p', `n${i}`, { at: i, name: `n${i}`, policy: POLICY });
    await first.close();
    const writer = new Store({ file });
    await writer.open();
    writer.table<Item>('items').put('p', 'late', { at: 999, name: 'late', policy: POLICY });
    await writer.commit();
    // The process dies in the middle of the next append.
    appendFileSync(`${file}.journal`, '{"t":"items","p":"p","id":"torn","v":{"at":');
    const warnings: string[] = [];
    const second = new Store({ file, warn: (m) => warnings.push(m) });
    await second.open();
    const table = second.table<Item>('items');
    expect(table.get('p', 'late')?.at).toBe(999);
    expect(table.get('p', 'torn')).toBeUndefined();
    expect(table.count('p')).toBe(301);
    expect(warnings.join()).toMatch(/torn last record/);
    table.put('p', 'after', { at: 1000, name: 'after', policy: POLICY });
    await second.commit();
    const third = new Store({ file });
    await third.open();
    expect(third.table<Item>('items').get('p', 'after')?.at).toBe(1000);
    expect(third.table<Item>('items').count('p')).toBe(302);
    await third.close();
    await writer.close().catch(() => undefined);
  });

  it('compacts while writes go on: every acknowledged write survives a crash at any point after', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 50 });
    await store.open();
    const table = store.table<Item>('items');
    const acknowledged = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 16 }, async (_, k) => {
          const id = `n${(round * 16 + k) % 200}`;
          const at = round * 100 + k;
          table.put('p', id, { at, name: id, policy: POLICY });
          await store.commit();
          acknowledged.set(id, at);
        }),
      );
      // A restart from what is on disk now (no close: as after a crash) holds every acknowledged write.
      if (round % 5 === 4) {
        const reader = new Store({ file: crashImage(file) });
        await reader.open();
        for (const [id, at] of acknowledged) expect(reader.table<Item>('items').peek('p', id)?.at).toBe(at);
        await reader.close();
      }
    }
    expect(store.stats.compactions).toBeGreaterThan(0);
    await store.close();
    const reopened = new Store({ file });
    await reopened.open();
    for (const [id, at] of acknowledged) expect(reopened.table<Item>('items').peek('p', id)?.at).toBe(at);
    await reopened.close();
  });

  it('compacts a large store less often: after a quarter as many writes as it holds records', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 10, fsync: false });
    await store.open();
    const table = store.table<{ n: number }>('t');
    for (let i = 0; i < 400; i++) table.put('p', `r${i}`, { n: i });
    await store.commit();
    await store.close();
    const again = new Store({ file, compactEvery: 10, fsync: false });
    await again.open();
    const before = again.stats.compactions;
    // 400 records: compaction waits for 100 journal entries, not 10.
    for (let i = 0; i < 90; i++) {
      again.table<{ n: number }>('t').put('p', `r${i}`, { n: -i });
      await again.commit();
    }
    expect(again.stats.compactions).toBe(before);
    for (let i = 0; i < 20; i++) {
      again.table<{ n: number }>('t').put('p', `r${i}`, { n: i });
      await again.commit();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(again.stats.compactions).toBeGreaterThan(before);
    await again.close();
  });

  it('stores a long string many records repeat, and ones that collide in its cache, unchanged', () => {
    const store = new Store();
    const table = store.table<Item>('items');
    const strings = Array.from(
      { length: 300 },
      (_, i) => `${POLICY}${i % 7 === 0 ? '' : String(i).padStart(3, '0')}`,
    );
    for (let i = 0; i < 300; i++)
      table.put('p', `n${i}`, { at: i, name: `n${i}`, policy: strings[i] as string });
    for (let i = 0; i < 300; i++) expect(table.peek('p', `n${i}`)?.policy).toBe(strings[i]);
  });
});

describe('Schema 3 snapshot (indexed blocks, parsed on use)', () => {
  const fill = async (file: string, partitions: Record<string, number>) => {
    const store = new Store({ file });
    await store.open();
    const table = store.table<Item>('items');
    for (const [partition, n] of Object.entries(partitions))
      for (let i = 0; i < n; i++) table.put(partition, `n${i}`, { at: i, name: `n${i}`, policy: POLICY });
    await store.close();
  };

  it('opens without building any partition: counts come from the index, ids on first use', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 600, b: 300 });
    const store = new Store({ file });
    await store.open();
    const table = store.table<Item>('items');
    expect(store.stats.partitionsOpened).toBe(0);
    expect(table.count('a')).toBe(600);
    expect(table.count()).toBe(900);
    expect(table.partitions().sort()).toEqual(['a', 'b']);
    expect(store.stats.partitionsOpened).toBe(0);
    // A read finds its record in the blocks without building the map; a list, a write build it.
    expect(table.peek('b', 'n299')?.at).toBe(299);
    expect(table.get('b', 'missing')).toBeUndefined();
    expect(store.stats.partitionsOpened).toBe(0);
    expect(table.ordered('a', BY_AT).map((i) => i.name)).toEqual(
      Array.from({ length: 600 }, (_, i) => `n${i}`),
    );
    expect(store.stats.partitionsOpened).toBe(1);
    table.put('b', 'n300', { at: 300, name: 'n300', policy: POLICY });
    expect(store.stats.partitionsOpened).toBe(2);
    expect(table.count('b')).toBe(301);
    await store.close();
  });

  it('builds the id maps in the background after warmUp, and a read before it is done finishes the one it needs', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 3000, b: 2000, c: 1 });
    const store = new Store({ file });
    await store.open();
    const table = store.table<Item>('items');
    store.warmUp();
    expect(store.stats.partitionsOpened).toBe(0);
    // Read at once, before the warm-up ran: found in b's blocks; a write then builds b's map in full.
    expect(table.peek('b', 'n1999')?.at).toBe(1999);
    expect(store.stats.partitionsOpened).toBe(0);
    table.delete('b', 'n0');
    expect(table.count('b')).toBe(1999);
    expect(store.stats.partitionsOpened).toBe(1);
    for (let i = 0; i < 1000 && store.stats.partitionsOpened < 3; i++)
      await new Promise((r) => setImmediate(r));
    expect(store.stats.partitionsOpened).toBe(3);
    expect(table.peek('a', 'n2999')?.at).toBe(2999);
    expect(table.list('a').map((i) => i.at)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(store.stats.partitionsOpened).toBe(3);
    await store.close();
  });

  it('a read while the background build is part way through finishes it: every id, once, in order', async () => {
    const file = join(dir(), 'state.json');
    const n = 40_000;
    const writer = new Store({ file, fsync: false });
    await writer.open();
    const items = writer.table<{ at: number }>('items');
    for (let i = 0; i < n; i++) items.put('p', `n${i}`, { at: i });
    await writer.close();
    const store = new Store({ file, fsync: false });
    await store.open();
    store.warmUp();
    // One slice of the build (40,000 ids take longer than one), then reads that need the whole map.
    await new Promise((resolve) => setImmediate(resolve));
    const table = store.table<{ at: number }>('items');
    expect(table.peek('p', `n${n - 1}`)?.at).toBe(n - 1);
    expect(table.count('p')).toBe(n);
    const all = table.list('p');
    expect(all).toHaveLength(n);
    expect(all.every((item, i) => item.at === i)).toBe(true);
    expect(store.stats.partitionsOpened).toBe(1);
    await store.close();
  });

  it('parses a block only when it is read: a damaged block stops the read that needs it, naming the file', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 300, b: 10 });
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1');
    const index = JSON.parse(
      text.slice(Number(/"indexAt":(\d+)\}$/.exec(text)?.[1]), text.lastIndexOf(',"indexAt"')),
    );
    // Damage the records of partition a's first block, keeping every byte offset where it was.
    const [, , , r0] = index.items.a[0] as number[];
    bytes.write('!', (r0 as number) + 1, 'latin1');
    writeFileSync(file, bytes);
    const store = new Store({ file });
    await store.open();
    const table = store.table<Item>('items');
    expect(table.get('b', 'n3')?.at).toBe(3);
    expect(table.get('a', 'n260')?.at).toBe(260);
    expect(() => table.get('a', 'n1')).toThrow(StateFileError);
    expect(() => table.get('a', 'n1')).toThrow(file);
  });

  it('refuses a truncated file, or one whose index points elsewhere, at open', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 300 });
    const text = readFileSync(file, 'latin1');
    writeFileSync(file, text.slice(0, -20));
    await expect(new Store({ file }).open()).rejects.toThrow(StateFileError);
    const shifted = text.replace(/"indexAt":(\d+)\}$/, (_, at) => `"indexAt":${Number(at) - 7}}`);
    writeFileSync(file, shifted);
    await expect(new Store({ file }).open()).rejects.toThrow(file);
    // Blocks moved by an edit (one byte more before them): their ranges no longer fit.
    writeFileSync(file, text.replace('"blocks":[', '"blocks":[ '));
    await expect(new Store({ file }).open()).rejects.toThrow(/corrupt/);
  });

  it('is one JSON document that an emulator knowing only schema 2 refuses as newer, and a newer one is refused', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 10 });
    const loaded = JSON.parse(readFileSync(file, 'utf8'));
    // What the schema 2 reader checked before refusing a newer file.
    expect(loaded.schemaVersion).toBe(3);
    expect(typeof loaded.tables).toBe('object');
    expect(loaded.schemaVersion > 2).toBe(true);
    expect(loaded.blocks).toHaveLength(1);
    writeFileSync(file, readFileSync(file, 'latin1').replace('{"schemaVersion":3', '{"schemaVersion":4'));
    await expect(new Store({ file }).open()).rejects.toThrow(/schemaVersion 4.*newer than this emulator's 3/);
  });

  it('still loads a schema 2 file (blocks under tables) and rewrites it as schema 3', async () => {
    const file = join(dir(), 'state.json');
    const entries = Array.from(
      { length: 30 },
      (_, i) => [`n${i}`, { at: i, name: `n${i}`, policy: POLICY }] as const,
    );
    writeFileSync(
      file,
      JSON.stringify({ schemaVersion: 2, tables: { items: { p: [encodeBlock(entries)] } } }),
    );
    const store = new Store({ file });
    await store.open();
    expect(store.table<Item>('items').count('p')).toBe(30);
    expect(store.table<Item>('items').get('p', 'n29')?.at).toBe(29);
    store.table<Item>('items').put('p', 'n30', { at: 30, name: 'n30', policy: POLICY });
    await store.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(3);
    expect(Object.keys(readStateFile(file).items?.p ?? {})).toHaveLength(31);
  });

  it('copies the blocks of the last snapshot whose records did not change instead of encoding them again', async () => {
    const file = join(dir(), 'state.json');
    const store = new Store({ file, compactEvery: 100 });
    await store.open();
    const table = store.table<Item>('items');
    for (let i = 0; i < 1000; i++) table.put('p', `n${i}`, { at: i, name: `n${i}`, policy: POLICY });
    await store.commit();
    while (store.stats.compactions < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.stats.blocksEncoded).toBe(4);
    expect(store.stats.blocksCopied).toBe(0);
    // One record of the third block changes and one is added: two blocks to encode, three to copy.
    table.put('p', 'n600', { at: -600, name: 'n600', policy: 'changed' });
    table.put('p', 'n1000', { at: 1000, name: 'n1000', policy: POLICY });
    await store.close();
    expect(store.stats.blocksEncoded).toBe(6);
    expect(store.stats.blocksCopied).toBe(3);
    const records = readStateFile(file).items?.p ?? {};
    expect(Object.keys(records)).toHaveLength(1001);
    expect(records.n600).toEqual({ at: -600, name: 'n600', policy: 'changed' });
    expect(records.n999).toEqual({ at: 999, name: 'n999', policy: POLICY });
    expect(records.n1).toEqual({ at: 1, name: 'n1', policy: POLICY });
    // Reopened, the copied bytes read back as the records they stand for, in order.
    const again = new Store({ file });
    await again.open();
    expect(
      again
        .table<Item>('items')
        .list('p')
        .map((i) => i.at),
    ).toEqual([
      ...Array.from({ length: 600 }, (_, i) => i),
      -600,
      ...Array.from({ length: 400 }, (_, i) => 601 + i),
    ]);
    await again.close();
  });

  it('a compaction that cannot copy from the last snapshot warns, and the next one encodes every record', async () => {
    const file = join(dir(), 'state.json');
    const warnings: string[] = [];
    const store = new Store({ file, compactEvery: 100, warn: (m) => warnings.push(m) });
    await store.open();
    const table = store.table<Item>('items');
    const waitFor = async (n: number) => {
      for (let i = 0; i < 2000 && store.stats.compactions < n && warnings.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 2));
    };
    for (let i = 0; i < 600; i++) table.put('p', `n${i}`, { at: i, name: `n${i}`, policy: POLICY });
    await store.commit();
    await waitFor(1);
    expect(store.stats.compactions).toBe(1);
    // The snapshot the next compaction would copy from is cut short in place (same file, same inode).
    truncateSync(file, 10);
    for (let i = 0; i < 200; i++) table.put('p', `m${i}`, { at: i, name: `m${i}`, policy: POLICY });
    await store.commit();
    await waitFor(2);
    expect(warnings.join()).toMatch(/Compaction of .* failed.*shorter than its index/);
    expect(store.stats.compactions).toBe(1);
    const encoded = store.stats.blocksEncoded;
    for (let i = 0; i < 300; i++) table.put('p', `k${i}`, { at: i, name: `k${i}`, policy: POLICY });
    await store.commit();
    for (let i = 0; i < 2000 && store.stats.compactions < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 2));
    expect(store.stats.compactions).toBe(2);
    // 1,100 records, all encoded again (nothing copied): four blocks of 250 and one of 100.
    expect(store.stats.blocksEncoded - encoded).toBe(5);
    await store.close();
    expect(Object.keys(readStateFile(file).items?.p ?? {})).toHaveLength(1100);
  });

  it('after a restart, writes back the blocks nobody read byte for byte', async () => {
    const file = join(dir(), 'state.json');
    await fill(file, { a: 700, b: 5 });
    const store = new Store({ file });
    await store.open();
    store.table<Item>('items').put('b', 'x', { at: 1, name: 'x', policy: POLICY });
    await store.close();
    // Partition a was never opened: its three blocks were copied; so was b's block (opened, never
    // decoded), and only the new record was encoded.
    expect(store.stats.blocksCopied).toBe(4);
    expect(store.stats.blocksEncoded).toBe(1);
    expect(store.stats.partitionsOpened).toBe(1);
    expect(Object.keys(readStateFile(file).items?.a ?? {})).toHaveLength(700);
  });
});
