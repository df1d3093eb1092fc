import { isAscii } from 'node:buffer';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { open as openFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Adapter, Low, LowSync, type SyncAdapter } from 'lowdb';
import { type Block, type Column, decodeColumn, encodeBlock } from './columns.js';

/**
 * The JSON snapshot beside the journal, read and written through lowdb with adapters of our own:
 * compact JSON (no pretty-printing), written in slices to a 0600 temp file that is fsynced, renamed
 * over the snapshot, and followed by an fsync of the directory — so a snapshot is durable before the
 * journal it covers is removed. The async adapter yields to requests between slices (background
 * compaction) and flushes the temp file as it goes, so the final fsync has little left to write; the
 * sync one serves start-up, close and reset.
 *
 * Schema 3 (what is written) is still one JSON document, laid out so that start-up need not parse it:
 * `{"schemaVersion":3,"blocks":[{"n":…,"i":…,"r":…},…],"tables":{table:{partition:[[n,i0,i1,r0,r1],…]}},"indexAt":…}`.
 * Each block holds BLOCK_ROWS records in columns (columns.ts: ids `i`, records `r`); the `tables`
 * index, found from the `indexAt` byte offset at the end of the file, gives each partition's blocks
 * as byte ranges of their id and record columns. Opening reads the file's bytes and parses only the
 * index: a block's ids are parsed when its partition is first used, its records when one of them is
 * first read (the `LazyBlock` stands in for each of its records until then), and a block nobody read
 * is copied byte for byte into the next snapshot. Schema 2 files (the same blocks under `tables`,
 * parsed whole) and schema 1 files (one JSON object per record) still load; the next compaction
 * writes them as schema 3. An emulator that knows only schema 2 parses the whole file and refuses it
 * as newer.
 */
export const SCHEMA_VERSION = 3;

type Json = unknown;
/**
 * A partition at one point in time: its ids and, at the same positions, its records (or the block
 * that still holds a record not decoded yet). Two flat arrays copy much faster than entry pairs.
 * A partition nobody used since it was read is its blocks alone (`blocks`).
 */
export type PartitionView = { ids: string[]; values: Json[] } | { blocks: LazyBlock[] };
/** tables → partitions, in order. */
export type View = Array<[string, Array<[string, PartitionView]>]>;

/** What a schema 1 file holds (schema 2 holds arrays of blocks in place of the record objects). */
export interface StateFile {
  schemaVersion: number;
  tables: Record<string, Record<string, Record<string, Json> | Block[]>>;
}

/** Where a block's columns are: parsed already (schema 2), or byte ranges of the file (schema 3). */
type BlockSource =
  | { i: Column; r: Column }
  | { file: string; bytes: Buffer; i0: number; i1: number; r0: number; r1: number };

/** Records of a block as read from the file, decoded together on first use. */
export class LazyBlock {
  private idList: string[] | undefined;
  private records: Json[] | undefined;
  private positions: Map<string, number> | undefined;
  constructor(
    /** How many records the block holds. */
    readonly n: number,
    /** The block's columns as read, until its records are decoded. */
    private source: BlockSource | undefined,
  ) {}

  /** The block's record ids, in order (parsed on first use). */
  get ids(): string[] {
    if (!this.idList) {
      const source = this.source as BlockSource;
      const ids =
        'file' in source
          ? decodeColumn(parseRange(source, source.i0, source.i1) as Column, this.n)
          : decodeColumn(source.i, this.n);
      for (const id of ids) if (typeof id !== 'string') throw new Error('a record id that is not a string');
      this.idList = ids as string[];
    }
    return this.idList;
  }

  /** True while the records were never decoded: the block can be written back as it was read. */
  get intact(): boolean {
    return this.records === undefined;
  }

  /** Every record of the block, in the order of `ids`. */
  decode(): Json[] {
    if (!this.records) {
      const ids = this.ids;
      const source = this.source as BlockSource;
      const column = 'file' in source ? (parseRange(source, source.r0, source.r1) as Column) : source.r;
      this.records = decodeColumn(column, ids.length);
      this.source = undefined;
    }
    return this.records;
  }

  record(id: string): Json {
    const records = this.decode();
    if (!this.positions) this.positions = new Map(this.ids.map((v, i) => [v, i]));
    return records[this.positions.get(id) as number];
  }

  /** The id and record columns as JSON text (bytes of the file when they came from one), while intact. */
  columns(): { i: string | Buffer; r: string | Buffer } {
    const source = this.source as BlockSource;
    if ('file' in source) {
      return {
        i: source.bytes.subarray(source.i0, source.i1),
        r: source.bytes.subarray(source.r0, source.r1),
      };
    }
    return { i: JSON.stringify(source.i), r: JSON.stringify(source.r) };
  }
}

