import type { Credential, Principal } from '../../protocol/credentials.js';
import { KmsError } from '../../protocol/errors.js';
import type { Index, Store, Table } from '../../store/store.js';
import type { VirtualClock } from '../clock.js';
import type { Random } from '../random.js';
import { openText, sealText } from '../sealing.js';

/**
 * Identities of every account, account-wide (RAM is global, not regional): root pairs declared by
 * seeds, RAM users with their AccessKeys, and STS sessions. One store for the authenticator
 * (`credential(accessKeyId)`), the RAM and STS APIs, the RAM users behind managed RAM secrets
 * (src/domain/backing.ts), seeds and export. AccessKeySecrets and security tokens are sealed at
 * rest; opened ones are cached in memory so that checking a signature stays cheap.
 */
export type AccessKeyStatus = 'Active' | 'Inactive';

/** One AccessKey, found by its id across all accounts (the authenticator's lookup). */
export interface AccessKeyRecord {
  accessKeyId: string;
  accountId: string;
  /** The RAM user it belongs to; absent for a root pair of the account. */
  userName?: string;
  /** Sealed. */
  secret: string;
  status: AccessKeyStatus;
  createTime: number;
  /** A root pair's display name (a seed principal's `name`). */
  name?: string;
}

export interface RamUserRecord {
  accountId: string;
  userName: string;
  userId: string;
  /** Absent unless CreateUser or UpdateUser set it (RAM does not default it to the user name). */
  displayName?: string;
  comments?: string;
  email?: string;
  mobilePhone?: string;
  createTime: number;
  updateTime: number;
  /** Ids of its AccessKeys (at most two), oldest first. */
  accessKeyIds: string[];
}

/** An STS session made by AssumeRole: a temporary AccessKey that signs with its security token. */
export interface StsSessionRecord {
  accessKeyId: string;
  accountId: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  /** Sealed, as the token is. */
  secret: string;
  securityToken: string;
  /** Virtual ms. */
  expiration: number;
  /** The session policy given to AssumeRole, as text (evaluated by src/domain/authorization). */
  policy?: string;
}

/** An AccessKey as the API hands it out: secret opened. */
export interface AccessKeyView {
  accessKeyId: string;
  accessKeySecret: string;
  status: AccessKeyStatus;
  createTime: number;
}

/** An AccessKey without its secret (the dashboard's view). */
export type AccessKeyMetadata = Omit<AccessKeyRecord, 'secret'>;

/** A session without its secret and security token (the dashboard's view). */
export type StsSessionMetadata = Omit<StsSessionRecord, 'secret' | 'securityToken'>;

/** Partition of the account-wide lookups (AccessKeys, sessions): one, keyed by AccessKeyId. */
const ALL = 'all';
/** How long an expired session is kept (and answers Expired rather than NotFound). */
const EXPIRED_SESSION_KEPT_MS = 24 * 3600_000;
/** RAM allows two AccessKeys per user (LimitExceeded.User.AccessKey). */
export const ACCESS_KEYS_PER_USER = 2;

