import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { ACCESS_KEYS_PER_USER } from './ram/identities.js';
import { openText, sealText } from './sealing.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * The resources behind managed secrets, simulated inside the emulator: database instances (RDS,
 * PolarDB, Redis) with accounts, RAM users with AccessKey pairs, ECS instances with users. Rotation
 * changes them as the real services would, and tests can ask whether a credential is valid now.
 */
export type DatabaseEngine = 'Rds' | 'PolarDB' | 'Redis';

export interface Database {
  kind: 'database';
  id: string;
  engine: DatabaseEngine;
  accounts: Record<string, string>;
}

export interface RamUser {
  kind: 'ram-user';
  id: string;
  accessKeys: { accessKeyId: string; accessKeySecret: string; createTime: number }[];
}

export interface EcsInstance {
  kind: 'ecs-instance';
  id: string;
  users: Record<string, { password?: string; publicKey?: string }>;
}

type Resource = Database | RamUser | EcsInstance;

/** A RAM user declared as a managed secret's backing resource in a region (its keys live in Identities). */
interface RamUserMarker {
  kind: 'ram-user';
  id: string;
  /**
   * Only in state files written before #24 §2, when the keys lived here (sealed with this record's
   * context): moved into Identities the first time the user is read.
   */
  accessKeys?: { accessKeyId: string; accessKeySecret: string; createTime: number }[];
}

type Stored = Database | RamUserMarker | EcsInstance;

export class BackingResources {
  private readonly table: Table<Stored>;

  /**
   * `wrappingKey` seals the simulated credentials (database passwords, ECS passwords) at rest, so
   * the state file never holds a secret value in plaintext. RAM users are the account's RAM users
   * (`world.identities`): the AccessKeys a RAM secret hands out sign requests to the emulator.
   */
  constructor(
    private readonly world: World,
    private readonly wrappingKey: Buffer,
  ) {
    this.table = world.store.table<Stored>('backing');
  }

  private get identities() {
    return this.world.identities;
  }

  /** The stored form of a resource (credentials sealed), or its in-memory form (opened). */
  private transform<R extends Database | EcsInstance>(
    resource: R,
    f: (context: string, value: string) => string,
  ): R;
  private transform(resource: Database | EcsInstance, f: (context: string, value: string) => string) {
    const base = `${resource.kind}:${resource.id}`;
    if (resource.kind === 'database') {
      return {
        ...resource,
        accounts: Object.fromEntries(
          Object.entries(resource.accounts).map(([name, pw]) => [name, f(`${base}:${name}`, pw)]),
        ),
      };
    }
    return {
      ...resource,
      users: Object.fromEntries(
        Object.entries(resource.users).map(([name, c]) => [
          name,
          c.password === undefined ? c : { ...c, password: f(`${base}:${name}`, c.password) },
        ]),
      ),
    };
  }

  private sealValue = (context: string, value: string): string => sealText(this.wrappingKey, context, value);
  private openValue = (context: string, value: string): string => openText(this.wrappingKey, context, value);

  /** A stored record as callers see it: credentials opened, a RAM user with its AccessKeys. */
  private opened(scope: Scope, stored: Stored): Resource | undefined {
    if (stored.kind === 'ram-user') return this.ramUser(scope, stored.id);
    return this.transform(stored, this.openValue);
  }

  private put(scope: Scope, resource: Database | EcsInstance | RamUserMarker): void {
    this.table.put(
      partitionOf(scope),
      `${resource.kind}:${resource.id}`,
      resource.kind === 'ram-user' ? resource : this.transform(resource, this.sealValue),
    );
  }

  private find<K extends 'database' | 'ecs-instance'>(
    scope: Scope,
    kind: K,
    id: string,
  ): Extract<Resource, { kind: K }> | undefined {
    const stored = this.table.get(partitionOf(scope), `${kind}:${id}`) as Database | EcsInstance | undefined;
    return stored && (this.transform(stored, this.openValue) as Extract<Resource, { kind: K }>);
  }

