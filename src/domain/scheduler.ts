import type { Store, Table } from '../store/store.js';
import type { VirtualClock } from './clock.js';
import { isoSeconds } from './time.js';
import type { Scope } from './world.js';

/**
 * Work that falls due at a point of virtual time: key and secret rotations, deletion purges,
 * instance expiry. A service defines each of its job types once (`define`), with a typed payload,
 * and schedules jobs by the resource they act on: the stored job id is derived from the type, the
 * account, the region and the resource (`key.purge:<account>/<region>:<keyId>`), so resources of
 * two accounts with the same id never share a job, and scheduling the same resource again moves its
 * job. Each job runs in its own store transaction: a job that throws leaves none of its writes
 * behind and is reported as `failed: …`. Jobs are persisted, so a restart keeps them.
 */
export interface Job {
  id: string;
  type: string;
  at: number;
  payload: Record<string, unknown>;
  seq: number;
  /** The account and region of a job made by a defined type (absent on untyped and older jobs). */
  accountId?: string;
  regionId?: string;
  /** The resource a defined type's job acts on (its key, secret or instance id). */
  resource?: string;
}

export interface FiredJob {
  at: string;
  type: string;
  id: string;
  result: string;
}

/** A handler returns a short description of what it did (it appears in the clock-advance report). */
export type JobHandler = (job: Job) => string | undefined;

/** What a defined type's handler is given: the resource's scope and id, and the payload it was scheduled with. */
export interface ScheduledJob<P> {
  scope: Scope;
  /** The resource id given to `schedule` (a KeyId, a secret name, an instance id). */
  id: string;
  payload: P;
  /** When the job was due (epoch ms). */
  at: number;
}

export type TypedJobHandler<P> = (job: ScheduledJob<P>) => string | undefined;

/** The payload of a job that needs nothing but its scope and resource id (the default). */
export type NoPayload = Record<string, never>;

/** A job type, as `Scheduler.define` returns it: the only way its jobs are scheduled and cancelled. */
export interface JobType<P> {
  readonly type: string;
  /** Schedules (or moves) the job of the resource `id` in `scope`. */
  schedule(
    scope: Scope,
    id: string,
    at: number,
    ...payload: P extends NoPayload ? [payload?: P] : [payload: P]
  ): void;
  cancel(scope: Scope, id: string): void;
  get(scope: Scope, id: string): Job | undefined;
}

export interface JobTypeOptions {
  /**
   * The id the clock-advance report gives a fired job (default `<type>:<resource id>`, the name the
   * report always used; the stored id also names the account and region).
   */
  reportId?: (scope: Scope, id: string) => string;
}

/** The stored id of a defined type's job. */
export function jobId(type: string, scope: Scope, id: string): string {
  return `${type}:${scope.accountId}/${scope.regionId}:${id}`;
}

const PARTITION = 'all';

interface Definition {
  reportId: (scope: Scope, id: string) => string;
}