/** Sessions by expiry, so the expired ones are found from the front without a scan. */
const BY_EXPIRATION: Index<StsSessionRecord> = { compare: (a, b) => a.expiration - b.expiration };

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Identities {
  private readonly keys: Table<AccessKeyRecord>;
  private readonly users: Table<RamUserRecord>;
  private readonly sessions: Table<StsSessionRecord>;
  /**
   * Credentials made from stored records, by the record object itself: the store replaces a record
   * on every write (and on rollback), so a changed or undone record never meets a stale entry.
   */
  private readonly opened = new WeakMap<object, { credential: Credential; user?: object }>();

  constructor(
    store: Store,
    private readonly clock: VirtualClock,
    private readonly random: Random,
    private readonly wrappingKey: Buffer,
  ) {
    this.keys = store.table<AccessKeyRecord>('ram-access-keys');
    this.users = store.table<RamUserRecord>('ram-users');
    this.sessions = store.table<StsSessionRecord>('sts-sessions');
  }

  // Authentication

  /** Who signs with this AccessKeyId, and the secret to check the signature with. */
  credential(accessKeyId: string): Credential | undefined {
    const key = this.keys.peek(ALL, accessKeyId);
    if (key) return this.keyCredential(key);
    const session = this.sessions.peek(ALL, accessKeyId);
    return session ? this.sessionCredential(session) : undefined;
  }

  private keyCredential(key: Readonly<AccessKeyRecord>): Credential | undefined {
    const user = key.userName === undefined ? undefined : this.users.peek(key.accountId, key.userName);
    if (key.userName !== undefined && !user) return undefined;
    const cached = this.opened.get(key);
    if (cached && cached.user === user) return cached.credential;
    const principal: Principal = user
      ? {
          accessKeyId: key.accessKeyId,
          accountId: key.accountId,
          type: 'SubUser',
          name: user.displayName || user.userName,
          userName: user.userName,
          userId: user.userId,
        }
      : {
          accessKeyId: key.accessKeyId,
          accountId: key.accountId,
          type: 'Root',
          ...(key.name !== undefined ? { name: key.name } : {}),
        };
    const credential: Credential = {
      secret: this.open(keyContext(key.accessKeyId), key.secret),
      principal,
      ...(key.status === 'Inactive' ? { inactive: true } : {}),
    };
    this.opened.set(key, { credential, user });
    return credential;
  }

  private sessionCredential(session: Readonly<StsSessionRecord>): Credential {
    const cached = this.opened.get(session);
    if (cached) return cached.credential;
    const credential: Credential = {
      secret: this.open(sessionContext(session.accessKeyId), session.secret),
      securityToken: this.open(`${sessionContext(session.accessKeyId)}:token`, session.securityToken),
      expiresAt: session.expiration,
      principal: {
        accessKeyId: session.accessKeyId,
        accountId: session.accountId,
        type: 'AssumedRoleUser',
        name: `${session.roleName}/${session.sessionName}`,
        roleName: session.roleName,
        roleId: session.roleId,
        sessionName: session.sessionName,
      },
    };
    this.opened.set(session, { credential });
    return credential;
  }

  // Root pairs (seed principals)

  /** Declares (or replaces) a root pair of an account: it signs as the account itself. */
  putRootKey(accountId: string, pair: { accessKeyId: string; accessKeySecret: string; name?: string }): void {
    const existing = this.keys.peek(ALL, pair.accessKeyId);
    if (existing?.userName !== undefined) {
      throw new KmsError(
        'InvalidParameter',
        `AccessKey ${pair.accessKeyId} already belongs to RAM user ${existing.userName}.`,
      );
    }
    this.keys.put(ALL, pair.accessKeyId, {
      accessKeyId: pair.accessKeyId,
      accountId,
      secret: this.seal(keyContext(pair.accessKeyId), pair.accessKeySecret),
      status: 'Active',
      createTime: existing?.createTime ?? this.clock.now(),
      ...(pair.name !== undefined ? { name: pair.name } : {}),
    });
  }

  /** Root pairs held as records (seeded), secrets opened, in the order they were declared. */
  rootKeys(): { accessKeyId: string; accessKeySecret: string; accountId: string; name?: string }[] {
    return this.keys
      .list(ALL)
      .filter((k) => k.userName === undefined)
      .map((k) => ({
        accessKeyId: k.accessKeyId,
        accessKeySecret: this.open(keyContext(k.accessKeyId), k.secret),
        accountId: k.accountId,
        ...(k.name !== undefined ? { name: k.name } : {}),
      }));
  }

  isRootKey(accessKeyId: string): boolean {
    const key = this.keys.peek(ALL, accessKeyId);
    return key !== undefined && key.userName === undefined;
  }

  // RAM users

  user(accountId: string, userName: string): RamUserRecord | undefined {
    return this.users.get(accountId, userName);
  }

  requireUser(accountId: string, userName: string): RamUserRecord {
    const user = this.users.get(accountId, userName);
    if (!user) throw new KmsError('EntityNotExist.User', `The user does not exist: ${userName}.`);
    return user;
  }

  listUsers(accountId: string): RamUserRecord[] {
    return this.users.list(accountId);
  }

  /** Accounts that have RAM users (for export and the dashboard). */
  userAccounts(): string[] {
    return this.users.partitions();
  }

  createUser(
    accountId: string,
    fields: {
      userName: string;
      displayName?: string;
      comments?: string;
      email?: string;
      mobilePhone?: string;
    },
  ): RamUserRecord {
    if (this.users.peek(accountId, fields.userName)) {
      throw new KmsError('EntityAlreadyExists.User', `The user already exists: ${fields.userName}.`);
    }
    const now = this.clock.now();
    const user: RamUserRecord = {
      accountId,
      userName: fields.userName,
      userId: this.digits(16),
      ...(fields.displayName !== undefined ? { displayName: fields.displayName } : {}),
      ...(fields.comments !== undefined ? { comments: fields.comments } : {}),
      ...(fields.email !== undefined ? { email: fields.email } : {}),
      ...(fields.mobilePhone !== undefined ? { mobilePhone: fields.mobilePhone } : {}),
      createTime: now,
      updateTime: now,
      accessKeyIds: [],
    };
    this.users.put(accountId, user.userName, user);
    return user;
  }

  /** Renaming moves the user's AccessKeys along (they name their user). */
  updateUser(
    accountId: string,
    userName: string,
    changes: {
      newUserName?: string;
      displayName?: string;
      comments?: string;
      email?: string;
      mobilePhone?: string;
    },
  ): RamUserRecord {
    const user = this.requireUser(accountId, userName);
    const newName = changes.newUserName ?? userName;
    if (newName !== userName && this.users.peek(accountId, newName)) {
      throw new KmsError('EntityAlreadyExists.User', `The user already exists: ${newName}.`);
    }
    const updated: RamUserRecord = {
      ...user,
      userName: newName,
      ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
      ...(changes.comments !== undefined ? { comments: changes.comments } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.mobilePhone !== undefined ? { mobilePhone: changes.mobilePhone } : {}),
      updateTime: this.clock.now(),
    };
    if (newName !== userName) {
      this.users.delete(accountId, userName);
      for (const id of user.accessKeyIds) {
        const key = this.keys.get(ALL, id);
        if (key) this.keys.put(ALL, id, { ...key, userName: newName });
      }
    }
    this.users.put(accountId, newName, updated);
    return updated;
  }

  /**
   * RAM refuses to delete a user who still has AccessKeys (DeleteConflict.User.AccessKey) unless
   * `force` (a managed RAM secret's backing user removed through the control plane).
   */
  deleteUser(accountId: string, userName: string, options: { force?: boolean } = {}): void {
    const user = this.requireUser(accountId, userName);
    if (user.accessKeyIds.length > 0 && !options.force) {
      throw new KmsError(
        'DeleteConflict.User.AccessKey',
        `The user has AccessKeys and cannot be deleted: ${userName}.`,
      );
    }
    for (const id of user.accessKeyIds) this.keys.delete(ALL, id);
    this.users.delete(accountId, userName);
  }

  // AccessKeys of RAM users

  accessKeys(accountId: string, userName: string): AccessKeyView[] {
    const user = this.requireUser(accountId, userName);
    return user.accessKeyIds.flatMap((id) => {
      const key = this.keys.peek(ALL, id);
      return key ? [this.view(key)] : [];
    });
  }

  /** A new AccessKey (or the fixed pair a seed gives); a user has at most two. */
  createAccessKey(
    accountId: string,
    userName: string,
    fixed?: { accessKeyId: string; accessKeySecret: string },
  ): AccessKeyView {
    const user = this.requireUser(accountId, userName);
    if (user.accessKeyIds.length >= ACCESS_KEYS_PER_USER) {
      throw new KmsError(
        'LimitExceeded.User.AccessKey',
        `The count of AccessKeys of user ${userName} exceeds the limit ${ACCESS_KEYS_PER_USER}.`,
      );
    }
    const accessKeyId = fixed?.accessKeyId ?? `LTAI${this.alnum(20)}`;
    if (this.keys.peek(ALL, accessKeyId) || this.sessions.peek(ALL, accessKeyId)) {
      throw new KmsError('InvalidParameter', `AccessKey ${accessKeyId} is already in use.`);
    }
    const record: AccessKeyRecord = {
      accessKeyId,
      accountId,
      userName,
      secret: this.seal(keyContext(accessKeyId), fixed?.accessKeySecret ?? this.alnum(30)),
      status: 'Active',
      createTime: this.clock.now(),
    };
    this.keys.put(ALL, accessKeyId, record);
    this.users.put(accountId, userName, { ...user, accessKeyIds: [...user.accessKeyIds, accessKeyId] });
    return this.view(record);
  }

  updateAccessKey(accountId: string, userName: string, accessKeyId: string, status: AccessKeyStatus): void {
    const key = this.userKey(accountId, userName, accessKeyId);
    this.keys.put(ALL, accessKeyId, { ...key, status });
  }

  deleteAccessKey(accountId: string, userName: string, accessKeyId: string): void {
    this.userKey(accountId, userName, accessKeyId);
    const user = this.requireUser(accountId, userName);
    this.keys.delete(ALL, accessKeyId);
    this.users.put(accountId, userName, {
      ...user,
      accessKeyIds: user.accessKeyIds.filter((id) => id !== accessKeyId),
    });
  }

  private userKey(accountId: string, userName: string, accessKeyId: string): AccessKeyRecord {
    this.requireUser(accountId, userName);
    const key = this.keys.get(ALL, accessKeyId);
    if (!key || key.accountId !== accountId || key.userName !== userName) {
      throw new KmsError('EntityNotExist.User.AccessKey', `The AccessKey does not exist: ${accessKeyId}.`);
    }
    return key;
  }

  // STS sessions

  createSession(fields: {
    accountId: string;
    roleName: string;
    roleId: string;
    sessionName: string;
    durationMs: number;
    policy?: string;
  }): { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: number } {
    this.forgetExpiredSessions();
    const accessKeyId = `STS.${this.alnum(25)}`;
    const accessKeySecret = this.alnum(44);
    // The shape of a real token (CAIS…, base64): what src/protocol/auth.ts tells from a garbled one.
    const securityToken = `CAIS${this.random.bytes(96).toString('base64')}`;
    const expiration = this.clock.now() + fields.durationMs;
    const context = sessionContext(accessKeyId);
    this.sessions.put(ALL, accessKeyId, {
      accessKeyId,
      accountId: fields.accountId,
      roleName: fields.roleName,
      roleId: fields.roleId,
      sessionName: fields.sessionName,
      secret: this.seal(context, accessKeySecret),
      securityToken: this.seal(`${context}:token`, securityToken),
      expiration,
      ...(fields.policy !== undefined ? { policy: fields.policy } : {}),
    });
    return { accessKeyId, accessKeySecret, securityToken, expiration };
  }

  /**
   * Drops sessions expired a day or more ago (their tokens answer InvalidSecurityToken.Expired
   * until then), so a long run of AssumeRole calls does not grow the store without bound.
   */
  private forgetExpiredSessions(): void {
    const before = this.clock.now() - EXPIRED_SESSION_KEPT_MS;
    const expired: string[] = [];
    for (const session of this.sessions.ordered(ALL, BY_EXPIRATION)) {
      if (session.expiration >= before) break;
      expired.push(session.accessKeyId);
    }
    for (const id of expired) this.sessions.delete(ALL, id);
  }

  session(accessKeyId: string): StsSessionRecord | undefined {
    return this.sessions.get(ALL, accessKeyId);
  }

  // Metadata for the dashboard: never a secret or a security token.

  /** Every AccessKey (root pairs and RAM users'), by its id, status and owner: no secret. */
  accessKeyList(): AccessKeyMetadata[] {
    return this.keys.list(ALL).map((k) => ({
      accessKeyId: k.accessKeyId,
      accountId: k.accountId,
      ...(k.userName !== undefined ? { userName: k.userName } : {}),
      ...(k.name !== undefined ? { name: k.name } : {}),
      status: k.status,
      createTime: k.createTime,
    }));
  }

  /** Every session still kept (the expired ones until they are forgotten): no secret, no token. */
  sessionList(): StsSessionMetadata[] {
    return this.sessions.list(ALL).map((s) => ({
      accessKeyId: s.accessKeyId,
      accountId: s.accountId,
      roleName: s.roleName,
      roleId: s.roleId,
      sessionName: s.sessionName,
      expiration: s.expiration,
      ...(s.policy !== undefined ? { policy: s.policy } : {}),
    }));
  }

  // Helpers

  private view(key: Readonly<AccessKeyRecord>): AccessKeyView {
    return {
      accessKeyId: key.accessKeyId,
      accessKeySecret: this.open(keyContext(key.accessKeyId), key.secret),
      status: key.status,
      createTime: key.createTime,
    };
  }

  private seal(context: string, plaintext: string): string {
    return sealText(this.wrappingKey, context, plaintext);
  }

  private open(context: string, stored: string): string {
    return openText(this.wrappingKey, context, stored);
  }

  private alnum(length: number): string {
    const bytes = this.random.bytes(length);
    let out = '';
    for (const byte of bytes) out += ALNUM[byte % ALNUM.length];
    return out;
  }

  /** RAM's numeric ids (UserId, RoleId, …): 16 digits, not starting with 0. */
  digits(length: number): string {
    const bytes = this.random.bytes(length);
    let out = String(1 + ((bytes[0] ?? 0) % 9));
    for (let i = 1; i < length; i++) out += String((bytes[i] ?? 0) % 10);
    return out;
  }
}

function keyContext(accessKeyId: string): string {
  return `access-key:${accessKeyId}`;
}

function sessionContext(accessKeyId: string): string {
  return `sts-session:${accessKeyId}`;
}
