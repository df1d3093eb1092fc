import { createCipheriv, createDecipheriv } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import type { Index, Table } from '../store/store.js';
import { arnScope, parseArn } from './authorization/arns.js';
import { defaultPolicy, reserveShares, validatePolicy } from './resource-policy.js';
import type { JobType, NoPayload } from './scheduler.js';
import { DAY } from './time.js';

const BY_CREATION: Index<SecretRecord> = {
  compare: (a, b) => a.createTime - b.createTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
};

import { partitionOf, type Scope, type World } from './world.js';

/**
 * The secrets manager: secrets with versions and stage labels, envelope-encrypted values, deletion
 * windows. Each version's value is encrypted (AES-256-GCM, AAD = secret name and version) under a
 * fresh data key, and the data key is encrypted by KMS under the secret's key: the store never holds a
 * value in clear, and a disabled key or an expired instance makes the value unreadable.
 */
export type SecretType = 'Generic' | 'Rds' | 'PolarDB' | 'Redis' | 'RAMCredentials' | 'ECS';
export const SECRET_TYPES: SecretType[] = ['Generic', 'Rds', 'PolarDB', 'Redis', 'RAMCredentials', 'ECS'];

export interface SecretVersion {
  versionId: string;
  createTime: number;
  stages: string[];
  dataType: 'text' | 'binary';
  /** KMS ciphertext blob of the data key. */
  dataKeyBlob: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface SecretRecord {
  name: string;
  accountId: string;
  regionId: string;
  type: SecretType;
  description: string;
  encryptionKeyId: string;
  dkmsInstanceId?: string;
  createTime: number;
  updateTime: number;
  plannedDeleteTime?: number;
  extendedConfig?: Record<string, unknown>;
  automaticRotation: 'Enabled' | 'Disabled' | 'Invalid';
  rotationIntervalSeconds?: number;
  nextRotationDate?: number;
  lastRotationDate?: number;
  rotating?: { versionId: string; until: number; previousAccessKeyId?: string };
  policy: string;
  versions: SecretVersion[];
}

export const MAX_VERSIONS = 10;
export const MAX_STAGES = 8;
export const MAX_VALUE_BYTES = 30_720;
/** Managed secrets can be read at these stages only (GetSecretValue). */
export const READABLE_MANAGED_STAGES = ['ACSCurrent', 'ACSPrevious'];

/** The default secret policy; kept for callers of the older name (see resource-policy.ts). */
export function secretPolicy(accountId: string): string {
  return defaultPolicy('secret', accountId);
}

/** What GetSecretValue asks for: a version by stage (ACSCurrent by default) or by id. */
export interface ValueQuery {
  name: string;
  stage?: string;
  versionId?: string;
}

/** A version's value as GetSecretValue reads it (the API and the instance gateway shape it). */
export interface SecretValue {
  secret: Readonly<SecretRecord>;
  version: Readonly<SecretVersion>;
  /** The value in clear (text, or base64 for a binary value). */
  data: string;
}

/** UpdateSecretVersionStage: move `stage` off `from` (if given) and onto `to` (if given). */
export interface StageMove {
  stage: string;
  from?: string;
  to?: string;
}

export function notFound(name: string): KmsError {
  return new KmsError('Forbidden.ResourceNotFound', `The secret "${name}" is not found.`);
}

export class SecretService {
  readonly table: Table<SecretRecord>;
  /**
   * Values already decrypted, by the stored (frozen) version they belong to: a write replaces the
   * record, so a changed version is a new object and is decrypted again. In memory only, never on
   * disk, and held no longer than the stored record is.
   */
  private readonly opened = new WeakMap<
    SecretVersion,
    { value: string; keyId: string; keyVersionId: string }
  >();
  /** The purge at the end of a secret's recovery window, by secret name. */
  private readonly purgeJob: JobType<NoPayload>;

  constructor(private readonly world: World) {
    this.table = world.store.table<SecretRecord>('secrets');
    this.purgeJob = world.scheduler.define(
      'secret.purge',
      ({ scope, id }) => {
        const secret = this.table.get(partitionOf(scope), id);
        if (secret?.plannedDeleteTime === undefined) return 'nothing to purge';
        this.purge(scope, secret);
        return `secret ${secret.name} deleted (its recovery window ended)`;
      },
      { reportId: secretJobReportId('secret.purge') },
    );
    world.instances.onRelease((scope, instanceId) => {
      for (const secret of this.table.list(partitionOf(scope))) {
        if (secret.dkmsInstanceId === instanceId) this.purge(scope, secret);
      }
    });
    world.tags.registerResourceType('secret', (scope, name) => this.get(scope, name).name);
  }

