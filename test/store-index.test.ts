import { describe, expect, it } from 'vitest';
import { type Index, Store } from '../src/store/store.js';

interface Item {
  at: number;
  name: string;
  hidden?: boolean;
}
const BY_AT: Index<Item> = {
  compare: (a, b) => a.at - b.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
};
const VISIBLE: Index<Item> = { compare: BY_AT.compare, where: (item) => !item.hidden };

describe('Store ordered indexes and frozen reads', () => {
  it('keeps an index in order through puts, updates, deletes and rolled-back transactions', () => {
    const store = new Store();
    const table = store.table<Item>('items');
    const reference = new Map<string, Item>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    table.ordered('p', BY_AT);
    table.ordered('p', VISIBLE);
    for (let step = 0; step < 2000; step++) {
      const name = `n${Math.floor(random() * 300)}`;
      const roll = random();
      if (roll < 0.6) {
        const item = { at: Math.floor(random() * 50), name, hidden: random() < 0.2 };
        table.put('p', name, item);
        reference.set(name, item);
      } else if (roll < 0.8) {
        table.delete('p', name);
        reference.delete(name);
      } else {
        expect(() =>
          store.transaction(() => {
            table.put('p', name, { at: 999, name });
            table.delete('p', `n${Math.floor(random() * 300)}`);
            throw new Error('undo');
          }),
        ).toThrow('undo');
      }
    }
    const expected = [...reference.values()].sort(BY_AT.compare);
    expect(table.ordered('p', BY_AT).map((i) => i.name)).toEqual(expected.map((i) => i.name));
    expect(table.ordered('p', VISIBLE).map((i) => i.name)).toEqual(
      expected.filter((i) => !i.hidden).map((i) => i.name),
    );
    // An index built afresh agrees with the one kept up to date.
    const again = new Store();
    const copy = again.table<Item>('items');
    for (const item of reference.values()) copy.put('p', item.name, item);
    expect(copy.ordered('p', BY_AT).map((i) => i.name)).toEqual(expected.map((i) => i.name));
  });

  it('hands out stored records frozen (peek, ordered) and mutable copies (get, list)', () => {
    const store = new Store();
    const table = store.table<{ n: number; list: number[] }>('t');
    const value = { n: 1, list: [1] };
    table.put('p', 'a', value);
    value.n = 2;
    const peeked = table.peek('p', 'a');
    expect(peeked?.n).toBe(1);
    expect(() => {
      (peeked as { list: number[] }).list.push(2);
    }).toThrow(TypeError);
    const copy = table.get('p', 'a');
    if (!copy) throw new Error('missing');
    copy.list.push(2);
    copy.n = 5;
    expect(table.peek('p', 'a')).toEqual({ n: 1, list: [1] });
    table.put('p', 'a', copy);
    expect(table.ordered('p', { compare: (a, b) => a.n - b.n })[0]).toEqual({ n: 5, list: [1, 2] });
  });
});
