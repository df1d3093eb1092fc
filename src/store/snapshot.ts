import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open as openFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Adapter, Low, LowSync, type SyncAdapter } from 'lowdb';

/**
 * The JSON snapshot beside the journal, read and written through lowdb with adapters of our own:
 * compact JSON (no pretty-printing), written in slices to a 0600 temp file that is fsynced, renamed
 * over the snapshot, and followed by an fsync of the directory — so a snapshot is durable before the
 * journal it covers is removed. The async adapter yields to requests between slices (background
 * compaction); the sync one serves start-up, close and reset.
 */
export const SCHEMA_VERSION = 1;

type Json = unknown;
/** tables → partitions → records, as ordered entries (a point-in-time view, never copied). */
export type View = Array<[string, Array<[string, Array<[string, Json]>]>]>;

export interface StateFile {
  schemaVersion: number;
  tables: Record<string, Record<string, Record<string, Json>>>;
}

export class StateFileError extends Error {}

export const FILE_MODE = 0o600;
const SLICE = 2000;

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
      for (const slice of serialize(view)) {
        const started = performance.now();
        const text = slice();
        this.options.onStep?.(performance.now() - started);
        await out.write(text);
        await new Promise((resolve) => setImmediate(resolve));
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
  if (!loaded || typeof loaded !== 'object' || typeof loaded.schemaVersion !== 'number' || !loaded.tables) {
    throw new StateFileError(`State file ${file} is not an alibaba-kms-emulator state file.`);
  }
  if (loaded.schemaVersion > SCHEMA_VERSION) {
    throw new StateFileError(
      `State file ${file} has schemaVersion ${loaded.schemaVersion}, newer than this emulator's ${SCHEMA_VERSION}; upgrade the emulator or use another file.`,
    );
  }
  return Object.entries(loaded.tables).map(([table, partitions]) => [
    table,
    Object.entries(partitions ?? {}).map(([partition, records]) => [
      partition,
      Object.entries(records ?? {}),
    ]),
  ]);
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
 * The snapshot as compact JSON, in slices of about SLICE records: each slice is a function that
 * returns its text, so a background compaction can yield to requests between two of them.
 */
function serialize(view: View): Array<() => string> {
  const slices: Array<() => string> = [];
  let head = `{"schemaVersion":${SCHEMA_VERSION},"tables":{`;
  view.forEach(([table, partitions], t) => {
    head += `${t > 0 ? ',' : ''}${JSON.stringify(table)}:{`;
    partitions.forEach(([partition, records], p) => {
      head += `${p > 0 ? ',' : ''}${JSON.stringify(partition)}:{`;
      for (let start = 0; start < records.length; start += SLICE) {
        const prefix = head;
        head = '';
        const from = start;
        slices.push(() => {
          let text = prefix;
          const end = Math.min(records.length, from + SLICE);
          for (let i = from; i < end; i++) {
            const [id, v] = records[i] as [string, Json];
            text += `${i > 0 ? ',' : ''}${JSON.stringify(id)}:${JSON.stringify(v)}`;
          }
          return text;
        });
      }
      head += '}';
    });
    head += '}';
  });
  head += '}}';
  slices.push(() => head);
  return slices;
}