  arn(secret: Pick<SecretRecord, 'regionId' | 'accountId' | 'name'>): string {
    return `acs:kms:${secret.regionId}:${secret.accountId}:secret/${secret.name}`;
  }

  /** A secret that exists and is not in its deletion window. */
  get(scope: Scope, name: string): SecretRecord {
    return this.outsideDeleteWindow(name, this.find(scope, name));
  }

  /**
   * `get` for readers: the stored record itself (frozen), without the copy `get` makes for callers
   * that change a secret and save it.
   */
  view(scope: Scope, name: string): Readonly<SecretRecord> {
    return this.outsideDeleteWindow(name, this.find(scope, name, true));
  }

  /**
   * The rules every operation on a secret's values and settings obeys (as `keys.usableKey` for
   * keys): the secret exists (Forbidden.ResourceNotFound), is not in its deletion window
   * (Rejected.ResourceInDeleteWindow), and its instance is available (Rejected.Unavailable).
   */
  usable(scope: Scope, name: string): SecretRecord {
    const secret = this.get(scope, name);
    this.assertAvailable(scope, secret);
    return secret;
  }

  /** `usable` for readers: the frozen stored record, never to be changed or saved. */
  readable(scope: Scope, name: string): Readonly<SecretRecord> {
    const secret = this.view(scope, name);
    this.assertAvailable({ accountId: secret.accountId, regionId: secret.regionId }, secret);
    return secret;
  }

  private outsideDeleteWindow<T extends SecretRecord | Readonly<SecretRecord>>(
    name: string,
    secret: T | undefined,
  ): T {
    if (!secret) throw notFound(name);
    if (secret.plannedDeleteTime !== undefined) {
      throw new KmsError('Rejected.ResourceInDeleteWindow', `The secret "${name}" is planned to be deleted.`);
    }
    return secret;
  }