/** JSON.parse of a byte range of a schema 3 file; an unreadable range names the file. */
function parseRange(source: { file: string; bytes: Buffer }, from: number, to: number): Json {
  const slice = source.bytes.subarray(from, to);
  try {
    return JSON.parse(slice.toString(isAscii(slice) ? 'latin1' : 'utf8'));
  } catch (error) {
    throw new StateFileError(`State file ${source.file} is corrupt (${(error as Error).message}).`);
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

/**
 * A block the last snapshot holds, built from records in memory: their ids, the records themselves
 * (to tell, by identity, that none changed since) and the byte ranges of its columns in that file.
 * The next snapshot copies its bytes instead of encoding the records again, so a compaction encodes
 * only what was written since the one before.
 */
export interface WrittenBlock {
  ids: string[];
  records: Json[];
  i0: number;
  i1: number;
  r0: number;
  r1: number;
}

/** Written blocks by the id of their first record, for one partition. */
export type WrittenBlocks = Map<string, WrittenBlock>;

export interface SnapshotOptions {
  fsync: boolean;
  /** The last snapshot's written blocks of a partition, and a descriptor to read that file's bytes. */
  reuse?: { blocks(table: string, partition: string): WrittenBlocks | undefined; fd: number };
  /** Told of every block this snapshot writes from records in memory (or copies from the last snapshot). */
  written?(table: string, partition: string, block: WrittenBlock): void;
  /** Told of each block written: encoded from records, or copied as bytes (read from a file, or the last snapshot's). */
  onBlock?(how: 'encoded' | 'copied'): void;
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
      const slices = serialize(view, this.options);
      for (;;) {
        const started = performance.now();
        const next = slices.next();
        this.options.onStep?.(performance.now() - started);
        if (next.done) break;
        const slice = next.value;
        let written = 0;
        while (written < slice.length) {
          const { bytesWritten } = await out.write(slice, written, slice.length - written);
          written += bytesWritten;
        }
        unflushed += slice.length;
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
      for (const slice of serialize(view, this.options)) {
        let written = 0;
        while (written < slice.length) written += writeSync(fd, slice, written, slice.length - written);
      }
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

/** The first bytes of a file this emulator (or a newer one) wrote, and the end of a schema 3 file. */
const HEAD = /^\{"schemaVersion":(\d+)[,}]/;
const TAIL = /,"indexAt":(\d+)\}\s*$/;

/** The snapshot's records as a view; null when there is no file yet. A corrupt or newer file stops start-up. */
function readSnapshot(file: string): View | null {
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  const head = HEAD.exec(bytes.subarray(0, 32).toString('latin1'));
  const version = head ? Number(head[1]) : undefined;
  if (version !== undefined && version > SCHEMA_VERSION) throw newer(file, version);
  if (version === 3) return indexedView(file, bytes);
  let loaded: Partial<StateFile> | null;
  try {
    // An ASCII file (what the emulator writes unless a value holds other characters) is copied
    // straight into a one-byte string, twice as fast as decoding UTF-8.
    loaded = JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')) as Partial<StateFile> | null;
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
  if (loaded.schemaVersion > SCHEMA_VERSION) throw newer(file, loaded.schemaVersion);
  if (loaded.schemaVersion === 3)
    throw new StateFileError(`State file ${file} is corrupt (no index at its end).`);
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

function newer(file: string, version: number): StateFileError {
  return new StateFileError(
    `State file ${file} has schemaVersion ${version}, newer than this emulator's ${SCHEMA_VERSION}; upgrade the emulator or use another file.`,
  );
}

/**
 * A schema 3 file's view from its index alone: each partition is its blocks, byte ranges of `bytes`
 * parsed when used. The ranges are checked against the file's layout here, so a truncated or
 * shifted file stops start-up; what a range holds is checked when it is parsed.
 */
function indexedView(file: string, bytes: Buffer): View {
  const corrupt = (why: string) => new StateFileError(`State file ${file} is corrupt (${why}).`);
  const tailFrom = Math.max(0, bytes.length - 40);
  const tail = TAIL.exec(bytes.subarray(tailFrom).toString('latin1'));
  if (!tail) throw corrupt('no index at its end');
  const indexAt = Number(tail[1]);
  const indexEnd = tailFrom + tail.index;
  if (!Number.isSafeInteger(indexAt) || indexAt < 0 || indexAt >= indexEnd)
    throw corrupt('an index out of place');
  let index: Json;
  try {
    index = JSON.parse(bytes.subarray(indexAt, indexEnd).toString('utf8'));
  } catch (error) {
    throw corrupt(`its index is not valid JSON: ${(error as Error).message}`);
  }
  if (!index || typeof index !== 'object' || Array.isArray(index))
    throw corrupt('an index that is not an object');
  const source = { file, bytes };
  return Object.entries(index as Record<string, Json>).map(([table, partitions]) => {
    if (!partitions || typeof partitions !== 'object' || Array.isArray(partitions))
      throw corrupt(`table ${table} is not an object`);
    return [
      table,
      Object.entries(partitions as Record<string, Json>).map(([partition, ranges]) => {
        if (!Array.isArray(ranges)) throw corrupt(`partition ${partition} is not a list of blocks`);
        const blocks = ranges.map((range) => {
          if (!Array.isArray(range) || range.length !== 5 || !range.every(Number.isSafeInteger))
            throw corrupt('a block entry that is not five integers');
          const [n, i0, i1, r0, r1] = range as number[];
          if (
            (n as number) < 0 ||
            (i0 as number) < 1 ||
            (i1 as number) <= (i0 as number) ||
            (r0 as number) <= (i1 as number) ||
            (r1 as number) <= (r0 as number) ||
            (r1 as number) >= indexAt ||
            bytes[r1 as number] !== 0x7d ||
            bytes.toString('latin1', i1 as number, r0 as number) !== ',"r":'
          ) {
            throw corrupt('a block out of place');
          }
          return new LazyBlock(n as number, { ...source, i0, i1, r0, r1 } as BlockSource);
        });
        return [partition, { blocks }] as [string, PartitionView];
      }),
    ];
  });
}

function objectView(records: Record<string, Json> | null): PartitionView {
  const ids = Object.keys(records ?? {});
  return { ids, values: ids.map((id) => (records as Record<string, Json>)[id]) };
}

/** A schema 2 partition: its blocks, with their ids decoded now (so that a block that does not add up stops start-up). */
function blockView(blocks: Block[]): PartitionView {
  if (!Array.isArray(blocks)) throw new Error('a partition that is not a list of blocks');
  return {
    blocks: blocks.map((block) => {
      if (!block || typeof block !== 'object' || !Number.isSafeInteger(block.n) || block.n < 0) {
        throw new Error('a block without a record count');
      }
      const lazy = new LazyBlock(block.n, { i: block.i, r: block.r });
      void lazy.ids;
      return lazy;
    }),
  };
}

/**
 * Every record of a state file (snapshot only, not the journal), decoded: table → partition → id →
 * record. For tests and tools that look inside a file; the store itself reads through lowdb.
 */
export function readStateFile(file: string): Record<string, Record<string, Record<string, Json>>> {
  const out: Record<string, Record<string, Record<string, Json>>> = {};
  for (const [table, partitions] of readSnapshot(file) ?? []) {
    const byPartition: Record<string, Record<string, Json>> = {};
    for (const [partition, view] of partitions) {
      const records: Record<string, Json> = {};
      for (const [id, value] of entriesOf(view)) {
        Object.defineProperty(records, id, { value, enumerable: true, writable: true, configurable: true });
      }
      byPartition[partition] = records;
    }
    out[table] = byPartition;
  }
  return out;
}

/** A partition view's ids and records, in order, decoded. */
export function* entriesOf(view: PartitionView): Generator<[string, Json]> {
  if ('blocks' in view) {
    for (const block of view.blocks) {
      const records = block.decode();
      const ids = block.ids;
      for (let i = 0; i < ids.length; i++) yield [ids[i] as string, records[i]];
    }
    return;
  }
  for (let i = 0; i < view.ids.length; i++) {
    const id = view.ids[i] as string;
    yield [id, resolve(id, view.values[i])];
  }
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
 * The snapshot as compact JSON (schema 3), one slice per block of records (at most BLOCK_ROWS): the
 * adapters take one slice at a time, so a background compaction yields to requests between two of
 * them. Byte offsets are counted as the slices are made, for the index written last.
 */
function* serialize(view: View, options: SnapshotOptions): Generator<Buffer> {
  let offset = 0;
  let head = `{"schemaVersion":${SCHEMA_VERSION},"blocks":[`;
  let firstBlock = true;
  const index: Array<[string, Array<[string, number[][]]>]> = [];
  for (const [table, partitions] of view) {
    const entries: Array<[string, number[][]]> = [];
    index.push([table, entries]);
    for (const [partition, records] of partitions) {
      const ranges: number[][] = [];
      const reuse = options.reuse;
      const previous = reuse?.blocks(table, partition);
      for (const block of blocks(
        records,
        previous && reuse ? { blocks: previous, fd: reuse.fd } : undefined,
      )) {
        const prefix = Buffer.from(`${head}${firstBlock ? '' : ','}{"n":${block.n},"i":`);
        head = '';
        firstBlock = false;
        const ids = typeof block.i === 'string' ? Buffer.from(block.i) : block.i;
        const recordsText = typeof block.r === 'string' ? Buffer.from(block.r) : block.r;
        const i0 = offset + prefix.length;
        const i1 = i0 + ids.length;
        const r0 = i1 + MIDDLE.length;
        const r1 = r0 + recordsText.length;
        ranges.push([block.n, i0, i1, r0, r1]);
        options.onBlock?.(block.encoded ? 'encoded' : 'copied');
        if (block.records && options.written)
          options.written(table, partition, {
            ids: block.records.ids,
            records: block.records.values,
            i0,
            i1,
            r0,
            r1,
          });
        const slice = Buffer.concat([prefix, ids, MIDDLE, recordsText, END]);
        offset += slice.length;
        yield slice;
      }
      if (ranges.length > 0) entries.push([partition, ranges]);
    }
  }
  const before = Buffer.from(`${head}],"tables":`);
  const indexAt = offset + before.length;
  const tables = Object.fromEntries(index.map(([table, entries]) => [table, Object.fromEntries(entries)]));
  yield Buffer.concat([before, Buffer.from(`${JSON.stringify(tables)},"indexAt":${indexAt}}`)]);
}

const MIDDLE = Buffer.from(',"r":');
const END = Buffer.from('}');

/** One block to write: its record count and its id and record columns as JSON text. */
interface BlockText {
  n: number;
  i: string | Buffer;
  r: string | Buffer;
  /** The records in memory it was made of (not for a block read from a file and never decoded). */
  records?: { ids: string[]; values: Json[] };
  encoded?: boolean;
}

/**
 * A partition's records as blocks, built one at a time. A block read from the file whose records
 * are all still there, in order and never decoded, is written again as it was read.
 */
function* blocks(
  view: PartitionView,
  previous: { blocks: WrittenBlocks; fd: number } | undefined,
): Generator<BlockText> {
  if ('blocks' in view) {
    for (const block of view.blocks) {
      if (block.intact) yield { n: block.n, ...block.columns() };
      else yield encodeText(block.ids, block.decode());
    }
    return;
  }
  const { ids, values } = view;
  const writtenAt = (at: number) =>
    previous ? unchangedBlockAt(previous.blocks, ids, values, at) : undefined;
  let from = 0;
  while (from < ids.length) {
    const intact = intactBlockAt(ids, values, from);
    if (intact) {
      yield { n: intact.n, ...intact.columns() };
      from += intact.n;
      continue;
    }
    const written = writtenAt(from);
    if (written && previous) {
      yield copyWritten(written, previous.fd);
      from += written.ids.length;
      continue;
    }
    const blockIds: string[] = [];
    const records: Json[] = [];
    let at = from;
    while (
      at < ids.length &&
      blockIds.length < BLOCK_ROWS &&
      (at === from || (!intactBlockAt(ids, values, at) && !writtenAt(at)))
    ) {
      const id = ids[at] as string;
      blockIds.push(id);
      records.push(resolve(id, values[at]));
      at += 1;
    }
    yield encodeText(blockIds, records);
    from = at;
  }
}

function encodeText(ids: string[], records: Json[]): BlockText {
  const block = encodeBlock(ids.map((id, i) => [id, records[i]] as [string, Json]));
  return {
    n: block.n,
    i: JSON.stringify(block.i),
    r: JSON.stringify(block.r),
    records: { ids, values: records },
    encoded: true,
  };
}

/** A block of the last snapshot that starts at `at` and whose records are all still the same objects, in order. */
function unchangedBlockAt(
  written: WrittenBlocks,
  ids: string[],
  values: Json[],
  at: number,
): WrittenBlock | undefined {
  const block = written.get(ids[at] as string);
  if (!block) return undefined;
  const n = block.ids.length;
  if (at + n > ids.length) return undefined;
  for (let i = 0; i < n; i++)
    if (values[at + i] !== block.records[i] || ids[at + i] !== block.ids[i]) return undefined;
  return block;
}

/** A written block's columns, read back from the last snapshot (the page cache has them, usually). */
function copyWritten(block: WrittenBlock, fd: number): BlockText {
  const bytes = Buffer.allocUnsafe(block.r1 - block.i0);
  let read = 0;
  while (read < bytes.length) {
    const n = readSync(fd, bytes, read, bytes.length - read, block.i0 + read);
    if (n === 0) throw new Error('the last snapshot is shorter than its index says');
    read += n;
  }
  return {
    n: block.ids.length,
    i: bytes.subarray(0, block.i1 - block.i0),
    r: bytes.subarray(block.r0 - block.i0),
    records: { ids: block.ids, values: block.records },
  };
}

function intactBlockAt(ids: string[], values: Json[], at: number): LazyBlock | undefined {
  const block = values[at];
  if (!(block instanceof LazyBlock) || !block.intact || block.ids[0] !== ids[at]) return undefined;
  const n = block.ids.length;
  if (at + n > ids.length) return undefined;
  for (let i = 1; i < n; i++) if (values[at + i] !== block || ids[at + i] !== block.ids[i]) return undefined;
  return block;
}
