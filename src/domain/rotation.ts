import { createPrivateKey, createPublicKey } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import type { BackingResources } from './backing.js';
import { randomInt } from './random.js';
import type { JobType, NoPayload } from './scheduler.js';
import { type SecretRecord, type SecretService, type SecretType, secretJobReportId } from './secrets.js';
import { HOUR, isoSeconds, SECOND } from './time.js';
import type { Scope, World } from './world.js';

/**
 * Managed secrets (database, RAM, ECS) and their rotation on the virtual clock. A rotation makes a
 * new credential on the simulated resource and a new version: database and ECS rotations finish
 * almost at once (ACSPending, then ACSCurrent); a RAM rotation makes the new AccessKey current at
 * once and keeps the old one valid for the rollover window (about 48 h) before deleting it. While a
 * rotation runs, a second one is refused.
 */
export interface RotationTiming {
  /**
   * Database and ECS rotations "complete almost at once": the new version is ACSPending this long.
   * A single-account database secret's ACSCurrent password no longer works meanwhile (seed 001:
   * "the current version of the secret may be temporarily unavailable").
   */
  quickMs: number;
  /** RAM: the old AccessKey stays valid this long after the new one became ACSCurrent (seed 004). */
  ramRolloverMs: number;
}

/** Defaults from the seeds; `--rotation-duration`, `--ram-rollover` or a seed's `rotation` change them. */
export const DEFAULT_ROTATION_TIMING: Readonly<RotationTiming> = {
  quickMs: 10 * SECOND,
  ramRolloverMs: 48 * HOUR,
};

const ROTATE_JOB = 'secret.rotate';
const FINISH_JOB = 'secret.rotation-finish';
const MAX_ROTATIONS_PER_HOUR = 50;

/**
 * The name a managed secret gets: a RAM secret named `$Auto` is `acs/ram/user/<UserName>`
 * (CreateSecret's rule); any other name is kept.
 */
export function managedSecretName(
  type: SecretType,
  name: string,
  extendedConfig: Record<string, unknown> | undefined,
): string {
  return type === 'RAMCredentials' && name === '$Auto'
    ? `acs/ram/user/${String(extendedConfig?.UserName ?? '')}`
    : name;
}

export function beingRotated(): KmsError {
  return new KmsError('Rejected.UnsupportedOperation', 'Your secret is being rotated. Try again later.');
}

export interface ManagedInput {
  name: string;
  type: SecretType;
  extendedConfig: Record<string, unknown> | undefined;
  secretData: string;
}

/** What CreateSecret stores for a managed secret: versions' values in the FACTS §6 shapes. */
export interface ManagedPlan {
  name: string;
  extendedConfig: Record<string, unknown>;
  values: string[];
}

const DB_TYPES = ['Rds', 'PolarDB', 'Redis'];

function bad(message: string): KmsError {
  return new KmsError('InvalidParameter', message);
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw bad(`${what} must be a JSON object.`);
}

export class ManagedSecrets {
  /** Durations of the simulated rotation steps; changed by the emulator's options or a seed. */
  timing: RotationTiming = { ...DEFAULT_ROTATION_TIMING };
  /** Start times of the RotateSecret calls of the last hour, per account. */
  private readonly rotationCalls: Table<number[]>;
  /** By secret name: the next automatic rotation, and the end of the rotation under way. */
  private readonly rotateJob: JobType<NoPayload>;
  private readonly finishJob: JobType<NoPayload>;

  constructor(
    private readonly world: World,
    private readonly secrets: SecretService,
    private readonly backing: BackingResources,
  ) {
    this.rotationCalls = world.store.table<number[]>('rotation-calls');
    this.rotateJob = world.scheduler.define<NoPayload>(
      ROTATE_JOB,
      ({ scope, id }) => this.rotateWhenDue(scope, id),
      { reportId: secretJobReportId(ROTATE_JOB) },
    );
    this.finishJob = world.scheduler.define<NoPayload>(
      FINISH_JOB,
      ({ scope, id }) => {
        const secret = secrets.find(scope, id);
        if (!secret?.rotating) return 'no rotation to finish';
        return this.finish(scope, secret);
      },
      { reportId: secretJobReportId(FINISH_JOB) },
    );
  }

  /** Stops the secret's rotation jobs (the secret is purged). */
  cancelJobs(scope: Scope, name: string): void {
    this.rotateJob.cancel(scope, name);
    this.finishJob.cancel(scope, name);
  }

