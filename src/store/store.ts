import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open as openFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  FILE_MODE,
  LazyBlock,
  type PartitionView,
  type SnapshotOptions,
  StateFileError,
  snapshotDb,
  snapshotDbSync,
  type View,
  type WrittenBlocks,
} from './snapshot.js';

export { readStateFile, SCHEMA_VERSION, type StateFile, StateFileError } from './snapshot.js';

/**
 * Persistence for everything the emulator knows. Records live in tables, each split into partitions
 * (an account and region, usually). Reads are from memory: a stored record is frozen, so `peek` and
 * `ordered` hand it out without a copy, and `get`/`list` copy only for callers that change and `put`
 * it back. A write is appended to a journal beside the JSON snapshot and is durable once `commit()`
 * resolves; concurrent committers share one append and one fdatasync (group commit). Every
 * `compactEvery` writes (or, in a large store, once the journal holds a quarter as many writes as
 * there are records, so that compaction costs O(1) a write) the snapshot is rewritten off the
 * request path: the journal is rotated, a point-in-time view is written in chunks to a temp file
 * (fsynced, renamed, directory fsynced), and only then is the old journal removed.
 *
 * Records read from the snapshot stay encoded until first read (snapshot.ts `LazyBlock`): every
 * read of a partition's map goes through `valueAt`/`materialize`, which decode them. A partition's
 * map itself is built on its first use (`Unopened`); until then it is its blocks.
 */

type Json = unknown;

interface JournalEntry {
  t: string;
  p: string;
  id: string;
  v?: Json;
}

/**
 * An ordered view of one table's partitions, kept in order as records are written (no sort per
 * read). `where` keeps only the records it accepts. Identify an index by the object: declare it once.
 */
export interface Index<T> {
  compare(a: T, b: T): number;
  where?(value: T): boolean;
}

export interface Table<T> {
  /** A copy the caller may change and `put` back. */
  get(partition: string, id: string): T | undefined;
  /** The stored record itself, frozen: read it, never change it. */
  peek(partition: string, id: string): Readonly<T> | undefined;
  /** Copies, in insertion order. */
  list(partition: string): T[];
  /** The stored records in the index's order, frozen, without copying. */
  ordered(partition: string, index: Index<T>): readonly T[];
  put(partition: string, id: string, value: T): void;
  delete(partition: string, id: string): void;
  partitions(): string[];
  count(partition?: string): number;
}

export interface StoreOptions {
  /** Path of the JSON snapshot; undefined keeps state in memory only. */
  file?: string;
  compactEvery?: number;
  fsync?: boolean;
  /** Told what start-up repaired (a torn journal tail) and what a background compaction hit. */
  warn?: (message: string) => void;
}

/** Counters for tests and the benchmark. */
export interface StoreStats {
  /** fdatasync calls on the journal (one per group commit). */
  journalSyncs: number;
  /** Journal appends (one per group commit). */
  journalWrites: number;
  compactions: number;
  /** Longest time a compaction kept the event loop busy in one stretch, ms. */
  longestCompactionStepMs: number;
  /** Snapshot blocks encoded from records in memory, and copied as bytes (unchanged since the file they come from). */
  blocksEncoded: number;
  blocksCopied: number;
  /** Partitions read from the snapshot whose id map was built (on first use, not at open). */
  partitionsOpened: number;
}

type Partition = Map<string, Json>;
/**
 * A partition as read from the snapshot and not used since: its blocks and how many records they
 * hold. Its id map is built on first use (`count` and `partitions` answer without it), so start-up
 * does not pay for partitions nobody touches.
 */
class Unopened {
  /** The id map built so far (the warm-up builds it a few blocks at a time), and the next block to add. */
  private map: Partition | undefined;
  private next = 0;
  constructor(
    readonly blocks: LazyBlock[],
    readonly size: number,
  ) {}

  /** Adds blocks to the id map until `untilMs` (performance.now()) has passed; true once every block is in. */
  step(untilMs: number): boolean {
    this.map ??= new Map();
    while (this.next < this.blocks.length) {
      const block = this.blocks[this.next++] as LazyBlock;
      for (const id of block.ids) this.map.set(id, block);
      if (performance.now() >= untilMs) break;
    }
    return this.next >= this.blocks.length;
  }

