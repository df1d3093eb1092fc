import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';

/**
 * Persistence for everything the emulator knows. Records live in tables, each split into partitions
 * (an account and region, usually). Reads are from memory. A write is appended to a journal beside the
 * JSON snapshot and is durable once `commit()` resolves; the snapshot is rewritten (atomically, by
 * lowdb: temp file + rename) only every `compactEvery` writes, so a write's cost does not grow with
 * the number of stored resources.
 */
export const SCHEMA_VERSION = 1;

type Json = unknown;
type TableData = Record<string, Record<string, Json>>;

export interface StateFile {
  schemaVersion: number;
  tables: Record<string, TableData>;
}

interface JournalEntry {
  t: string;
  p: string;
  id: string;
  v?: Json;
}

export class StateFileError extends Error {}

export interface Table<T> {
  get(partition: string, id: string): T | undefined;
  list(partition: string): T[];
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
}

export class Store {
  private data: StateFile = emptyState();
  private readonly db: Low<StateFile> | undefined;
  private readonly journalPath: string | undefined;
  private journalFd: number | undefined;
  private pending: string[] = [];
  private journalLength = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly compactEvery: number;
  private readonly fsync: boolean;
  /** Undo entries of the transaction under way (previous values, newest last). */
  private undo: JournalEntry[] | undefined;
  private readonly rollbackListeners = new Map<string, () => void>();

  constructor(private readonly options: StoreOptions = {}) {
    this.compactEvery = options.compactEvery ?? 5000;
    this.fsync = options.fsync ?? true;
    if (options.file) {
      this.db = new Low(new JSONFile<StateFile>(options.file), emptyState());
      this.journalPath = `${options.file}.journal`;
    }
  }

  get file(): string | undefined {
    return this.options.file;
  }

  /** Loads the snapshot and replays the journal. A corrupt or newer file stops start-up. */
  async open(): Promise<void> {
    const file = this.options.file;
    if (!this.db || !file || !this.journalPath) return;
    mkdirSync(dirname(file), { recursive: true });
    try {
      await this.db.read();
    } catch (error) {
      throw new StateFileError(`State file ${file} is not valid JSON (${(error as Error).message}).`);
    }
    const loaded = this.db.data as Partial<StateFile> | null;
    if (!loaded || typeof loaded !== 'object' || typeof loaded.schemaVersion !== 'number' || !loaded.tables) {
      throw new StateFileError(`State file ${file} is not an alibaba-kms-emulator state file.`);
    }
    if (loaded.schemaVersion > SCHEMA_VERSION) {
      throw new StateFileError(
        `State file ${file} has schemaVersion ${loaded.schemaVersion}, newer than this emulator's ${SCHEMA_VERSION}; upgrade the emulator or use another file.`,
      );
    }
    this.data = loaded as StateFile;
    this.data.schemaVersion = SCHEMA_VERSION;
    // The state file exists from the first start, even before the first compaction.
    if (!existsSync(file)) await this.db.write();
    this.replayJournal(this.journalPath);
    this.journalFd = openSync(this.journalPath, 'a');
  }

  private replayJournal(path: string): void {
    if (!existsSync(path)) return;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        // A torn final line is a write that was never acknowledged; anything earlier is corruption.
        if (index >= lines.length - 2) return;
        throw new StateFileError(`Journal ${path} is corrupt at line ${index + 1}.`);
      }
      this.apply(entry);
      this.journalLength += 1;
    });
  }

  private apply(entry: JournalEntry): void {
    const table = (this.data.tables[entry.t] ??= {});
    if (entry.v === undefined) {
      const partition = table[entry.p];
      if (partition) {
        delete partition[entry.id];
        if (Object.keys(partition).length === 0) delete table[entry.p];
      }
    } else {
      (table[entry.p] ??= {})[entry.id] = entry.v;
    }
  }

  private record(entry: JournalEntry): void {
    if (this.undo)
      this.undo.push({
        t: entry.t,
        p: entry.p,
        id: entry.id,
        v: this.data.tables[entry.t]?.[entry.p]?.[entry.id],
      });
    this.apply(entry);
    if (this.db) this.pending.push(JSON.stringify(entry));
  }

  table<T>(name: string): Table<T> {
    const tableData = (): TableData => (this.data.tables[name] ??= {});
    return {
      // Copies out, so a record changes only through put().
      get: (partition, id) => {
        const value = tableData()[partition]?.[id];
        return value === undefined ? undefined : (structuredClone(value) as T);
      },
      list: (partition) => Object.values(tableData()[partition] ?? {}).map((v) => structuredClone(v) as T),
      put: (partition, id, value) => this.record({ t: name, p: partition, id, v: structuredClone(value) }),
      delete: (partition, id) => {
        if (tableData()[partition]?.[id] !== undefined) this.record({ t: name, p: partition, id });
      },
      partitions: () => Object.keys(tableData()),
      count: (partition) =>
        partition === undefined
          ? Object.values(tableData()).reduce((n, p) => n + Object.keys(p).length, 0)
          : Object.keys(tableData()[partition] ?? {}).length,
    };
  }

  /**
   * Runs `fn` as one unit: if it throws, every write it made is undone (in memory and in the
   * journal not yet flushed), so a request that fails changes nothing. An error that carries
   * `keepChanges: true` keeps them (a failure the service records, such as a rotation marked
   * Invalid). Synchronous on purpose: no other request's writes can interleave.
   */
  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    const undo: JournalEntry[] = [];
    const mark = this.pending.length;
    this.undo = undo;
    try {
      return fn();
    } catch (error) {
      if ((error as { keepChanges?: boolean } | undefined)?.keepChanges !== true) {
        for (const entry of undo.reverse()) this.apply(entry);
        this.pending.length = mark;
        for (const listener of this.rollbackListeners.values()) listener();
      }
      throw error;
    } finally {
      this.undo = undefined;
    }
  }

  /**
   * Called after a transaction was undone, so that views kept beside the store can rebuild. One
   * listener per name: a newer one (the next world's scheduler, after a reset) replaces the older.
   */
  onRollback(name: string, listener: () => void): void {
    this.rollbackListeners.set(name, listener);
  }

  /** Resolves once every write made so far is on disk. Concurrent callers share one append (group commit). */
  commit(): Promise<void> {
    if (!this.db || this.pending.length === 0) return this.chain;
    this.chain = this.chain.then(() => this.flush());
    return this.chain;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0 || this.journalFd === undefined) return;
    const batch = this.pending;
    this.pending = [];
    writeSync(this.journalFd, `${batch.join('\n')}\n`);
    if (this.fsync) fdatasyncSync(this.journalFd);
    this.journalLength += batch.length;
    if (this.journalLength >= this.compactEvery) await this.compact();
  }

  /** Rewrites the snapshot and empties the journal. */
  private async compact(): Promise<void> {
    if (!this.db || !this.journalPath) return;
    this.db.data = this.data;
    await this.db.write();
    await truncate(this.journalPath, 0);
    this.journalLength = 0;
  }

  /** Forgets everything (test reset). */
  async clear(): Promise<void> {
    await this.commit();
    this.data = emptyState();
    this.pending = [];
    this.chain = this.chain.then(() => this.compact());
    await this.chain;
  }

  /** Names of the tables that hold or held records (the dashboard lists tables it does not know). */
  tableNames(): string[] {
    return Object.keys(this.data.tables);
  }

  async close(): Promise<void> {
    await this.commit();
    this.chain = this.chain.then(() => this.compact());
    await this.chain;
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }
}

function emptyState(): StateFile {
  return { schemaVersion: SCHEMA_VERSION, tables: {} };
}
