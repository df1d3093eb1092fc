import type { Store, Table } from '../store/store.js';
import type { VirtualClock } from './clock.js';
import { isoSeconds } from './time.js';

/**
 * Work that falls due at a point of virtual time: key and secret rotations, deletion purges,
 * instance expiry. Features register a handler per job type and schedule jobs by id (scheduling the
 * same id again moves it). Jobs are persisted, so a restart keeps them.
 */
export interface Job {
  id: string;
  type: string;
  at: number;
  payload: Record<string, unknown>;
  seq: number;
}

export interface FiredJob {
  at: string;
  type: string;
  id: string;
  result: string;
}

/** A handler returns a short description of what it did (it appears in the clock-advance report). */
export type JobHandler = (job: Job) => string | undefined;

const PARTITION = 'all';

export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly jobs: Table<Job>;
  private queue: Job[] = [];
  private seq = 0;

  constructor(
    store: Store,
    private readonly clock: VirtualClock,
  ) {
    this.jobs = store.table<Job>('jobs');
    this.reload();
    // A failed request's scheduled jobs are undone with its other writes.
    store.onRollback('scheduler', () => this.reload());
  }

  /** Rebuilds the in-memory queue from the store (after load or reset). */
  reload(): void {
    this.queue = this.jobs.list(PARTITION).sort(byTime);
    this.seq = this.queue.reduce((max, job) => Math.max(max, job.seq), 0);
  }

  register(type: string, handler: JobHandler): void {
    this.handlers.set(type, handler);
  }

  schedule(id: string, type: string, at: number, payload: Record<string, unknown> = {}): void {
    this.removeFromQueue(id);
    this.seq += 1;
    const job: Job = { id, type, at, payload, seq: this.seq };
    this.jobs.put(PARTITION, id, job);
    const index = this.queue.findIndex((other) => byTime(job, other) < 0);
    this.queue.splice(index === -1 ? this.queue.length : index, 0, job);
  }

  cancel(id: string): void {
    if (this.removeFromQueue(id)) this.jobs.delete(PARTITION, id);
  }

  get(id: string): Job | undefined {
    return this.queue.find((job) => job.id === id);
  }

  pending(): readonly Job[] {
    return this.queue;
  }

  private removeFromQueue(id: string): boolean {
    const index = this.queue.findIndex((job) => job.id === id);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    return true;
  }

  /** Runs every job due at or before the clock's present time, in time order. */
  runDue(): FiredJob[] {
    return this.runUntil(this.clock.now(), false);
  }

  /**
   * Moves virtual time to `target`, stopping at each due job's time to run it, so that work created by
   * one job (a next rotation, say) runs too if it falls due before `target`.
   */
  advanceTo(target: number): FiredJob[] {
    const fired = this.runUntil(target, true);
    if (target > this.clock.now()) this.clock.set(target);
    return fired;
  }

  private runUntil(limit: number, moveClock: boolean): FiredJob[] {
    const fired: FiredJob[] = [];
    for (;;) {
      const job = this.queue[0];
      if (!job || job.at > limit) break;
      this.queue.shift();
      this.jobs.delete(PARTITION, job.id);
      if (moveClock && job.at > this.clock.now()) this.clock.set(job.at);
      const handler = this.handlers.get(job.type);
      let result: string;
      try {
        result = handler ? (handler(job) ?? 'done') : `no handler for ${job.type}`;
      } catch (error) {
        result = `failed: ${(error as Error).message}`;
      }
      fired.push({ at: isoSeconds(job.at), type: job.type, id: job.id, result });
    }
    return fired;
  }
}

function byTime(a: Job, b: Job): number {
  return a.at - b.at || a.seq - b.seq;
}
