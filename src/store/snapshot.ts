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
 * of its records is first read (a `LazyRecord` stands in until then), and a block nobody read is
 * written back by the next compaction as it was read. Schema 1 files (one JSON object per record)
 * still load; the next compaction writes them as schema 2.
 */
export const SCHEMA_VERSION = 2;

type Json = unknown;
/** tables → partitions → records (or stand-ins for records not decoded yet), as ordered entries. */
export type View = Array<[string, Array<[string, Array<[string, Json]>]>]>;

/** What a schema 1 file holds (schema 2 holds arrays of blocks in place of the record objects). */
export interface StateFile {
  schemaVersion: number;
  tables: Record<string, Record<string, Record<string, Json> | Block[]>>;
}

/** Records of a block, decoded together on first use. */
class LazyBlock {
  private records: Json[] | undefined;
  constructor(
    /** The block's records as read, until they are decoded. */
    public column: Column | undefined,
    readonly n: number,
  ) {}

  record(index: number): Json {
    if (!this.records) {
      this.records = decodeColumn(this.column as Column, this.n);
      this.column = undefined;
    }
    return this.records[index];
  }
}

/** A record of the snapshot that nobody has read yet. */
export class LazyRecord {
  constructor(
    readonly block: LazyBlock,
    readonly index: number,
  ) {}

  value(): Json {
    return this.block.record(this.index);
  }
}

/** The record itself, decoding its block if it is still a stand-in. */
export function resolve(value: Json): Json {
  return value instanceof LazyRecord ? value.value() : value;
}

export class StateFileError extends Error {}

export const FILE_MODE = 0o600;
/** Records per block: a block is one slice of a background compaction (a few ms of work). */
const BLOCK_ROWS = 250;
/** The async adapter flushes the temp file whenever this much was written since the last flush. */
const FLUSH_BYTES = 4 * 1024 * 1024;

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
      for (const slice of serialize(view)) {
        const started = performance.now();
        const text = slice();
        this.options.onStep?.(performance.now() - started);
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
      for (const slice of serialize(view)) writeSync(fd, slice());
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

/** The snapshot's records as a view; null when there is no file yet. A corrupt or newer file stops start-up. */
function readSnapshot(file: string): View | null {
  if (!existsSync(file)) return null;
  let loaded: Partial<StateFile> | null;
  try {
    loaded = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile> | null;
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
        columnar ? blockEntries(records as Block[]) : Object.entries(records ?? {}),
      ]),
    ]);
  } catch (error) {
    throw new StateFileError(`State file ${file} is corrupt (${(error as Error).message}).`);
  }
}

/** A partition's entries: ids decoded now, each record a stand-in until first read. */
function blockEntries(blocks: Block[]): Array<[string, Json]> {
  if (!Array.isArray(blocks)) throw new Error('a partition that is not a list of blocks');
  const entries: Array<[string, Json]> = [];
  for (const block of blocks) {
    if (!block || typeof block !== 'object' || !Number.isSafeInteger(block.n) || block.n < 0) {
      throw new Error('a block without a record count');
    }
    const ids = decodeColumn(block.i, block.n);
    const lazy = new LazyBlock(block.r, block.n);
    for (let i = 0; i < block.n; i++) {
      const id = ids[i];
      if (typeof id !== 'string') throw new Error('a record id that is not a string');
      entries.push([id, new LazyRecord(lazy, i)]);
    }
  }
  return entries;
}

/**
 * Every record of a state file (snapshot only, not the journal), decoded: table → partition → id →
 * record. For tests and tools that look inside a file; the store itself reads through lowdb.
 */
export function readStateFile(file: string): Record<string, Record<string, Record<string, Json>>> {
  const out: Record<string, Record<string, Record<string, Json>>> = {};
  for (const [table, partitions] of readSnapshot(file) ?? []) {
    const byPartition: Record<string, Record<string, Json>> = {};
    for (const [partition, entries] of partitions) {
      byPartition[partition] = Object.fromEntries(entries.map(([id, v]) => [id, resolve(v)]));
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
 * The snapshot as compact JSON, one slice per block of BLOCK_ROWS records: each slice is a function
 * that returns its text, so a background compaction can yield to requests between two of them.
 */
function serialize(view: View): Array<() => string> {
  const slices: Array<() => string> = [];
  let head = `{"schemaVersion":${SCHEMA_VERSION},"tables":{`;
  view.forEach(([table, partitions], t) => {
    head += `${t > 0 ? ',' : ''}${JSON.stringify(table)}:{`;
    partitions.forEach(([partition, records], p) => {
      head += `${p > 0 ? ',' : ''}${JSON.stringify(partition)}:[`;
      for (let start = 0; start < records.length; start += BLOCK_ROWS) {
        const prefix = head;
        head = '';
        const from = start;
        slices.push(
          () =>
            `${prefix}${from > 0 ? ',' : ''}${JSON.stringify(blockOf(records, from, Math.min(records.length, from + BLOCK_ROWS)))}`,
        );
      }
      head += ']';
    });
    head += '}';
  });
  head += '}}';
  slices.push(() => head);
  return slices;
}

/** Records [from, to) as a block; a block read from the file and never decoded is written as it was. */
function blockOf(records: Array<[string, Json]>, from: number, to: number): Block {
  const first = records[from]?.[1];
  if (first instanceof LazyRecord && first.index === 0 && first.block.n === to - from && first.block.column) {
    let untouched = true;
    for (let i = from + 1; i < to && untouched; i++) {
      const v = (records[i] as [string, Json])[1];
      untouched = v instanceof LazyRecord && v.block === first.block && v.index === i - from;
    }
    if (untouched) {
      const ids = new Array<Json>(to - from);
      for (let i = from; i < to; i++) ids[i - from] = (records[i] as [string, Json])[0];
      return { n: to - from, i: encodeColumn(ids), r: first.block.column };
    }
  }
  const entries = new Array<[string, Json]>(to - from);
  for (let i = from; i < to; i++) {
    const [id, v] = records[i] as [string, Json];
    entries[i - from] = [id, resolve(v)];
  }
  return encodeBlock(entries);
}