  /**
   * The record stored under `id`, without building the id map: the map built so far, then the ids
   * of the blocks not in it yet (parsed once, kept by their block). For reads that come before the
   * background build is done; a write builds the map.
   */
  find(id: string): Json {
    const block = this.map?.get(id);
    if (block instanceof LazyBlock) return block.record(id);
    for (let b = this.next; b < this.blocks.length; b++) {
      const candidate = this.blocks[b] as LazyBlock;
      const at = candidate.ids.indexOf(id);
      if (at !== -1) return candidate.decode()[at];
    }
    return undefined;
  }

  /** The whole id map; `decode` decodes every block too (for a read of every record), in the same pass when none was added yet. */
  open(decode: boolean): Partition {
    if (decode && !this.map) {
      const part: Partition = new Map();
      for (const block of this.blocks) {
        const ids = block.ids;
        const records = block.decode();
        for (let i = 0; i < ids.length; i++) part.set(ids[i] as string, records[i]);
      }
      return part;
    }
    this.step(Number.POSITIVE_INFINITY);
    return this.map as Partition;
  }
}
type TableMap = Map<string, Partition | Unopened>;
type Deferred = { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };

/** Longest stretch of one step of the background build of id maps (`warmUp`), ms. */
const WARM_SLICE_MS = 2;

export class Store {
  private data = new Map<string, TableMap>();
  /** table → partition → index → records in order (built on first use, then kept up to date). */
  private indexes = new Map<string, Map<string, Map<Index<unknown>, Json[]>>>();
  private readonly journalPath: string | undefined;
  private readonly nextJournalPath: string | undefined;
  private journal: FileHandle | undefined;
  private pending: string[] = [];
  private journalLength = 0;
  private readonly compactEvery: number;
  private readonly fsync: boolean;
  /** Undo entries of the transaction under way (previous values, newest last). */
  private undo: JournalEntry[] | undefined;
  private readonly rollbackListeners = new Map<string, () => void>();
  /** The batch being appended, and the one the next append will take. */
  private inFlight: Promise<void> | undefined;
  private next: Deferred | undefined;
  private loop: Promise<void> | undefined;
  private compaction: Promise<void> | undefined;
  /** The journal was rotated to `.journal.next` and the old one is still on disk. */
  private rotated = false;
  /** Something was written since the snapshot was last rewritten in full (or the journal held writes). */
  private changed = false;
  /**
   * The blocks the last snapshot holds that were made from records in memory (by partition), and a
   * descriptor open on that file: the next compaction copies a block whose records did not change
   * instead of encoding them again.
   */
  private written = new Map<string, WrittenBlocks>();
  private reader: number | undefined;
  /** The background build of id maps is under way (`warmUp`). */
  private warming = false;
  /** Long strings seen in recent writes: a value many records repeat (a policy) is kept once. */
  private readonly strings = new StringPool();
  readonly stats: StoreStats = {
    journalSyncs: 0,
    journalWrites: 0,
    compactions: 0,
    longestCompactionStepMs: 0,
    blocksEncoded: 0,
    blocksCopied: 0,
    partitionsOpened: 0,
  };

  constructor(private readonly options: StoreOptions = {}) {
    this.compactEvery = options.compactEvery ?? 5000;
    this.fsync = options.fsync ?? true;
    if (options.file) {
      this.journalPath = `${options.file}.journal`;
      this.nextJournalPath = `${options.file}.journal.next`;
    }
  }

  get file(): string | undefined {
    return this.options.file;
  }

  /**
   * Builds the id maps of the partitions read from the snapshot in the background, a slice of at
   * most WARM_SLICE_MS at a time with a turn of the event loop between two: start-up does not wait
   * for them, and the first request that reads a partition finds its map built (or builds the rest).
   */
  warmUp(): void {
    if (this.warming) return;
    this.warming = true;
    const step = () => {
      if (!this.warming) return;
      for (const tableMap of this.data.values()) {
        for (const [name, part] of tableMap) {
          if (!(part instanceof Unopened)) continue;
          if (part.step(performance.now() + WARM_SLICE_MS)) {
            tableMap.set(name, part.open(false));
            this.stats.partitionsOpened += 1;
          }
          setImmediate(step);
          return;
        }
      }
      this.warming = false;
    };
    setImmediate(step);
  }

