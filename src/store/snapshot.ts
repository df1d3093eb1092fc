import { isAscii } from 'node:buffer';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open as openFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Adapter, Low, LowSync, type SyncAdapter } from 'lowdb';
import { type Block, type Column, decodeColumn, encodeBlock, encodeColumn } from './columns.js';

/**
 * The JSON snapshot beside the journal, read and written through lowdb with adapters of our own:
 * compact JSON (no pretty-printing), written in slices to a 0600 temp file that is fsynced, renamed
 * over the snapshot, and followed by an fsync of the directory — so a snapshot is durable before the
 * journal it covers is removed. The async adapter yields to requests between slices (background
 * compaction) and flushes the temp file as it goes, so the final fsync has little left to write; the
 * sync one serves start-up, close and reset.
 *
 * Schema 2 writes each partition as blocks of BLOCK_ROWS records in columns (columns.ts): about a
 * quarter of schema 1's bytes, and several times faster to parse. A block is decoded only when one
 * of its records is first read (the `LazyBlock` stands in for each of its records until then), and
 * a block nobody read is written back by the next compaction as it was read. Schema 1 files (one JSON object per record)
 * still load; the next compaction writes them as schema 2.
 */
export const SCHEMA_VERSION = 2;

type Json = unknown;
/**
 * A partition at one point in time: its ids and, at the same positions, its records (or the block
 * that still holds a record not decoded yet). Two flat arrays copy much faster than entry pairs.
 */
export interface PartitionView {
  ids: string[];
  values: Json[];
}
/** tables → partitions, in order. */
export type View = Array<[string, Array<[string, PartitionView]>]>;

/** What a schema 1 file holds (schema 2 holds arrays of blocks in place of the record objects). */
export interface StateFile {
  schemaVersion: number;
  tables: Record<string, Record<string, Record<string, Json> | Block[]>>;
}

/** Records of a block as read from the file, decoded together on first use. */
export class LazyBlock {
  private records: Json[] | undefined;
  private positions: Map<string, number> | undefined;
  constructor(
    readonly ids: string[],
    /** The block's records as read, until they are decoded. */
    public column: Column | undefined,
  ) {}

  /** Every record of the block, in the order of `ids`. */
  decode(): Json[] {
    if (!this.records) {
      this.records = decodeColumn(this.column as Column, this.ids.length);
      this.column = undefined;
    }
    return this.records;
  }

  record(id: string): Json {
    const records = this.decode();
    if (!this.positions) this.positions = new Map(this.ids.map((v, i) => [v, i]));
    return records[this.positions.get(id) as number];
  }
}

/** The record stored under `id`, decoding its block if it is still a stand-in. */
export function resolve(id: string, value: Json): Json {
  return value instanceof LazyBlock ? value.record(id) : value;
}

export class StateFileError extends Error {}

export const FILE_MODE = 0o600;
/** Records per block: a block is one slice of a background compaction (a few ms of work). */
const BLOCK_ROWS = 250;
/** The async adapter flushes the temp file whenever this much was written since the last flush. */
const FLUSH_BYTES = 1024 * 1024;

export interface SnapshotOptions {
  fsync: boolean;
  /** Called with how long each slice took to build (the longest compaction step is reported). */
  onStep?: (ms: number) => void;
}

/** Background compaction: the slices are written with a turn of the event loop between them. */
class SnapshotFile implements Adapter<View> {
  constructor(
    private readonly file: string,
    private readonly options: SnapshotOptions,
  ) {}

  async read(): Promise<View | null> {
    return readSnapshot(this.file);
  }

  async write(view: View): Promise<void> {
    const temp = `${this.file}.tmp`;
    const out = await openFile(temp, 'w', FILE_MODE);
    try {
      let unflushed = 0;
      const slices = serialize(view);
      for (;;) {
        const started = performance.now();
        const next = slices.next();
        this.options.onStep?.(performance.now() - started);
        if (next.done) break;
        const text = next.value;
        await out.write(text);
        unflushed += text.length;
        if (this.options.fsync && unflushed >= FLUSH_BYTES) {
          // A little at a time: one big flush at the end would hold up the journal's own syncs.
          await out.datasync();
          unflushed = 0;
        }
        await new Promise((next) => setImmediate(next));
      }
      if (this.options.fsync) await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, this.file);
    if (this.options.fsync) await syncDirectory(dirname(this.file));
  }
}

class SnapshotFileSync implements SyncAdapter<View> {
  constructor(
    private readonly file: string,
    private readonly options: SnapshotOptions,
  ) {}

  read(): View | null {
    return readSnapshot(this.file);
  }

