/**
 * A column codec for the snapshot: a run of records is written as columns (one per field, nested
 * fields and arrays flattened the same way) instead of one JSON object per record. It knows nothing
 * of what the records mean; it only notices what JSON repeats: field names (said once per block,
 * not once per record), a value shared by many records (a policy, an account, a state: a small
 * dictionary), a constant, an increasing number (a timestamp: deltas), a long common prefix (a data
 * key blob under the same key). The result is plain JSON that parses several times faster than the
 * objects it stands for, and decoding shares one string among the records that repeat it. Other
 * strings of a column are joined into one: JSON.parse then makes one string where it would make a
 * thousand, and a record's own string is cut out of it only when the block is decoded.
 */
type Json = unknown;

/** One encoded column of `n` values (the count comes from the context, never stored twice). */
export type Column =
  | { c: Json } // every value the same primitive
  | { d: Json[]; i: number[] } // a dictionary of primitives and each value's index
  | { x: number[] } // integers as differences from the previous one
  | { p?: string; j: Column; s: string } // strings joined into one (after a prefix they all share), and their lengths
  | { v: Json[] } // the values as they are
  | { a: Column; e: Column } // arrays: their lengths, then all their items in order
  | { o: number[][]; k: string[]; s?: Column; f: Column[] }; // objects: shapes, field names, shape per value, fields

/** A block of a partition: its record ids and the records, as columns. */
export interface Block {
  n: number;
  i: Column;
  r: Column;
}

const DICTIONARY_MAX = 256;
/** A prefix shorter than this is not worth splitting (and keeps short ids whole on disk). */
const PREFIX_MIN = 24;

export function encodeBlock(entries: ReadonlyArray<readonly [string, Json]>): Block {
  const ids = new Array<Json>(entries.length);
  const records = new Array<Json>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as readonly [string, Json];
    ids[i] = entry[0];
    records[i] = entry[1];
  }
  return { n: entries.length, i: encodeColumn(ids), r: encodeColumn(records) };
}

export function decodeBlock(block: Block): Array<[string, Json]> {
  if (!block || typeof block !== 'object' || !Number.isSafeInteger(block.n) || block.n < 0) {
    throw new Error('a block without a record count');
  }
  const ids = decodeColumn(block.i, block.n);
  const records = decodeColumn(block.r, block.n);
  const out = new Array<[string, Json]>(block.n);
  for (let i = 0; i < block.n; i++) {
    const id = ids[i];
    if (typeof id !== 'string') throw new Error('a record id that is not a string');
    out[i] = [id, records[i]];
  }
  return out;
}

function kindOf(value: Json): 'o' | 'a' | 'p' {
  if (Array.isArray(value)) return 'a';
  if (typeof value === 'object' && value !== null) return 'o';
  return 'p';
}

export function encodeColumn(values: Json[]): Column {
  const n = values.length;
  if (n === 0) return { v: [] };
  const kind = kindOf(values[0]);
  for (let i = 1; i < n; i++) if (kindOf(values[i]) !== kind) return { v: values.map(asJson) };
  if (kind === 'o') return encodeObjects(values as Array<Record<string, Json>>);
  if (kind === 'a') return encodeArrays(values as Json[][]);
  return encodePrimitives(values);
}

