import type { Store } from '../store/store.js';
import { AccountDirectory } from './accounts.js';
import type { VirtualClock } from './clock.js';
import { IdFactory } from './ids.js';
import type { Random } from './random.js';
import { Scheduler } from './scheduler.js';

/** An account's resources in one region: the partition every regional resource lives in. */
export interface Scope {
  accountId: string;
  regionId: string;
}

export function partitionOf(scope: Scope): string {
  return `${scope.accountId}/${scope.regionId}`;
}

/**
 * The domain: every service of the emulated cloud, sharing one clock, one random source, one store
 * and one scheduler. Nothing here knows HTTP.
 */
export class World {
  readonly ids: IdFactory;
  readonly scheduler: Scheduler;
  readonly accounts: AccountDirectory;

  constructor(
    readonly clock: VirtualClock,
    readonly random: Random,
    readonly store: Store,
  ) {
    this.ids = new IdFactory(random);
    this.scheduler = new Scheduler(store, clock);
    this.accounts = new AccountDirectory(store);
  }

  now(): number {
    return this.clock.now();
  }
}