export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly definitions = new Map<string, Definition>();
  private readonly jobs: Table<Job>;
  private queue: Job[] = [];
  private seq = 0;

  constructor(
    private readonly store: Store,
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

  /**
   * Defines a job type: `handler` runs each of its jobs when due, given the scope and resource id it
   * was scheduled with and its typed payload. Jobs of this type stored by an older version (ids such
   * as `key.purge:<keyId>`, the scope in the payload) are moved to the scoped id here, so `cancel`
   * finds them, and run by the same handler.
   */
  define<P extends object = NoPayload>(
    type: string,
    handler: TypedJobHandler<P>,
    options: JobTypeOptions = {},
  ): JobType<P> {
    this.definitions.set(type, { reportId: options.reportId ?? ((_scope, id) => `${type}:${id}`) });
    this.handlers.set(type, (job) => {
      const target = targetOf(job);
      if (!target) return `no account, region or resource in job ${job.id}`;
      return handler({ scope: target.scope, id: target.resource, payload: job.payload as P, at: job.at });
    });
    this.migrateLegacy(type);
    return {
      type,
      schedule: (scope, id, at, ...payload) => {
        this.put({
          id: jobId(type, scope, id),
          type,
          at,
          payload: (payload[0] ?? {}) as Record<string, unknown>,
          accountId: scope.accountId,
          regionId: scope.regionId,
          resource: id,
        });
      },
      cancel: (scope, id) => this.cancel(jobId(type, scope, id)),
      get: (scope, id) => this.get(jobId(type, scope, id)),
    };
  }

  /** An untyped job type, for jobs scheduled by id with `schedule` (services use `define`). */
  register(type: string, handler: JobHandler): void {
    this.handlers.set(type, handler);
  }

  /** Schedules an untyped job by its id (services use the `schedule` of a type from `define`). */
  schedule(id: string, type: string, at: number, payload: Record<string, unknown> = {}): void {
    this.put({ id, type, at, payload });
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

  private put(fields: Omit<Job, 'seq'>): void {
    this.removeFromQueue(fields.id);
    this.seq += 1;
    const job: Job = { ...fields, seq: this.seq };
    this.jobs.put(PARTITION, job.id, job);
    const index = this.queue.findIndex((other) => byTime(job, other) < 0);
    this.queue.splice(index === -1 ? this.queue.length : index, 0, job);
  }

  /** Gives the pending jobs of `type` stored without a scope (an older state file) their scoped id. */
  private migrateLegacy(type: string): void {
    for (const job of [...this.queue]) {
      if (job.type !== type || job.resource !== undefined) continue;
      const target = targetOf(job);
      if (!target) continue;
      const id = jobId(type, target.scope, target.resource);
      if (this.queue.some((other) => other.id === id)) continue;
      this.removeFromQueue(job.id);
      this.jobs.delete(PARTITION, job.id);
      const moved: Job = {
        ...job,
        id,
        accountId: target.scope.accountId,
        regionId: target.scope.regionId,
        resource: target.resource,
      };
      this.jobs.put(PARTITION, id, moved);
      const index = this.queue.findIndex((other) => byTime(moved, other) < 0);
      this.queue.splice(index === -1 ? this.queue.length : index, 0, moved);
    }
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
      // Taken off the queue before it runs (and outside its transaction): a job that fails is
      // reported once, not run again.
      this.queue.shift();
      this.jobs.delete(PARTITION, job.id);
      if (moveClock && job.at > this.clock.now()) this.clock.set(job.at);
      const handler = this.handlers.get(job.type);
      let result: string;
      try {
        result = handler
          ? this.store.transaction(() => handler(job) ?? 'done')
          : `no handler for ${job.type}`;
      } catch (error) {
        result = `failed: ${(error as Error).message}`;
      }
      fired.push({ at: isoSeconds(job.at), type: job.type, id: this.reportId(job), result });
    }
    return fired;
  }

  private reportId(job: Job): string {
    const definition = this.definitions.get(job.type);
    const target = definition ? targetOf(job) : undefined;
    return definition && target ? definition.reportId(target.scope, target.resource) : job.id;
  }
}

/**
 * The scope and resource of a defined type's job. A job stored by an older version has neither
 * field: its id was `<type>:<resource>` or `<type>:<account>/<region>/<resource>` and its payload
 * named the account and region.
 */
function targetOf(job: Job): { scope: Scope; resource: string } | undefined {
  if (job.accountId !== undefined && job.regionId !== undefined && job.resource !== undefined) {
    return { scope: { accountId: job.accountId, regionId: job.regionId }, resource: job.resource };
  }
  const { accountId, regionId } = job.payload;
  const prefix = `${job.type}:`;
  if (typeof accountId !== 'string' || typeof regionId !== 'string' || !job.id.startsWith(prefix)) {
    return undefined;
  }
  let resource = job.id.slice(prefix.length);
  const partition = `${accountId}/${regionId}/`;
  if (resource.startsWith(partition)) resource = resource.slice(partition.length);
  return { scope: { accountId, regionId }, resource };
}

function byTime(a: Job, b: Job): number {
  return a.at - b.at || a.seq - b.seq;
}