  /**
   * The automatic rotation job. The rotation runs as a unit inside the job: if it fails, its writes
   * are undone and the next attempt is scheduled (a lost backing resource instead turns the secret
   * Invalid, and that stands).
   */
  private rotateWhenDue(scope: Scope, name: string): string {
    const secret = this.secrets.find(scope, name);
    if (secret?.automaticRotation !== 'Enabled') return 'automatic rotation no longer enabled';
    try {
      const versionId = this.world.ids.uuid();
      this.world.store.transaction(() => this.rotate(scope, secret, versionId, true));
      return `secret ${secret.name} rotation started (version ${versionId})`;
    } catch (error) {
      const message = (error as Error).message;
      const after = this.secrets.find(scope, secret.name);
      if (after?.automaticRotation === 'Enabled') {
        // Not a lost resource (that makes the secret Invalid): try again when the rotation under
        // way has finished, or else at the next interval.
        const retry = after.rotating ? after.rotating.until + SECOND : undefined;
        this.scheduleNext(scope, after, true, retry);
        this.secrets.save(after);
        return `secret ${secret.name} rotation not started: ${message}; next attempt ${new Date(after.nextRotationDate ?? 0).toISOString()}`;
      }
      return `secret ${secret.name} rotation not started: ${message}; automatic rotation is now ${after?.automaticRotation}`;
    }
  }

  plan(scope: Scope, input: ManagedInput): ManagedPlan {
    const config = input.extendedConfig;
    if (!config)
      throw new KmsError(
        'MissingParameter',
        'The input parameter "ExtendedConfig" is required for managed secrets.',
      );
    if (JSON.stringify(config).length > 1024) throw bad('ExtendedConfig must not exceed 1,024 characters.');
    if (config.CustomData !== undefined) {
      const custom = config.CustomData;
      if (!custom || typeof custom !== 'object' || Array.isArray(custom))
        throw bad('ExtendedConfig.CustomData must be a JSON object of key-value pairs.');
      if (Object.keys(custom).length > 10)
        throw bad('ExtendedConfig.CustomData holds at most 10 key-value pairs.');
    }
    const data = parseJson(input.secretData, 'SecretData');
    const subType = String(config.SecretSubType ?? '');
    if (DB_TYPES.includes(input.type)) {
      if (!['SingleUser', 'DoubleUsers'].includes(subType))
        throw bad('ExtendedConfig.SecretSubType must be SingleUser or DoubleUsers.');
      const dbId = String(config.DBInstanceId ?? '');
      if (!dbId) throw bad('ExtendedConfig.DBInstanceId is required.');
      const db = this.backing.database(scope, dbId);
      if (!db)
        throw new KmsError('Forbidden.ResourceNotFound', `The database instance ${dbId} does not exist.`);
      const accounts = (Array.isArray(data.Accounts) ? data.Accounts : []) as {
        AccountName?: string;
        AccountPassword?: string;
      }[];
      const wanted = subType === 'SingleUser' ? 1 : 2;
      if (accounts.length !== wanted) throw bad(`SecretData must list ${wanted} account(s) in "Accounts".`);
      for (const account of accounts) {
        if (!account.AccountName || db.accounts[account.AccountName] === undefined) {
          throw new KmsError(
            'Forbidden.ResourceNotFound',
            `Account ${String(account.AccountName)} does not exist on ${dbId}.`,
          );
        }
        if (db.accounts[account.AccountName] !== account.AccountPassword) {
          throw bad(`The password given for account ${account.AccountName} is not the account's password.`);
        }
      }
      return {
        name: input.name,
        extendedConfig: { ...config, SecretSubType: subType, DBInstanceId: dbId },
        values: accounts.map((a) =>
          JSON.stringify({ AccountName: a.AccountName, AccountPassword: a.AccountPassword }),
        ),
      };
    }
    if (input.type === 'RAMCredentials') {
      if (subType !== 'RamUserAccessKey') throw bad('ExtendedConfig.SecretSubType must be RamUserAccessKey.');
      const userName = String(config.UserName ?? '');
      const user = this.backing.ramUser(scope, userName);
      if (!user) throw new KmsError('Forbidden.ResourceNotFound', `The RAM user ${userName} does not exist.`);
      const keys = (Array.isArray(data.AccessKeys) ? data.AccessKeys : []) as {
        AccessKeyId?: string;
        AccessKeySecret?: string;
      }[];
      // The spec: "specify all AccessKeys of the RAM user". Each listed pair must be the user's,
      // and every key the user has must be listed; the last one listed becomes the value.
      for (const listed of keys) {
        const owned = user.accessKeys.find((k) => k.accessKeyId === listed.AccessKeyId);
        if (!owned || owned.accessKeySecret !== listed.AccessKeySecret) {
          throw bad(
            `SecretData.AccessKeys: ${String(listed.AccessKeyId)} is not an AccessKey of RAM user ${userName}, or its secret is wrong.`,
          );
        }
      }
      const unlisted = user.accessKeys.filter((k) => !keys.some((l) => l.AccessKeyId === k.accessKeyId));
      if (keys.length === 0 || unlisted.length > 0) {
        throw bad(`SecretData.AccessKeys must list all AccessKeys of RAM user ${userName}.`);
      }
      const current = keys[keys.length - 1];
      const known = user.accessKeys.find((k) => k.accessKeyId === current?.AccessKeyId);
      if (!known) throw bad(`SecretData.AccessKeys must list all AccessKeys of RAM user ${userName}.`);
      const name = managedSecretName(input.type, input.name, config);
      return {
        name,
        extendedConfig: { ...config },
        values: [
          JSON.stringify({
            AccessKeyId: known.accessKeyId,
            AccessKeySecret: known.accessKeySecret,
            GenerateTimestamp: isoSeconds(known.createTime),
          }),
        ],
      };
    }
    if (input.type === 'ECS') {
      if (!['Password', 'SSHKey'].includes(subType))
        throw bad('ExtendedConfig.SecretSubType must be Password or SSHKey.');
      const instanceId = String(config.InstanceId ?? '');
      if (!config.RegionId) throw bad('ExtendedConfig.RegionId is required.');
      const instance = this.backing.ecsInstance(scope, instanceId);
      if (!instance)
        throw new KmsError('Forbidden.ResourceNotFound', `The ECS instance ${instanceId} does not exist.`);
      const userName = String(data.UserName ?? '');
      if (!instance.users[userName])
        throw new KmsError('Forbidden.ResourceNotFound', `User ${userName} does not exist on ${instanceId}.`);
      const value =
        subType === 'Password'
          ? { UserName: userName, Password: String(data.Password ?? '') }
          : {
              UserName: userName,
              PublicKey: String(data.PublicKey ?? ''),
              PrivateKey: String(data.PrivateKey ?? ''),
            };
      // The instance is not changed: seed 001 warns that a wrong value cannot log on to the
      // instance until the secret's first rotation sets a credential KMS made.
      return { name: input.name, extendedConfig: { ...config }, values: [JSON.stringify(value)] };
    }
    throw bad(`SecretType ${input.type} is not a managed type.`);
  }

