import { KmsError } from '../protocol/errors.js';
import type { Store, Table } from '../store/store.js';

/** Whether an account has opened KMS. Accounts have it open unless a seed or control call says otherwise. */
export type AccountStatus = 'Enabled' | 'NotEnabled' | 'InDebt' | 'Suspended';

interface AccountRecord {
  accountId: string;
  status: AccountStatus;
}

export class AccountDirectory {
  private readonly table: Table<AccountRecord>;

  constructor(store: Store) {
    this.table = store.table<AccountRecord>('accounts');
  }

  status(accountId: string): AccountStatus {
    return this.table.get(accountId, 'account')?.status ?? 'Enabled';
  }

  setStatus(accountId: string, status: AccountStatus): void {
    this.table.put(accountId, 'account', { accountId, status });
  }

  /** Accounts whose status was set explicitly (the rest are Enabled). */
  list(): { accountId: string; status: AccountStatus }[] {
    return this.table.partitions().flatMap((p) => this.table.list(p));
  }

  openService(accountId: string): void {
    if (this.status(accountId) === 'Enabled') throw new KmsError('Forbidden.Opened');
    this.setStatus(accountId, 'Enabled');
  }
}