  write(view: View): void {
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w', FILE_MODE);
    try {
      for (const text of serialize(view)) writeSync(fd, text);
      if (this.options.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    if (this.options.fsync) {
      const dir = openSync(dirname(this.file), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
  }
}

export function snapshotDb(file: string, options: SnapshotOptions): Low<View> {
  return new Low<View>(new SnapshotFile(file, options), []);
}

export function snapshotDbSync(file: string, options: SnapshotOptions): LowSync<View> {
  return new LowSync<View>(new SnapshotFileSync(file, options), []);
}

/**
 * The file's text. An ASCII file (what the emulator writes unless a value holds other characters) is
 * copied straight into a one-byte string, twice as fast as decoding UTF-8.
 */
function readText(file: string): string {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** The snapshot's records as a view; null when there is no file yet. A corrupt or newer file stops start-up. */
function readSnapshot(file: string): View | null {
  if (!existsSync(file)) return null;
  let loaded: Partial<StateFile> | null;
  try {
    loaded = JSON.parse(readText(file)) as Partial<StateFile> | null;
  } catch (error) {
    throw new StateFileError(`State file ${file} is not valid JSON (${(error as Error).message}).`);
  }
  if (
    !loaded ||
    typeof loaded !== 'object' ||
    typeof loaded.schemaVersion !== 'number' ||
    !loaded.tables ||
    typeof loaded.tables !== 'object'
  ) {
    throw new StateFileError(`State file ${file} is not an alibaba-kms-emulator state file.`);
  }
  if (loaded.schemaVersion > SCHEMA_VERSION) {
    throw new StateFileError(
      `State file ${file} has schemaVersion ${loaded.schemaVersion}, newer than this emulator's ${SCHEMA_VERSION}; upgrade the emulator or use another file.`,
    );
  }
  const columnar = loaded.schemaVersion >= 2;
  try {
    return Object.entries(loaded.tables).map(([table, partitions]) => [
      table,
      Object.entries(partitions ?? {}).map(([partition, records]) => [
        partition,
        columnar ? blockView(records as Block[]) : objectView(records as Record<string, Json>),
      ]),
    ]);
  } catch (error) {
    throw new StateFileError(`State file ${file} is corrupt (${(error as Error).message}).`);
  }
}

function objectView(records: Record<string, Json> | null): PartitionView {
  const ids = Object.keys(records ?? {});
  return { ids, values: ids.map((id) => (records as Record<string, Json>)[id]) };
}

/** A partition's ids, decoded now; each record's place holds its block until the block is decoded. */
function blockView(blocks: Block[]): PartitionView {
  if (!Array.isArray(blocks)) throw new Error('a partition that is not a list of blocks');
  const view: PartitionView = { ids: [], values: [] };
  for (const block of blocks) {
    if (!block || typeof block !== 'object' || !Number.isSafeInteger(block.n) || block.n < 0) {
      throw new Error('a block without a record count');
    }
    const ids = decodeColumn(block.i, block.n);
    for (const id of ids) if (typeof id !== 'string') throw new Error('a record id that is not a string');
    const lazy = new LazyBlock(ids as string[], block.r);
    for (const id of ids as string[]) {
      view.ids.push(id);
      view.values.push(lazy);
    }
  }
  return view;
}

/**
 * Every record of a state file (snapshot only, not the journal), decoded: table → partition → id →
 * record. For tests and tools that look inside a file; the store itself reads through lowdb.
 */
export function readStateFile(file: string): Record<string, Record<string, Record<string, Json>>> {
  const out: Record<string, Record<string, Record<string, Json>>> = {};
  for (const [table, partitions] of readSnapshot(file) ?? []) {
    const byPartition: Record<string, Record<string, Json>> = {};
    for (const [partition, { ids, values }] of partitions) {
      byPartition[partition] = Object.fromEntries(ids.map((id, i) => [id, resolve(id, values[i])]));
    }
    out[table] = byPartition;
  }
  return out;
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await openFile(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The snapshot as compact JSON, one slice per block of records (at most BLOCK_ROWS): the adapters
 * take one slice at a time, so a background compaction yields to requests between two of them.
 */
function* serialize(view: View): Generator<string> {
  let head = `{"schemaVersion":${SCHEMA_VERSION},"tables":{`;
  for (const [t, [table, partitions]] of view.entries()) {
    head += `${t > 0 ? ',' : ''}${JSON.stringify(table)}:{`;
    for (const [p, [partition, records]] of partitions.entries()) {
      head += `${p > 0 ? ',' : ''}${JSON.stringify(partition)}:[`;
      let first = true;
      for (const block of blocks(records)) {
        const text = `${head}${first ? '' : ','}${JSON.stringify(block)}`;
        head = '';
        first = false;
        yield text;
      }
      head += ']';
    }
    head += '}';
  }
  yield `${head}}}`;
}

/**
 * A partition's records as blocks, built one at a time. A block read from the file whose records
 * are all still there, in order and never decoded, is written again as it was read.
 */
function* blocks({ ids, values }: PartitionView): Generator<Block> {
  let from = 0;
  while (from < ids.length) {
    const intact = intactBlockAt(ids, values, from);
    if (intact) {
      const n = intact.ids.length;
      yield { n, i: encodeColumn(intact.ids), r: intact.column as Column };
      from += n;
      continue;
    }
    const entries: Array<[string, Json]> = [];
    let at = from;
    while (
      at < ids.length &&
      entries.length < BLOCK_ROWS &&
      (at === from || !intactBlockAt(ids, values, at))
    ) {
      const id = ids[at] as string;
      entries.push([id, resolve(id, values[at])]);
      at += 1;
    }
    yield encodeBlock(entries);
    from = at;
  }
}

function intactBlockAt(ids: string[], values: Json[], at: number): LazyBlock | undefined {
  const block = values[at];
  if (!(block instanceof LazyBlock) || !block.column || block.ids[0] !== ids[at]) return undefined;
  const n = block.ids.length;
  if (at + n > ids.length) return undefined;
  for (let i = 1; i < n; i++) if (values[at + i] !== block || ids[at + i] !== block.ids[i]) return undefined;
  return block;
}
