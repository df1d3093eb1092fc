import { createHmac } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { open, seal } from './crypto.js';
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

const SEALED = 'sealed:v1:';

export class BackingResources {
  private readonly table: Table<Resource>;

  /**
   * `wrappingKey` seals the simulated credentials (database passwords, AccessKeySecrets, ECS
   * passwords) at rest, so the state file never holds a secret value in plaintext.
   */
  constructor(
    private readonly world: World,
    private readonly wrappingKey: Buffer,
  ) {
    this.table = world.store.table<Resource>('backing');
  }

  /**
   * AES-256-GCM with a synthetic IV (an HMAC of the record and the value), so sealing draws nothing
   * from the injected random source and seeded runs stay identical.
   */
  private seal(context: string, plaintext: string): string {
    if (plaintext.startsWith(SEALED)) return plaintext;
    const iv = createHmac('sha256', this.wrappingKey)
      .update(`${context}\n${plaintext}`)
      .digest()
      .subarray(0, 12);
    const sealed = seal('Aliyun_AES_256', this.wrappingKey, Buffer.from(plaintext), Buffer.from(context), {
      bytes: () => iv,
    });
    return SEALED + Buffer.concat([sealed.iv, sealed.tag, sealed.ciphertext]).toString('base64');
  }

  /** Opens a sealed value; a value from a state file written before sealing is returned as is. */
  private unseal(context: string, stored: string): string {
    if (!stored.startsWith(SEALED)) return stored;
    const data = Buffer.from(stored.slice(SEALED.length), 'base64');
    const sealed = { iv: data.subarray(0, 12), tag: data.subarray(12, 28), ciphertext: data.subarray(28) };
    return open('Aliyun_AES_256', this.wrappingKey, sealed, Buffer.from(context)).toString('utf8');
  }

  /** The stored form of a resource (credentials sealed), or its in-memory form (opened). */
  private transform(resource: Resource, f: (context: string, value: string) => string): Resource {
    const base = `${resource.kind}:${resource.id}`;
    if (resource.kind === 'database') {
      return {
        ...resource,
        accounts: Object.fromEntries(
          Object.entries(resource.accounts).map(([name, pw]) => [name, f(`${base}:${name}`, pw)]),
        ),
      };
    }
    if (resource.kind === 'ram-user') {
      return {
        ...resource,
        accessKeys: resource.accessKeys.map((k) => ({
          ...k,
          accessKeySecret: f(`${base}:${k.accessKeyId}`, k.accessKeySecret),
        })),
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

  private put(scope: Scope, resource: Resource): void {
    this.table.put(
      partitionOf(scope),
      `${resource.kind}:${resource.id}`,
      this.transform(resource, (c, v) => this.seal(c, v)),
    );
  }

  private find<K extends Resource['kind']>(
    scope: Scope,
    kind: K,
    id: string,
  ): Extract<Resource, { kind: K }> | undefined {
    const stored = this.table.get(partitionOf(scope), `${kind}:${id}`);
    return stored && (this.transform(stored, (c, v) => this.unseal(c, v)) as Extract<Resource, { kind: K }>);
  }

  list(scope: Scope): Resource[] {
    return this.table.list(partitionOf(scope)).map((r) => this.transform(r, (c, v) => this.unseal(c, v)));
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

  upsertRamUser(
    scope: Scope,
    userName: string,
    accessKeys: { accessKeyId: string; accessKeySecret: string }[] = [],
  ): RamUser {
    const existing = this.find(scope, 'ram-user', userName);
    const keys = existing?.accessKeys ?? [];
    for (const key of accessKeys) {
      if (!keys.some((k) => k.accessKeyId === key.accessKeyId))
        keys.push({ ...key, createTime: this.world.now() });
    }
    if (keys.length === 0) keys.push(this.newAccessKey());
    const user: RamUser = { kind: 'ram-user', id: userName, accessKeys: keys };
    this.put(scope, user);
    return user;
  }

  ramUser(scope: Scope, userName: string): RamUser | undefined {
    return this.find(scope, 'ram-user', userName);
  }

  private newAccessKey() {
    const id = `LTAI${this.world.ids
      .prefixed('ak', 'x-x')
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 20)}`;
    return {
      accessKeyId: id,
      accessKeySecret: this.world.random.bytes(22).toString('base64url').slice(0, 30),
      createTime: this.world.now(),
    };
  }

  /** A RAM user has at most two AccessKeys, as in RAM. */
  createAccessKey(
    scope: Scope,
    userName: string,
  ): { accessKeyId: string; accessKeySecret: string; createTime: number } {
    const user = this.find(scope, 'ram-user', userName);
    if (!user) throw new KmsError('Forbidden.ResourceNotFound', `RAM user ${userName} does not exist.`);
    if (user.accessKeys.length >= 2)
      throw new KmsError('Rejected.LimitExceeded', `RAM user ${userName} already has two AccessKeys.`);
    const key = this.newAccessKey();
    user.accessKeys.push(key);
    this.put(scope, user);
    return key;
  }

  deleteAccessKey(scope: Scope, userName: string, accessKeyId: string): void {
    const user = this.find(scope, 'ram-user', userName);
    if (!user) return;
    user.accessKeys = user.accessKeys.filter((k) => k.accessKeyId !== accessKeyId);
    this.put(scope, user);
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
      return this.list(scope).some(
        (r) =>
          r.kind === 'ram-user' &&
          r.accessKeys.some(
            (k) =>
              k.accessKeyId === credential.AccessKeyId && k.accessKeySecret === credential.AccessKeySecret,
          ),
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

  remove(scope: Scope, kind: Resource['kind'], id: string): boolean {
    if (!this.find(scope, kind, id)) return false;
    this.table.delete(partitionOf(scope), `${kind}:${id}`);
    return true;
  }
}