/** What JSON.stringify would write for it (undefined and non-finite numbers become null). */
function asJson(value: Json): Json {
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function encodePrimitives(raw: Json[]): Column {
  const n = raw.length;
  const values = raw.map(asJson);
  const first = values[0];
  let constant = true;
  for (let i = 1; i < n && constant; i++) if (values[i] !== first) constant = false;
  if (constant) return { c: first };
  // A few distinct values shared by many: a dictionary.
  const index = new Map<Json, number>();
  const dictionary: Json[] = [];
  const indexes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const value = values[i];
    let at = index.get(value);
    if (at === undefined) {
      if (dictionary.length >= DICTIONARY_MAX || dictionary.length * 2 >= n) break;
      at = dictionary.length;
      index.set(value, at);
      dictionary.push(value);
    }
    indexes[i] = at;
  }
  if (indexes[n - 1] !== undefined) return { d: dictionary, i: indexes };
  if (values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) {
    const deltas = new Array<number>(n);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      const delta = (values[i] as number) - previous;
      if (!Number.isSafeInteger(delta)) return { v: values };
      deltas[i] = delta;
      previous = values[i] as number;
    }
    return { x: deltas };
  }
  if (values.every((v) => typeof v === 'string')) {
    const strings = values as string[];
    let prefix = strings[0] as string;
    for (let i = 1; i < n && prefix.length >= PREFIX_MIN; i++) {
      const s = strings[i] as string;
      let k = 0;
      const max = Math.min(prefix.length, s.length);
      while (k < max && prefix.charCodeAt(k) === s.charCodeAt(k)) k++;
      if (k < prefix.length) prefix = prefix.slice(0, k);
    }
    const cut = prefix.length >= PREFIX_MIN ? prefix.length : 0;
    const lengths = strings.map((s) => s.length - cut);
    const joined = cut > 0 ? strings.map((s) => s.slice(cut)).join('') : strings.join('');
    return cut > 0
      ? { p: prefix, j: encodeColumn(lengths), s: joined }
      : { j: encodeColumn(lengths), s: joined };
  }
  return { v: values };
}

function encodeArrays(values: Json[][]): Column {
  const lengths = new Array<number>(values.length);
  const items: Json[] = [];
  for (let i = 0; i < values.length; i++) {
    const array = values[i] as Json[];
    lengths[i] = array.length;
    for (const item of array) items.push(item);
  }
  return { a: encodeColumn(lengths), e: encodeColumn(items) };
}

function encodeObjects(values: Array<Record<string, Json>>): Column {
  const fieldIndex = new Map<string, number>();
  const names: string[] = [];
  const fields: Json[][] = [];
  const shapeIndex = new Map<string, number>();
  const shapes: number[][] = [];
  const shapeOf = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as Record<string, Json>;
    const shape: number[] = [];
    for (const name of Object.keys(value)) {
      const v = value[name];
      // As JSON.stringify does: an undefined field is not written.
      if (v === undefined) continue;
      let f = fieldIndex.get(name);
      if (f === undefined) {
        f = names.length;
        fieldIndex.set(name, f);
        names.push(name);
        fields.push([]);
      }
      shape.push(f);
      (fields[f] as Json[]).push(v);
    }
    const signature = shape.join(',');
    let s = shapeIndex.get(signature);
    if (s === undefined) {
      s = shapes.length;
      shapeIndex.set(signature, s);
      shapes.push(shape);
    }
    shapeOf[i] = s;
  }
  const column: Column = { o: shapes, k: names, f: fields.map(encodeColumn) };
  if (shapes.length > 1) column.s = encodeColumn(shapeOf);
  return column;
}

/** The values of a column, frozen all the way down (the store hands its records out without copying them). */
export function decodeColumn(column: Column, n: number): Json[] {
  if (!column || typeof column !== 'object') throw new Error('a column that is not an object');
  if ('c' in column) return new Array<Json>(n).fill(column.c);
  if ('d' in column) return checked(column.i, n).map((at) => column.d[at as number]);
  if ('x' in column) {
    const deltas = checked(column.x, n) as number[];
    const out = new Array<Json>(n);
    let value = 0;
    for (let i = 0; i < n; i++) {
      value += deltas[i] as number;
      out[i] = value;
    }
    return out;
  }
  if ('j' in column) {
    const lengths = decodeColumn(column.j, n) as number[];
    const joined = column.s;
    const prefix = column.p ?? '';
    if (typeof joined !== 'string' || typeof prefix !== 'string')
      throw new Error('a string column without its text');
    const out = new Array<Json>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const length = lengths[i] as number;
      if (!Number.isSafeInteger(length) || length < 0 || at + length > joined.length)
        throw new Error('a string column of the wrong length');
      out[i] = prefix + joined.slice(at, at + length);
      at += length;
    }
    if (at !== joined.length) throw new Error('a string column of the wrong length');
    return out;
  }
  if ('a' in column) {
    const lengths = decodeColumn(column.a, n) as number[];
    let total = 0;
    for (const length of lengths) total += length;
    const items = decodeColumn(column.e, total);
    const out = new Array<Json>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const length = lengths[i] as number;
      out[i] = Object.freeze(items.slice(at, at + length));
      at += length;
    }
    return out;
  }
  if ('o' in column) return decodeObjects(column, n);
  if ('v' in column) return checked(column.v, n).map(deepFreeze);
  throw new Error('a column of an unknown kind');
}