  /**
   * CreateSecret for a managed type: validates ExtendedConfig and SecretData against the backing
   * resource, stores the value(s) in the FACTS §6 shapes, and turns on automatic rotation if asked.
   */
  create(
    scope: Scope,
    input: ManagedInput & {
      versionId: string;
      description?: string;
      encryptionKeyId?: string;
      dkmsInstanceId?: string;
      policy?: string;
      rotation?: { enabled: boolean; intervalSeconds?: number };
    },
  ): SecretRecord {
    const plan = this.plan(scope, input);
    const secret = this.secrets.create(scope, {
      name: plan.name,
      type: input.type,
      versionId: input.versionId,
      data: plan.values[0] as string,
      dataType: 'text',
      description: input.description,
      encryptionKeyId: input.encryptionKeyId,
      dkmsInstanceId: input.dkmsInstanceId,
      extendedConfig: plan.extendedConfig,
      policy: input.policy,
    });
    if (plan.values[1]) {
      // Dual-account databases: ACSPrevious names the second account from the start.
      const second = this.secrets.sealVersion(scope, secret, `${input.versionId}-2`, plan.values[1], 'text', [
        'ACSPrevious',
      ]);
      secret.versions.push(second);
      this.secrets.save(secret);
    }
    if (input.rotation?.enabled) this.updatePolicy(scope, secret, true, input.rotation.intervalSeconds);
    return secret;
  }