  find(scope: Scope, name: string, peek = false): SecretRecord | undefined {
    let key = name;
    let where = scope;
    if (key.startsWith('acs:kms:')) {
      const arn = parseArn(key);
      if (!arn) return undefined;
      // Another account's secret, named by its ARN (cross-account use, which its secret policy must allow).
      where = arnScope(arn, scope);
      key = arn.resource.replace(/^secret\//, '');
    }
    return peek ? this.table.peek(partitionOf(where), key) : this.table.get(partitionOf(where), key);
  }

  /** In creation order, kept by the store's index (no sort, no copy: the records are frozen). */
  list(scope: Scope): readonly SecretRecord[] {
    return this.table.ordered(partitionOf(scope), BY_CREATION);
  }

  save(secret: SecretRecord): void {
    secret.updateTime = this.world.now();
    this.table.put(partitionOf(secret), secret.name, secret);
  }

  /**
   * The key DescribeSecret names: the one the caller gave CreateSecret, or none for a secret under
   * the service's own key (created without EncryptionKeyId). The service does not name a key the
   * caller never chose: Terraform's alicloud_kms_secret copies EncryptionKeyId into an Optional,
   * ForceNew attribute, and the provider's acceptance tests create secrets without a key and
   * re-plan with no changes against the real service.
   */
  chosenKeyId(scope: Scope, secret: Readonly<SecretRecord>): string | undefined {
    const key = this.world.keys.find(scope, secret.encryptionKeyId);
    return key?.managed ? undefined : secret.encryptionKeyId;
  }

  /**
   * The secret's instance (if any) is available: Rejected.Unavailable for an expired one, as the
   * service answers (the one meaning of "available", as `keys.available`).
   */
  assertAvailable(scope: Scope, secret: Readonly<SecretRecord>): void {
    if (secret.dkmsInstanceId) this.world.instances.assertUsable(scope, secret.dkmsInstanceId);
  }

  create(
    scope: Scope,
    input: {
      name: string;
      type: SecretType;
      versionId: string;
      data: string;
      dataType: 'text' | 'binary';
      description?: string;
      encryptionKeyId?: string;
      dkmsInstanceId?: string;
      extendedConfig?: Record<string, unknown>;
      policy?: string;
    },
  ): SecretRecord {
    checkName(input.name, input.type);
    checkVersionId(input.versionId);
    const existing = this.find(scope, input.name);
    if (existing?.plannedDeleteTime !== undefined) {
      throw new KmsError(
        'Rejected.ResourceInDeleteWindow',
        `The secret "${input.name}" is planned to be deleted.`,
      );
    }
    if (existing) throw new KmsError('Rejected.ResourceExist', `The secret "${input.name}" already exists.`);
    if (input.dkmsInstanceId) this.world.instances.assertUsable(scope, input.dkmsInstanceId);
    const key = input.encryptionKeyId ? this.world.keys.usableKey(scope, input.encryptionKeyId) : undefined;
    // A secret encrypted under a key of an instance lives in that instance (DKMSInstanceId).
    if (input.dkmsInstanceId && key && key.dkmsInstanceId !== input.dkmsInstanceId) {
      throw new KmsError(
        'InvalidParameter',
        `The key "${key.keyId}" does not belong to the KMS instance "${input.dkmsInstanceId}".`,
      );
    }
    const dkmsInstanceId = input.dkmsInstanceId ?? key?.dkmsInstanceId;
    const encryptionKeyId = key ? key.keyId : this.world.keys.defaultSecretsKey(scope, dkmsInstanceId);
    if (dkmsInstanceId) this.world.instances.reserve(scope, dkmsInstanceId, 'secret');
    const now = this.world.now();
    const secret: SecretRecord = {
      name: input.name,
      accountId: scope.accountId,
      regionId: scope.regionId,
      type: input.type,
      description: input.description ?? '',
      encryptionKeyId,
      dkmsInstanceId,
      createTime: now,
      updateTime: now,
      extendedConfig: input.extendedConfig,
      automaticRotation: 'Disabled',
      policy: input.policy
        ? validatePolicy('secret', input.policy)
        : defaultPolicy(
            'secret',
            scope.accountId,
            dkmsInstanceId ? this.world.instances.ownerOf(scope, dkmsInstanceId) : undefined,
          ),
      versions: [],
    };
    secret.versions.push(
      this.sealVersion(scope, secret, input.versionId, input.data, input.dataType, ['ACSCurrent']),
    );
    this.save(secret);
    if (input.policy) {
      // Other accounts the policy names take the instance's Access Management Quota.
      reserveShares(
        this.world,
        scope,
        dkmsInstanceId ?? this.world.instances.defaultInstance(scope).kmsInstanceId,
        {
          kind: 'secret',
          id: secret.name,
          next: secret.policy,
        },
      );
    }
    return secret;
  }

  sealVersion(
    scope: Scope,
    secret: SecretRecord,
    versionId: string,
    data: string,
    dataType: 'text' | 'binary',
    stages: string[],
  ): SecretVersion {
    const bytes = Buffer.from(data, 'utf8');
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "SecretData" is too long: at most ${MAX_VALUE_BYTES} bytes.`,
      );
    }
    if (dataType === 'binary' && !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      throw new KmsError('InvalidParameter', 'Binary SecretData must be base64-encoded.');
    }
    const dataKey = this.world.random.bytes(32);
    const iv = this.world.random.bytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(`${secret.name}\n${versionId}`));
    const ciphertext = Buffer.concat([cipher.update(bytes), cipher.final()]);
    const wrapped = this.world.keys.encrypt(scope, secret.encryptionKeyId, dataKey, {
      SecretName: secret.name,
    });
    return {
      versionId,
      createTime: this.world.now(),
      stages,
      dataType,
      dataKeyBlob: wrapped.ciphertextBlob,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  /**
   * GetSecretValue's read rule: a managed secret gives only ACSCurrent or ACSPrevious (VersionId is
   * ignored); a generic one the version asked for by id (which must then carry the stage, if one is
   * named too) or by stage (ACSCurrent by default). The secret must be `usable`, and its key decides
   * whether the value can be decrypted.
   */
  readValue(scope: Scope, query: ValueQuery): SecretValue {
    const secret = this.readable(scope, query.name);
    const { stage, versionId } = query;
    let version: Readonly<SecretVersion> | undefined;
    if (secret.type !== 'Generic') {
      const wanted = stage ?? 'ACSCurrent';
      if (!READABLE_MANAGED_STAGES.includes(wanted)) {
        throw new KmsError(
          'InvalidParameter',
          'Only ACSCurrent and ACSPrevious can be read from a managed secret.',
        );
      }
      version = secret.versions.find((v) => v.stages.includes(wanted));
    } else if (versionId !== undefined) {
      version = secret.versions.find((v) => v.versionId === versionId);
      if (version && stage !== undefined && !version.stages.includes(stage)) {
        throw new KmsError('Rejected.InvalidRequest', `Version "${versionId}" has no stage "${stage}".`, {
          status: 400,
        });
      }
    } else {
      version = secret.versions.find((v) => v.stages.includes(stage ?? 'ACSCurrent'));
    }
    if (!version)
      throw new KmsError('Forbidden.ResourceNotFound', 'The specified secret version is not found.');
    // The secret's own account opens it (another account's, for a cross-account read).
    return {
      secret,
      version,
      data: this.open({ accountId: secret.accountId, regionId: secret.regionId }, secret, version),
    };
  }

  /**
   * UpdateSecretVersionStage: takes `stage` from `from` (which must hold it) and gives it to `to`;
   * ACSCurrent and ACSPrevious can only be moved, never removed. The secret must be `usable`.
   */
  moveStage(scope: Scope, name: string, move: StageMove): SecretRecord {
    const secret = this.usable(scope, name);
    const { stage, from, to } = move;
    if (!from && !to)
      throw new KmsError('MissingParameter', 'Give RemoveFromVersion, MoveToVersion or both.');
    const holder = secret.versions.find((v) => v.stages.includes(stage));
    if (from !== undefined && holder?.versionId !== from) {
      throw new KmsError('Rejected.InvalidRequest', `Stage "${stage}" is not on version "${from}".`, {
        status: 400,
      });
    }
    if (['ACSCurrent', 'ACSPrevious'].includes(stage) && !to) {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        `${stage} can only be moved to another version, not removed.`,
      );
    }
    if (to) {
      const target = secret.versions.find((v) => v.versionId === to);
      if (!target) throw new KmsError('Forbidden.ResourceNotFound', `Version "${to}" is not found.`);
      this.attachStages(secret, target, [stage]);
    } else if (holder) {
      holder.stages = holder.stages.filter((s) => s !== stage);
    }
    this.trimVersions(secret);
    this.save(secret);
    return secret;
  }

  /** Decrypts a version's value; the key's state and the instance decide whether it can be read. */
  open(scope: Scope, secret: Readonly<SecretRecord>, version: Readonly<SecretVersion>): string {
    const known = this.opened.get(version);
    if (known) {
      // The key's state and instance decide as on a first read; only the cryptography is not redone.
      this.world.keys.assertDecryptable(scope, known.keyId, known.keyVersionId);
      return known.value;
    }
    const {
      plaintext: dataKey,
      keyId,
      keyVersionId,
    } = this.world.keys.decrypt(scope, version.dataKeyBlob, {
      SecretName: secret.name,
    });
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(version.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${secret.name}\n${version.versionId}`));
    decipher.setAuthTag(Buffer.from(version.tag, 'base64'));
    const value = Buffer.concat([
      decipher.update(Buffer.from(version.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
    // Only a stored record is kept: a copy is changed by its caller and is gone after the call.
    if (Object.isFrozen(version)) this.opened.set(version, { value, keyId, keyVersionId });
    return value;
  }

  /** Same data under the same VersionId succeeds again; other data is a conflict. */
  sameData(scope: Scope, secret: SecretRecord, version: SecretVersion, data: string): boolean {
    return this.open(scope, secret, version) === data;
  }

  /** Stores a new version. ACSCurrent moves to it and ACSPrevious to the old current (pointers). */
  putValue(
    scope: Scope,
    secret: SecretRecord,
    versionId: string,
    data: string,
    dataType: 'text' | 'binary',
    stages: string[] = ['ACSCurrent'],
  ): SecretVersion {
    checkVersionId(versionId);
    checkStages(stages);
    const existing = secret.versions.find((v) => v.versionId === versionId);
    if (existing) {
      if (this.sameData(scope, secret, existing, data)) return existing;
      throw new KmsError(
        'Rejected.ResourceExist',
        `Version "${versionId}" already exists with different data.`,
      );
    }
    const version = this.sealVersion(scope, secret, versionId, data, dataType, []);
    secret.versions.push(version);
    this.attachStages(secret, version, stages);
    this.trimVersions(secret);
    this.save(secret);
    return version;
  }

  /** Gives `stages` to `version`, taking each from whichever version had it; ACSCurrent leaves ACSPrevious behind. */
  attachStages(secret: SecretRecord, version: SecretVersion, stages: string[]): void {
    for (const stage of stages) {
      const holder = secret.versions.find((v) => v !== version && v.stages.includes(stage));
      if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
      if (stage === 'ACSCurrent' && holder) {
        for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== 'ACSPrevious');
        holder.stages.push('ACSPrevious');
      }
      if (!version.stages.includes(stage)) version.stages.push(stage);
    }
    if (version.stages.length > MAX_STAGES) {
      throw new KmsError(
        'Rejected.LimitExceeded',
        `A secret version can have at most ${MAX_STAGES} stage labels.`,
      );
    }
  }

  /** At most 10 versions: the earliest without a stage label goes. */
  trimVersions(secret: SecretRecord): void {
    while (secret.versions.length > MAX_VERSIONS) {
      const index = secret.versions.findIndex((v) => v.stages.length === 0);
      if (index === -1) {
        throw new KmsError(
          'Rejected.LimitExceeded',
          `A secret can have at most ${MAX_VERSIONS} versions with stage labels.`,
        );
      }
      secret.versions.splice(index, 1);
    }
  }

  scheduleDeletion(scope: Scope, secret: SecretRecord, days: number): number {
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "RecoveryWindowInDays" is not valid: 7 to 30 days.',
      );
    }
    secret.plannedDeleteTime = this.world.now() + days * DAY;
    this.save(secret);
    this.purgeJob.schedule(scope, secret.name, secret.plannedDeleteTime);
    return secret.plannedDeleteTime;
  }