  list(scope: Scope): Resource[] {
    return this.table.list(partitionOf(scope)).flatMap((r) => this.opened(scope, r) ?? []);
  }

  upsertDatabase(
    scope: Scope,
    id: string,
    engine: DatabaseEngine,
    accounts: Record<string, string>,
  ): Database {
    const db: Database = {
      kind: 'database',
      id,
      engine,
      accounts: { ...(this.find(scope, 'database', id)?.accounts ?? {}), ...accounts },
    };
    this.put(scope, db);
    return db;
  }

  database(scope: Scope, id: string): Database | undefined {
    return this.find(scope, 'database', id);
  }

  setDatabasePassword(scope: Scope, id: string, account: string, password: string): void {
    const db = this.find(scope, 'database', id);
    if (!db || db.accounts[account] === undefined)
      throw new KmsError('Forbidden.ResourceNotFound', `Account ${account} of ${id} is gone.`);
    db.accounts[account] = password;
    this.put(scope, db);
  }

  /**
   * Declares a RAM user behind managed RAM secrets in this scope: the account's RAM user (made if
   * missing) with the given AccessKeys added, or one new AccessKey when it has none.
   */
  upsertRamUser(
    scope: Scope,
    userName: string,
    accessKeys: { accessKeyId: string; accessKeySecret: string }[] = [],
  ): RamUser {
    const { accountId } = scope;
    const user =
      this.identities.user(accountId, userName) ?? this.identities.createUser(accountId, { userName });
    for (const key of accessKeys) {
      if (!user.accessKeyIds.includes(key.accessKeyId)) {
        this.identities.createAccessKey(accountId, userName, key);
        user.accessKeyIds.push(key.accessKeyId);
      }
    }
    if (user.accessKeyIds.length === 0) this.identities.createAccessKey(accountId, userName);
    this.put(scope, { kind: 'ram-user', id: userName });
    return this.ramUser(scope, userName) as RamUser;
  }

  /** The account's RAM user of that name (made here, by a seed, or through the RAM API). */
  ramUser(scope: Scope, userName: string): RamUser | undefined {
    this.adoptLegacyKeys(scope, userName);
    if (!this.identities.user(scope.accountId, userName)) return undefined;
    return {
      kind: 'ram-user',
      id: userName,
      accessKeys: this.identities.accessKeys(scope.accountId, userName).map((k) => ({
        accessKeyId: k.accessKeyId,
        accessKeySecret: k.accessKeySecret,
        createTime: k.createTime,
      })),
    };
  }

  /** A pre-#24 §2 record's AccessKeys become the account's RAM user's (see RamUserMarker). */
  private adoptLegacyKeys(scope: Scope, userName: string): void {
    const id = `ram-user:${userName}`;
    const stored = this.table.peek(partitionOf(scope), id) as RamUserMarker | undefined;
    if (!stored?.accessKeys) return;
    const user =
      this.identities.user(scope.accountId, userName) ??
      this.identities.createUser(scope.accountId, { userName });
    for (const key of stored.accessKeys) {
      if (user.accessKeyIds.includes(key.accessKeyId) || this.identities.credential(key.accessKeyId))
        continue;
      this.identities.createAccessKey(scope.accountId, userName, {
        accessKeyId: key.accessKeyId,
        accessKeySecret: this.openValue(`${id}:${key.accessKeyId}`, key.accessKeySecret),
      });
      user.accessKeyIds.push(key.accessKeyId);
    }
    this.put(scope, { kind: 'ram-user', id: userName });
  }