  /** RotateSecret, and automatic rotation when NextRotationDate passes. */
  rotate(scope: Scope, secret: SecretRecord, versionId: string, automatic: boolean): string {
    if (secret.type === 'Generic') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        'Generic secrets are not rotated by KMS: put a new value instead.',
      );
    }
    const existing = secret.versions.find((v) => v.versionId === versionId);
    if (existing) return existing.versionId;
    if (secret.rotating) throw beingRotated();
    if (!automatic) this.checkRotationLimit(scope);
    const current = secret.versions.find((v) => v.stages.includes('ACSCurrent'));
    if (!current) throw new KmsError('Forbidden.ResourceNotFound', 'The secret has no ACSCurrent version.');
    const value = JSON.parse(this.secrets.open(scope, secret, current)) as Record<string, string>;
    const config = secret.extendedConfig ?? {};
    const now = this.world.now();
    try {
      if (DB_TYPES.includes(secret.type)) {
        const dbId = String(config.DBInstanceId);
        let account = value.AccountName as string;
        if (config.SecretSubType === 'DoubleUsers') {
          const previous = secret.versions.find((v) => v.stages.includes('ACSPrevious'));
          if (previous)
            account = (JSON.parse(this.secrets.open(scope, secret, previous)) as Record<string, string>)
              .AccountName as string;
        }
        const password = this.password(secret.type === 'Redis' ? 16 : 24);
        this.backing.setDatabasePassword(scope, dbId, account, password);
        this.addPending(
          scope,
          secret,
          versionId,
          JSON.stringify({ AccountName: account, AccountPassword: password }),
        );
        this.startRotation(scope, secret, versionId, now + this.timing.quickMs);
      } else if (secret.type === 'ECS') {
        const instanceId = String(config.InstanceId);
        const user = value.UserName as string;
        if (config.SecretSubType === 'Password') {
          const password = this.password(20);
          this.backing.setEcsCredential(scope, instanceId, user, { password });
          this.addPending(scope, secret, versionId, JSON.stringify({ UserName: user, Password: password }));
        } else {
          const pair = this.sshKeyPair(user);
          this.backing.setEcsCredential(scope, instanceId, user, { publicKey: pair.PublicKey });
          this.addPending(scope, secret, versionId, JSON.stringify({ UserName: user, ...pair }));
        }
        this.startRotation(scope, secret, versionId, now + this.timing.quickMs);
      } else {
        const userName = String(config.UserName);
        const user = this.backing.ramUser(scope, userName);
        if (!user)
          throw new KmsError('Forbidden.ResourceNotFound', `The RAM user ${userName} does not exist.`);
        // RAM allows two AccessKeys: drop any third-party key that is not the current one.
        for (const key of user.accessKeys) {
          if (user.accessKeys.length >= 2 && key.accessKeyId !== value.AccessKeyId) {
            this.backing.deleteAccessKey(scope, userName, key.accessKeyId);
          }
        }
        const key = this.backing.createAccessKey(scope, userName);
        const version = this.secrets.sealVersion(
          scope,
          secret,
          versionId,
          JSON.stringify({
            AccessKeyId: key.accessKeyId,
            AccessKeySecret: key.accessKeySecret,
            GenerateTimestamp: isoSeconds(key.createTime),
          }),
          'text',
          [],
        );
        secret.versions.push(version);
        this.secrets.attachStages(secret, version, ['ACSCurrent']);
        this.secrets.trimVersions(secret);
        secret.rotating = {
          versionId,
          until: now + this.timing.ramRolloverMs,
          previousAccessKeyId: value.AccessKeyId,
        };
        this.scheduleFinish(scope, secret);
      }
    } catch (error) {
      if (
        error instanceof KmsError &&
        error.code === 'Forbidden.ResourceNotFound' &&
        secret.automaticRotation === 'Enabled'
      ) {
        // The backing resource is gone: KMS can no longer rotate this secret. The previous
        // credential stays ACSCurrent (nothing was changed before the resource was found missing)
        // and that state change stands even though the call fails.
        const fresh = this.secrets.get(scope, secret.name);
        fresh.automaticRotation = 'Invalid';
        fresh.nextRotationDate = undefined;
        this.rotateJob.cancel(scope, secret.name);
        this.secrets.save(fresh);
        error.keepChanges = true;
      }
      throw error;
    }
    if (!automatic) this.countRotation(scope);
    secret.lastRotationDate = now;
    this.scheduleNext(scope, secret);
    this.secrets.save(secret);
    return versionId;
  }

  private addPending(scope: Scope, secret: SecretRecord, versionId: string, value: string): void {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== 'ACSPending');
    const version = this.secrets.sealVersion(scope, secret, versionId, value, 'text', ['ACSPending']);
    secret.versions.push(version);
    this.secrets.trimVersions(secret);
  }

  private startRotation(scope: Scope, secret: SecretRecord, versionId: string, until: number): void {
    secret.rotating = { versionId, until };
    this.scheduleFinish(scope, secret);
  }

  private scheduleFinish(scope: Scope, secret: SecretRecord): void {
    if (!secret.rotating) return;
    this.finishJob.schedule(scope, secret.name, secret.rotating.until);
  }

  private finish(scope: Scope, secret: SecretRecord): string {
    const rotating = secret.rotating;
    if (!rotating) return 'no rotation';
    if (secret.type === 'RAMCredentials') {
      if (rotating.previousAccessKeyId) {
        this.backing.deleteAccessKey(
          scope,
          String(secret.extendedConfig?.UserName),
          rotating.previousAccessKeyId,
        );
      }
    } else {
      const version = secret.versions.find((v) => v.versionId === rotating.versionId);
      if (version) {
        version.stages = version.stages.filter((s) => s !== 'ACSPending');
        this.secrets.attachStages(secret, version, ['ACSCurrent']);
      }
    }
    secret.rotating = undefined;
    this.secrets.save(secret);
    return secret.type === 'RAMCredentials'
      ? `secret ${secret.name} rotation finished; the previous AccessKey ${rotating.previousAccessKeyId} was deleted`
      : `secret ${secret.name} rotation finished; version ${rotating.versionId} is ACSCurrent`;
  }

  updatePolicy(
    scope: Scope,
    secret: SecretRecord,
    enabled: boolean,
    intervalSeconds: number | undefined,
  ): void {
    if (secret.type === 'Generic') {
      throw new KmsError('Rejected.UnsupportedOperation', 'Generic secrets are not rotated by KMS.');
    }
    if (secret.rotating) throw beingRotated();
    if (enabled) {
      const seconds = intervalSeconds ?? secret.rotationIntervalSeconds;
      if (seconds === undefined)
        throw new KmsError('MissingParameter', 'The input parameter "RotationInterval" is required.');
      const [min, max] =
        secret.type === 'RAMCredentials'
          ? [7 * 86400, 365 * 86400]
          : secret.type === 'ECS'
            ? [3600, 8760 * 3600]
            : [6 * 3600, 8760 * 3600];
      if (seconds < min || seconds > max) {
        throw new KmsError(
          'InvalidParameter',
          `The specified parameter RotationInterval is not valid: ${min}s to ${max}s.`,
        );
      }
      secret.automaticRotation = 'Enabled';
      secret.rotationIntervalSeconds = seconds;
      this.scheduleNext(scope, secret, true);
    } else {
      secret.automaticRotation = 'Disabled';
      secret.nextRotationDate = undefined;
      if (intervalSeconds !== undefined) secret.rotationIntervalSeconds = intervalSeconds;
      this.rotateJob.cancel(scope, secret.name);
    }
    this.secrets.save(secret);
  }

  private scheduleNext(scope: Scope, secret: SecretRecord, fromNow = false, at?: number): void {
    if (secret.automaticRotation !== 'Enabled' || !secret.rotationIntervalSeconds) return;
    const base = fromNow ? this.world.now() : (secret.lastRotationDate ?? this.world.now());
    secret.nextRotationDate = at ?? base + secret.rotationIntervalSeconds * 1000;
    this.rotateJob.schedule(scope, secret.name, secret.nextRotationDate);
  }

  /**
   * At most 50 RotateSecret calls per hour per account (automatic rotations are not counted). The
   * rotations started are kept in the store, so the window survives a restart.
   */
  private checkRotationLimit(scope: Scope): void {
    if (this.recentRotations(scope).length >= MAX_ROTATIONS_PER_HOUR) {
      throw new KmsError(
        'Rejected.LimitExceeded',
        'At most 50 RotateSecret calls an hour are allowed for an account.',
      );
    }
  }

  private recentRotations(scope: Scope): number[] {
    const now = this.world.now();
    const record = this.rotationCalls.get('accounts', scope.accountId);
    return (record ?? []).filter((t) => t > now - HOUR);
  }

  private countRotation(scope: Scope): void {
    const recent = this.recentRotations(scope);
    recent.push(this.world.now());
    this.rotationCalls.put('accounts', scope.accountId, recent);
  }

  private password(length: number): string {
    const sets = ['abcdefghijkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=_'];
    const all = sets.join('');
    const chars = Array.from({ length }, (_, i) => {
      const set = i < sets.length ? (sets[i] as string) : all;
      return set[randomInt(this.world.random, set.length)];
    });
    return chars.join('');
  }

  /** A real Ed25519 key pair from the injected random source: OpenSSH public key, PKCS#8 PEM private key. */
  private sshKeyPair(user: string): { PublicKey: string; PrivateKey: string } {
    const der = Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      this.world.random.bytes(32),
    ]);
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
    const sized = (b: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const blob = Buffer.concat([sized(Buffer.from('ssh-ed25519')), sized(raw)]);
    return {
      PublicKey: `ssh-ed25519 ${blob.toString('base64')} ${user}`,
      PrivateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
  }
}