  restore(scope: Scope, name: string): void {
    const secret = this.find(scope, name);
    if (!secret) throw notFound(name);
    if (secret.plannedDeleteTime === undefined) {
      throw new KmsError('Rejected.ResourceInUse', `The secret "${name}" is not scheduled for deletion.`);
    }
    secret.plannedDeleteTime = undefined;
    this.save(secret);
    this.purgeJob.cancel(scope, secret.name);
  }

  purge(scope: Scope, secret: SecretRecord): void {
    this.purgeJob.cancel(scope, secret.name);
    this.world.managed.cancelJobs(scope, secret.name);
    if (secret.dkmsInstanceId) this.world.instances.release(scope, secret.dkmsInstanceId, 'secret');
    this.world.tags.forget(scope, 'secret', secret.name);
    this.table.delete(partitionOf(scope), secret.name);
  }
}

export function checkName(name: string, type: SecretType): void {
  if (!/^[A-Za-z0-9_/+=.@-]{1,192}$/.test(name)) {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "SecretName" is not valid: 1 to 192 letters, digits and _ / + = . @ -.',
    );
  }
  if (type === 'ECS' && !name.startsWith('acs/ecs/')) {
    throw new KmsError('InvalidParameter', 'The name of an ECS secret must start with "acs/ecs/".');
  }
  if (type !== 'ECS' && type !== 'RAMCredentials' && name.startsWith('acs/')) {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "SecretName" must not start with "acs/".',
    );
  }
}

export function checkVersionId(versionId: string): void {
  if (versionId.length < 1 || versionId.length > 64) {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "VersionId" is not valid: 1 to 64 characters.',
    );
  }
}

export function checkStages(stages: string[]): void {
  if (stages.length > MAX_STAGES) {
    throw new KmsError(
      'InvalidParameter',
      `The specified parameter "VersionStages" is not valid: at most ${MAX_STAGES} labels.`,
    );
  }
  for (const stage of stages) {
    if (typeof stage !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(stage)) {
      throw new KmsError('InvalidParameter', `The stage label "${String(stage)}" is not valid.`);
    }
  }
}

/**
 * Secret jobs are reported by their partition and name (`secret.purge:<account>/<region>/<name>`),
 * as the clock-advance report always named them.
 */
export function secretJobReportId(type: string): (scope: Scope, name: string) => string {
  return (scope, name) => `${type}:${partitionOf(scope)}/${name}`;
}