  /** Loads the snapshot and replays the journal. A corrupt or newer file stops start-up. */
  async open(): Promise<void> {
    const file = this.options.file;
    if (!file || !this.journalPath || !this.nextJournalPath) return;
    mkdirSync(dirname(file), { recursive: true });
    const snapshot = this.snapshotSync(file);
    snapshot.read();
    if (existsSync(file)) {
      this.data = fromView(snapshot.data);
      chmodSync(file, FILE_MODE);
    } else {
      // The state file exists from the first start, even before the first compaction.
      this.writeSnapshotSync();
    }
    this.replayJournal(this.journalPath);
    if (existsSync(this.nextJournalPath)) {
      // A compaction was cut short: both journals hold writes the snapshot may lack. Fold them in.
      this.replayJournal(this.nextJournalPath);
      this.writeSnapshotSync();
      writeFileSync(this.journalPath, '', { mode: FILE_MODE });
      unlinkSync(this.nextJournalPath);
      this.journalLength = 0;
    }
    if (existsSync(this.journalPath)) chmodSync(this.journalPath, FILE_MODE);
    this.journal = await openFile(this.journalPath, 'a', FILE_MODE);
  }

  /**
   * Applies every complete record. A final fragment (a short write, a full disk: never acknowledged)
   * is cut off the file, so the next append starts on a clean line; anything unreadable before the
   * last record is corruption and stops start-up.
   */
  private replayJournal(path: string): void {
    if (!existsSync(path)) return;
    const buffer = readFileSync(path);
    const lastNewline = buffer.lastIndexOf(0x0a);
    let keep = lastNewline + 1;
    const lines = buffer.subarray(0, keep).toString('utf8').split('\n');
    lines.pop();
    let offset = 0;
    for (const [index, line] of lines.entries()) {
      const bytes = Buffer.byteLength(line) + 1;
      if (line.trim() !== '') {
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          if (index < lines.length - 1)
            throw new StateFileError(`Journal ${path} is corrupt at line ${index + 1}.`);
          keep = offset;
          break;
        }
        if (entry.v !== undefined) entry.v = copy(entry.v, this.strings);
        this.apply(entry);
        this.changed = true;
        this.journalLength += 1;
      }
      offset += bytes;
    }
    if (keep < buffer.length) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, keep);
        if (this.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.options.warn?.(
        `Journal ${path}: cut ${buffer.length - keep} bytes of a torn last record (a write that was never acknowledged).`,
      );
    }
  }

  /** A partition's map (built from its blocks on first use: `decode` decodes them too, for a read of every record). */
  private partition(
    table: string,
    partition: string,
    create: boolean,
    decode = false,
  ): Partition | undefined {
    let tableMap = this.data.get(table);
    if (!tableMap) {
      if (!create) return undefined;
      tableMap = new Map();
      this.data.set(table, tableMap);
    }
    let part = tableMap.get(partition);
    if (part instanceof Unopened) {
      part = part.open(decode);
      tableMap.set(partition, part);
      this.stats.partitionsOpened += 1;
    }
    if (!part && create) {
      part = new Map();
      tableMap.set(partition, part);
    }
    return part;
  }

  /**
   * Counts every change to any record (a write, or its undoing): views derived from the records
   * (the authorizer's per-caller policy lists) compare it to know they are still current.
   */
  version = 0;

  private apply(entry: JournalEntry): void {
    this.version++;
    const part = this.partition(entry.t, entry.p, entry.v !== undefined);
    if (!part) return;
    const old = valueAt(part, entry.id);
    const indexes = this.indexes.get(entry.t)?.get(entry.p);
    if (entry.v === undefined) {
      if (old === undefined) return;
      part.delete(entry.id);
      if (part.size === 0) this.data.get(entry.t)?.delete(entry.p);
    } else {
      part.set(entry.id, entry.v);
    }
    if (indexes) {
      for (const [index, sorted] of indexes) {
        if (old !== undefined && (!index.where || index.where(old))) removeSorted(sorted, old, index);
        if (entry.v !== undefined && (!index.where || index.where(entry.v))) {
          insertSorted(sorted, deepFreeze(entry.v), index);
        }
      }
    }
  }

  private record(entry: JournalEntry): void {
    this.changed = true;
    this.version++;
    if (this.undo)
      this.undo.push({
        t: entry.t,
        p: entry.p,
        id: entry.id,
        v: valueAt(this.partition(entry.t, entry.p, false), entry.id),
      });
    this.apply(entry);
    if (this.journalPath) this.pending.push(JSON.stringify(entry));
  }

  private orderedView(table: string, partition: string, index: Index<unknown>): Json[] {
    let byPartition = this.indexes.get(table);
    if (!byPartition) {
      byPartition = new Map();
      this.indexes.set(table, byPartition);
    }
    let byIndex = byPartition.get(partition);
    if (!byIndex) {
      byIndex = new Map();
      byPartition.set(partition, byIndex);
    }
    let sorted = byIndex.get(index);
    if (!sorted) {
      sorted = [];
      for (const value of materialize(this.partition(table, partition, false, true))) {
        if (!index.where || index.where(value)) sorted.push(deepFreeze(value));
      }
      sorted.sort((a, b) => index.compare(a, b));
      byIndex.set(index, sorted);
    }
    return sorted;
  }

  /** A record for a read: a partition whose id map is not built yet answers without building it. */
  private lookup(table: string, partition: string, id: string): Json {
    const part = this.data.get(table)?.get(partition);
    if (part instanceof Unopened) return part.find(id);
    return valueAt(part, id);
  }

  table<T>(name: string): Table<T> {
    return {
      get: (partition, id) => {
        const value = this.lookup(name, partition, id);
        return value === undefined ? undefined : (copy(value) as T);
      },
      peek: (partition, id) => {
        const value = this.lookup(name, partition, id);
        return value === undefined ? undefined : (deepFreeze(value) as T);
      },
      list: (partition) => materialize(this.partition(name, partition, false, true)).map((v) => copy(v) as T),
      ordered: (partition, index) => this.orderedView(name, partition, index as Index<unknown>) as T[],
      put: (partition, id, value) =>
        this.record({ t: name, p: partition, id, v: deepFreeze(copy(value, this.strings)) }),
      delete: (partition, id) => {
        if (this.partition(name, partition, false)?.has(id)) this.record({ t: name, p: partition, id });
      },
      partitions: () => [...(this.data.get(name)?.keys() ?? [])],
      count: (partition) => {
        const tableMap = this.data.get(name);
        if (!tableMap) return 0;
        if (partition !== undefined) return tableMap.get(partition)?.size ?? 0;
        let n = 0;
        for (const part of tableMap.values()) n += part.size;
        return n;
      },
    };
  }

  /**
   * Runs `fn` as one unit: if it throws, every write it made is undone (in memory and in the
   * journal not yet flushed), so a request that fails changes nothing. An error that carries
   * `keepChanges: true` keeps them (a failure the service records, such as a rotation marked
   * Invalid). Synchronous on purpose: no other request's writes can interleave.
   *
   * A transaction inside another is a savepoint: if it throws, the writes it made are undone (the
   * outer one's stay, and the outer one decides about them); a scheduled job that fails inside a
   * request, or a rotation that fails inside its job, undoes only itself.
   */
  transaction<T>(fn: () => T): T {
    const outer = this.undo;
    const undo: JournalEntry[] = outer ?? [];
    const undoMark = undo.length;
    const mark = this.pending.length;
    if (!outer) this.undo = undo;
    try {
      return fn();
    } catch (error) {
      if ((error as { keepChanges?: boolean } | undefined)?.keepChanges !== true) {
        for (const entry of undo.splice(undoMark).reverse()) this.apply(entry);
        this.pending.length = mark;
        for (const listener of this.rollbackListeners.values()) listener();
      }
      throw error;
    } finally {
      if (!outer) this.undo = undefined;
    }
  }

  /**
   * Called after a transaction was undone, so that views kept beside the store can rebuild. One
   * listener per name: a newer one (the next world's scheduler, after a reset) replaces the older.
   */
  onRollback(name: string, listener: () => void): void {
    this.rollbackListeners.set(name, listener);
  }

  /** Nothing written waits for the disk (or there is no disk): `commit()` would resolve at once. */
  get durable(): boolean {
    return !this.journalPath || (this.pending.length === 0 && !this.next && !this.inFlight);
  }

  /**
   * Resolves once every write made so far is on disk. Writes made while an append is under way wait
   * for the next one, which takes all of them: concurrent callers share one write and one fdatasync.
   */
  commit(): Promise<void> {
    if (!this.journalPath) return Promise.resolve();
    if (this.pending.length === 0) return this.next?.promise ?? this.inFlight ?? Promise.resolve();
    if (!this.next) this.next = deferred();
    const promise = this.next.promise;
    // flushLoop always awaits before it ends, so `loop` is set before its finally clears it.
    if (!this.loop) this.loop = this.flushLoop();
    return promise;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.next) {
        const waiters = this.next;
        this.next = undefined;
        const batch = this.pending;
        this.pending = [];
        this.inFlight = waiters.promise;
        try {
          await this.append(batch);
          waiters.resolve();
        } catch (error) {
          waiters.reject(error);
        }
        if (this.journalLength >= this.compactThreshold() && !this.compaction) {
          // Rotated here, between two appends, so that no append is under way on the old journal.
          try {
            await this.rotate();
            this.compaction = this.compactInBackground(this.view()).finally(() => {
              this.compaction = undefined;
            });
          } catch (error) {
            this.options.warn?.(
              `Journal rotation failed (writes go on in the old journal): ${(error as Error).message}`,
            );
          }
        }
      }
    } finally {
      this.inFlight = undefined;
      this.loop = undefined;
    }
  }

  private async append(batch: string[]): Promise<void> {
    if (batch.length === 0) return;
    const journal = this.journal;
    if (!journal) throw new Error('The store is not open.');
    const buffer = Buffer.from(`${batch.join('\n')}\n`);
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await journal.write(buffer, written, buffer.length - written);
      written += bytesWritten;
    }
    this.stats.journalWrites += 1;
    if (this.fsync) {
      await journal.datasync();
      this.stats.journalSyncs += 1;
    }
    this.journalLength += batch.length;
  }

  /**
   * Writes in the journal that start a compaction: `compactEvery`, or a quarter of the records held
   * when that is more, so that rewriting the snapshot costs O(1) a write however many records there are.
   */
  private compactThreshold(): number {
    let records = 0;
    for (const tableMap of this.data.values()) for (const part of tableMap.values()) records += part.size;
    return Math.max(this.compactEvery, Math.floor(records / 4));
  }

  /** New writes go to `.journal.next`; the old journal stays until the snapshot covering it is durable. */
  private async rotate(): Promise<void> {
    if (this.rotated || !this.nextJournalPath) return;
    const nextJournal = await openFile(this.nextJournalPath, 'a', FILE_MODE);
    const old = this.journal;
    this.journal = nextJournal;
    this.rotated = true;
    this.journalLength = 0;
    await old?.close();
  }

  /**
   * Writes a point-in-time view (records are immutable: copying the maps suffices) in slices,
   * letting requests run in between; then makes it durable and only then drops the old journal.
   */
  private async compactInBackground(view: View): Promise<void> {
    const file = this.options.file;
    if (!file || !this.journalPath || !this.nextJournalPath) return;
    try {
      const { options, written } = this.reuseOptions();
      const snapshot = snapshotDb(file, {
        ...options,
        onStep: (ms) => {
          if (ms > this.stats.longestCompactionStepMs) this.stats.longestCompactionStepMs = ms;
        },
      });
      snapshot.data = view;
      await snapshot.write();
      this.adopt(file, written);
      // Only now that the snapshot is durable may the journal it covers go.
      await unlink(this.journalPath).catch(() => undefined);
      await rename(this.nextJournalPath, this.journalPath);
      if (this.fsync) await syncDirectory(dirname(file));
      this.rotated = false;
      this.stats.compactions += 1;
    } catch (error) {
      this.options.warn?.(
        `Compaction of ${file} failed (the journal keeps every write): ${(error as Error).message}`,
      );
      // The next one encodes every record again rather than copy from a file it could not use.
      this.dropReader();
    }
  }

  /** Snapshot options that copy the last snapshot's unchanged blocks, and the map the new file's blocks go to. */
  private reuseOptions(): { options: SnapshotOptions; written: Map<string, WrittenBlocks> } {
    const written = new Map<string, WrittenBlocks>();
    const last = this.written;
    const fd = this.reader;
    const options: SnapshotOptions = {
      fsync: this.fsync,
      onBlock: (how) => {
        if (how === 'encoded') this.stats.blocksEncoded += 1;
        else this.stats.blocksCopied += 1;
      },
      reuse: fd === undefined ? undefined : { blocks: (t, p) => last.get(partitionKey(t, p)), fd },
      written: (t, p, block) => {
        const key = partitionKey(t, p);
        let blocks = written.get(key);
        if (!blocks) {
          blocks = new Map();
          written.set(key, blocks);
        }
        blocks.set(block.ids[0] as string, block);
      },
    };
    return { options, written };
  }

  /** The snapshot just renamed into place is the one the next compaction copies from. */
  private adopt(file: string, written: Map<string, WrittenBlocks>): void {
    const old = this.reader;
    this.reader = undefined;
    this.written = new Map();
    if (old !== undefined) closeSync(old);
    try {
      this.reader = openSync(file, 'r');
      this.written = written;
    } catch {
      // Without it the next compaction encodes every record again: slower, never wrong.
    }
  }

  private dropReader(): void {
    if (this.reader !== undefined) closeSync(this.reader);
    this.reader = undefined;
    this.written = new Map();
  }

  /** A point-in-time copy of every partition (records are immutable: copying ids and values suffices). */
  private view(): View {
    return Array.from(this.data, ([table, partitions]) => [
      table,
      Array.from(partitions, ([partition, records]): [string, PartitionView] => [
        partition,
        records instanceof Unopened
          ? { blocks: records.blocks }
          : { ids: Array.from(records.keys()), values: Array.from(records.values()) },
      ]),
    ]);
  }

  /** Rewrites the snapshot at once and empties the journal (close, reset). */
  private async compactNow(): Promise<void> {
    if (!this.options.file || !this.journalPath || !this.nextJournalPath) return;
    while (this.compaction) await this.compaction;
    this.changed = false;
    await this.journal?.close();
    this.journal = undefined;
    this.writeSnapshotSync();
    writeFileSync(this.journalPath, '', { mode: FILE_MODE });
    if (this.rotated) unlinkSync(this.nextJournalPath);
    this.rotated = false;
    this.journalLength = 0;
    this.stats.compactions += 1;
  }

  private writeSnapshotSync(): void {
    const file = this.options.file;
    if (!file) return;
    const { options, written } = this.reuseOptions();
    const snapshot = snapshotDbSync(file, options);
    snapshot.data = this.view();
    snapshot.write();
    this.adopt(file, written);
  }

  private snapshotSync(file: string) {
    return snapshotDbSync(file, { fsync: this.fsync });
  }

  /** Waits for every write made so far, and for a compaction under way. */
  private async settle(): Promise<void> {
    await this.commit();
    while (this.loop || this.compaction) {
      await this.loop;
      await this.compaction;
    }
  }

  /** Forgets everything (test reset). */
  async clear(): Promise<void> {
    this.warming = false;
    await this.settle();
    this.data = new Map();
    this.indexes = new Map();
    this.pending = [];
    this.written = new Map();
    if (!this.journalPath) return;
    await this.compactNow();
    this.journal = await openFile(this.journalPath, 'a', FILE_MODE);
  }

  /** Names of the tables that hold or held records (the dashboard lists tables it does not know). */
  tableNames(): string[] {
    return [...this.data.keys()];
  }

  async close(): Promise<void> {
    this.warming = false;
    if (!this.journalPath) return;
    await this.settle();
    if (!this.journal) return;
    if (!this.changed && !this.rotated) {
      // Nothing was written since the snapshot was read or rewritten: it is already the whole state.
      await this.journal.close();
      this.journal = undefined;
      this.dropReader();
      return;
    }
    await this.compactNow();
    this.dropReader();
  }
}