  /** A RAM user has at most two AccessKeys, as in RAM. */
  createAccessKey(
    scope: Scope,
    userName: string,
  ): { accessKeyId: string; accessKeySecret: string; createTime: number } {
    const user = this.identities.user(scope.accountId, userName);
    if (!user) throw new KmsError('Forbidden.ResourceNotFound', `RAM user ${userName} does not exist.`);
    if (user.accessKeyIds.length >= ACCESS_KEYS_PER_USER)
      throw new KmsError('Rejected.LimitExceeded', `RAM user ${userName} already has two AccessKeys.`);
    const key = this.identities.createAccessKey(scope.accountId, userName);
    return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, createTime: key.createTime };
  }

  /** Deleting a key the user no longer has changes nothing. */
  deleteAccessKey(scope: Scope, userName: string, accessKeyId: string): void {
    const user = this.identities.user(scope.accountId, userName);
    if (!user?.accessKeyIds.includes(accessKeyId)) return;
    this.identities.deleteAccessKey(scope.accountId, userName, accessKeyId);
  }

  upsertEcsInstance(
    scope: Scope,
    id: string,
    users: Record<string, { password?: string; publicKey?: string }>,
  ): EcsInstance {
    const instance: EcsInstance = {
      kind: 'ecs-instance',
      id,
      users: { ...(this.find(scope, 'ecs-instance', id)?.users ?? {}), ...users },
    };
    this.put(scope, instance);
    return instance;
  }

  ecsInstance(scope: Scope, id: string): EcsInstance | undefined {
    return this.find(scope, 'ecs-instance', id);
  }

  setEcsCredential(
    scope: Scope,
    id: string,
    user: string,
    credential: { password?: string; publicKey?: string },
  ): void {
    const instance = this.find(scope, 'ecs-instance', id);
    if (!instance?.users[user])
      throw new KmsError('Forbidden.ResourceNotFound', `User ${user} of ${id} is gone.`);
    instance.users[user] = { ...instance.users[user], ...credential };
    this.put(scope, instance);
  }

  /**
   * Whether a credential works on the simulated resource right now:
   * {DBInstanceId, AccountName, AccountPassword} | {AccessKeyId, AccessKeySecret}
   * | {InstanceId, UserName, Password | PublicKey}.
   */
  checkCredential(scope: Scope, credential: Record<string, unknown>): boolean {
    const text = (name: string): string => {
      const value = credential[name];
      if (typeof value !== 'string' || value === '')
        throw new KmsError('InvalidParameter', `"${name}" is required.`);
      return value;
    };
    if (credential.DBInstanceId !== undefined) {
      const db = this.database(scope, text('DBInstanceId'));
      return db?.accounts[text('AccountName')] === credential.AccountPassword;
    }
    if (credential.AccessKeyId !== undefined) {
      const found = this.identities.credential(String(credential.AccessKeyId));
      return (
        found?.principal.type === 'SubUser' &&
        found.principal.accountId === scope.accountId &&
        found.inactive !== true &&
        found.secret === credential.AccessKeySecret
      );
    }
    if (credential.InstanceId !== undefined) {
      const user = this.ecsInstance(scope, text('InstanceId'))?.users[text('UserName')];
      if (!user) return false;
      return credential.Password !== undefined
        ? user.password === credential.Password
        : user.publicKey === credential.PublicKey;
    }
    throw new KmsError(
      'InvalidParameter',
      'Give DBInstanceId+AccountName+AccountPassword, AccessKeyId+AccessKeySecret, or InstanceId+UserName+Password|PublicKey.',
    );
  }

  /** Removing a RAM user deletes the account's RAM user with its AccessKeys. */
  remove(scope: Scope, kind: Resource['kind'], id: string): boolean {
    if (kind === 'ram-user') {
      const declared = this.table.peek(partitionOf(scope), `${kind}:${id}`) !== undefined;
      const user = this.identities.user(scope.accountId, id) !== undefined;
      if (declared) this.table.delete(partitionOf(scope), `${kind}:${id}`);
      if (user) this.identities.deleteUser(scope.accountId, id, { force: true });
      return declared || user;
    }
    if (!this.find(scope, kind, id)) return false;
    this.table.delete(partitionOf(scope), `${kind}:${id}`);
    return true;
  }
}