function checked(values: Json[], n: number): Json[] {
  if (!Array.isArray(values) || values.length !== n) throw new Error('a column of the wrong length');
  return values;
}

function decodeObjects(column: { o: number[][]; k: string[]; s?: Column; f: Column[] }, n: number): Json[] {
  const shapeOf = column.s ? (decodeColumn(column.s, n) as number[]) : undefined;
  const counts = new Array<number>(column.k.length).fill(0);
  const perShape = new Array<number>(column.o.length).fill(0);
  for (let i = 0; i < n; i++) {
    const s = shapeOf ? (shapeOf[i] as number) : 0;
    perShape[s] = (perShape[s] ?? 0) + 1;
  }
  column.o.forEach((shape, s) => {
    for (const f of shape) counts[f] = (counts[f] ?? 0) + (perShape[s] ?? 0);
  });
  const fields = column.f.map((f, at) => decodeColumn(f, counts[at] as number));
  const cursors = new Array<number>(column.k.length).fill(0);
  const makers = column.o.map((shape) => makerOf(shape.map((f) => column.k[f] as string)));
  const out = new Array<Json>(n);
  for (let i = 0; i < n; i++) {
    const s = shapeOf ? (shapeOf[i] as number) : 0;
    const shape = column.o[s];
    if (!shape) throw new Error('a record of an unknown shape');
    const make = makers[s];
    if (make) {
      const values = new Array<Json>(shape.length);
      for (let k = 0; k < shape.length; k++) {
        const f = shape[k] as number;
        values[k] = (fields[f] as Json[])[(cursors[f] as number)++];
      }
      out[i] = Object.freeze(make(values));
      continue;
    }
    const record: Record<string, Json> = {};
    for (const f of shape) {
      const name = column.k[f] as string;
      const value = (fields[f] as Json[])[(cursors[f] as number)++];
      // A field named __proto__ (from a user's JSON) stays a field, as JSON.parse makes it.
      if (name === '__proto__')
        Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
      else record[name] = value;
    }
    out[i] = Object.freeze(record);
  }
  return out;
}

type Maker = (values: Json[]) => Record<string, Json>;
/** Record makers by field list: an object literal is allocated at its final size in one step. */
const makers = new Map<string, Maker | undefined>();
const MAKERS_MAX = 512;

/**
 * A function that builds a record of these fields, in this order, from their values: one object
 * literal (so the record is allocated once, with every field in place, instead of growing field by
 * field). Names are written as JSON string literals, which are JavaScript string literals, so no
 * name can be code; a shape with `__proto__` (a literal would set the prototype) or too many
 * fields, or one more than MAKERS_MAX distinct shapes, is built field by field instead.
 */
function makerOf(names: string[]): Maker | undefined {
  const key = JSON.stringify(names);
  if (makers.has(key)) return makers.get(key);
  let maker: Maker | undefined;
  if (names.length <= 64 && !names.includes('__proto__') && makers.size < MAKERS_MAX) {
    maker = new Function(
      'v',
      `return {${names.map((name, i) => `${JSON.stringify(name)}:v[${i}]`).join(',')}};`,
    ) as Maker;
  }
  if (makers.size < MAKERS_MAX) makers.set(key, maker);
  return maker;
}

function deepFreeze(value: Json): Json {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key in value as Record<string, Json>) deepFreeze((value as Record<string, Json>)[key]);
  return value;
}