function partitionKey(table: string, partition: string): string {
  return `${table}\u0000${partition}`;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed append is reported to its committers; nobody else must see an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await openFile(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function fromView(view: View): Map<string, TableMap> {
  const data = new Map<string, TableMap>();
  for (const [table, partitions] of view) {
    const tableMap: TableMap = new Map();
    for (const [partition, records] of partitions) {
      if ('blocks' in records) {
        let size = 0;
        for (const block of records.blocks) size += block.n;
        if (size > 0) tableMap.set(partition, new Unopened(records.blocks, size));
        continue;
      }
      const part: Partition = new Map();
      for (let i = 0; i < records.ids.length; i++) part.set(records.ids[i] as string, records.values[i]);
      if (part.size > 0) tableMap.set(partition, part);
    }
    data.set(table, tableMap);
  }
  return data;
}

/** A partition's record, decoding its block (and so every record of it) if it was not read yet. */
function valueAt(part: Partition | undefined, id: string): Json {
  const value = part?.get(id);
  if (!(value instanceof LazyBlock)) return value;
  decodeInto(part as Partition, value);
  return (part as Partition).get(id);
}

/** Puts a block's records in place of the block, where the partition still holds it. */
function decodeInto(part: Partition, block: LazyBlock): void {
  const records = block.decode();
  block.ids.forEach((id, i) => {
    if (part.get(id) === block) part.set(id, records[i]);
  });
}

/** A partition's records in insertion order, every one decoded. */
function materialize(part: Partition | undefined): Json[] {
  if (!part) return [];
  const out = new Array<Json>(part.size);
  let i = 0;
  for (const [id, value] of part) {
    if (value instanceof LazyBlock) decodeInto(part, value);
    out[i++] = value instanceof LazyBlock ? part.get(id) : value;
  }
  return out;
}

/**
 * Keeps one copy of a long string that many records repeat (a default policy): a small
 * direct-mapped cache, found by length and two characters (no hashing of the whole string), so a
 * value seen again is shared and a unique one only takes a slot until another lands there.
 */
class StringPool {
  private readonly slots = new Array<string>(4096).fill('');

  take(value: string): string {
    const n = value.length;
    if (n < 32) return value;
    const slot = (n * 31 + value.charCodeAt(n >> 1) * 7 + value.charCodeAt(n - 3)) & 4095;
    const known = this.slots[slot];
    if (known === value) return known;
    this.slots[slot] = value;
    return value;
  }
}

/** A deep copy of a JSON value (records are plain JSON: faster than structuredClone). */
function copy(value: Json, strings?: StringPool): Json {
  if (typeof value === 'string') return strings ? strings.take(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => copy(v, strings));
  const out: Record<string, Json> = {};
  for (const key in value as Record<string, Json>) {
    const v = (value as Record<string, Json>)[key];
    if (v !== undefined) out[key] = copy(v, strings);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key in value as Record<string, Json>) deepFreeze((value as Record<string, Json>)[key]);
  return value;
}

function lowerBound(sorted: Json[], value: Json, index: Index<unknown>): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index.compare(sorted[mid], value) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(sorted: Json[], value: Json, index: Index<unknown>): void {
  let at = lowerBound(sorted, value, index);
  while (at < sorted.length && index.compare(sorted[at], value) === 0) at += 1;
  sorted.splice(at, 0, value);
}

function removeSorted(sorted: Json[], value: Json, index: Index<unknown>): void {
  for (let at = lowerBound(sorted, value, index); at < sorted.length; at++) {
    if (sorted[at] === value) {
      sorted.splice(at, 1);
      return;
    }
    if (index.compare(sorted[at], value) !== 0) break;
  }
  // Not where its order says (a comparator that changed its mind): find it the slow way.
  const at = sorted.indexOf(value);
  if (at !== -1) sorted.splice(at, 1);
}
