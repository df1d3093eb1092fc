import { KmsError } from '../protocol/errors.js';
import type { Index, Table } from '../store/store.js';
import { arnScope, parseArn } from './authorization/arns.js';
import {
  contextAad,
  decodeBlob,
  encodeBlob,
  invalidCiphertext,
  KEY_SPECS,
  open,
  seal,
  unwrapMaterial,
  wrapMaterial,
} from './crypto.js';
import {
  type AnyKeySpec,
  checkMaterial,
  checkSpecAndUsage,
  generateMaterial,
  isSymmetric,
} from './key-specs.js';
import { defaultPolicy as defaultResourcePolicy, reserveShares, validatePolicy } from './resource-policy.js';
import type { JobType, NoPayload } from './scheduler.js';
import { DAY, isoSeconds } from './time.js';

const byCreation = (a: KeyRecord, b: KeyRecord) =>
  a.creationDate - b.creationDate || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0);
const BY_CREATION: Index<KeyRecord> = { compare: byCreation };
const USER_KEYS_BY_CREATION: Index<KeyRecord> = { compare: byCreation, where: (key) => !key.managed };

import { partitionOf, type Scope, type World } from './world.js';

/**
 * Customer master keys: states, versions (material wrapped under the emulator master key), aliases,
 * deletion windows, automatic rotation. `usableKey` is the one place that owns the key-state rules
 * every cryptographic operation obeys.
 */
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

export interface KeyVersion {
  keyVersionId: string;
  creationDate: number;
  /** Material wrapped under the master key (base64); never stored in clear. */
  wrapped: string;
}

export type KeyStorageMechanism = 'HsmInternal' | 'HsmEncryptedDatabase';

export interface KeyRecord {
  keyId: string;
  accountId: string;
  regionId: string;
  description: string;
  keySpec: AnyKeySpec;
  keyUsage: string;
  origin: 'Aliyun_KMS' | 'EXTERNAL';
  protectionLevel: string;
  state: KeyState;
  creator: string;
  creationDate: number;
  deleteDate?: number;
  deletionProtection: boolean;
  deletionProtectionDescription: string;
  primaryKeyVersion: string;
  versions: KeyVersion[];
  automaticRotation: 'Enabled' | 'Disabled';
  rotationIntervalSeconds?: number;
  nextRotationDate?: number;
  lastRotationDate?: number;
  dkmsInstanceId?: string;
  policy: string;
  materialExpireTime?: number;
  /** CreateKey's KeyStorageMechanism (keys of an instance only); HsmInternal keys do not rotate. */
  keyStorageMechanism?: KeyStorageMechanism;
  /** Service-managed keys (e.g. the default secrets key) count against no quota. */
  managed: boolean;
}

interface AliasRecord {
  aliasName: string;
  keyId: string;
}

export const MANAGED_SECRETS_ALIAS = 'alias/acs/secretsmanager';
/** Unwrapped key versions kept in memory: enough for every key a test uses, bounded for 100,000 keys. */
const UNWRAPPED_CACHE_SIZE = 4096;

/** The default key policy; kept for callers of the older name (see resource-policy.ts). */
export function defaultPolicy(accountId: string): string {
  return defaultResourcePolicy('key', accountId);
}

/** `604800s`, `7d`, `168h` → seconds. */
export function parseRotationInterval(text: string, name = 'RotationInterval'): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new KmsError('InvalidParameter', `The specified parameter ${name} is not valid.`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, '': 1 }[match[2] as 's' | 'm' | 'h' | 'd' | ''];
  return Number(match[1]) * unit;
}

export class KeyService {
  private readonly keys: Table<KeyRecord>;
  private readonly aliases: Table<AliasRecord>;
  /** Key material in clear by its wrapped form (which is unique per version), most recent last. */
  private readonly unwrapped = new Map<string, Buffer>();
  /** Jobs by KeyId: the purge at the end of the deletion window, automatic rotation, imported material's expiry. */
  private readonly purgeJob: JobType<NoPayload>;
  private readonly rotateJob: JobType<NoPayload>;
  private readonly materialExpiryJob: JobType<NoPayload>;

  constructor(
    private readonly world: World,
    private readonly masterKey: Buffer,
  ) {
    this.keys = world.store.table<KeyRecord>('keys');
    this.aliases = world.store.table<AliasRecord>('aliases');
    this.purgeJob = world.scheduler.define('key.purge', ({ scope, id }) => {
      const key = this.keys.get(partitionOf(scope), id);
      if (key?.state !== 'PendingDeletion') return 'nothing to purge';
      this.purge(scope, key);
      return `key ${key.keyId} deleted (its deletion window ended)`;
    });
    this.rotateJob = world.scheduler.define('key.rotate', ({ scope, id }) => {
      const key = this.keys.get(partitionOf(scope), id);
      if (key?.automaticRotation !== 'Enabled') return 'rotation no longer enabled';
      const version = this.addVersion(scope, key);
      return `key ${key.keyId} rotated to version ${version.keyVersionId}`;
    });
    this.materialExpiryJob = world.scheduler.define('key.material-expire', ({ scope, id }) => {
      const key = this.keys.get(partitionOf(scope), id);
      if (key?.origin !== 'EXTERNAL' || key.versions.length === 0) return 'no imported material';
      this.dropMaterial(key);
      return `key ${key.keyId}: imported material expired; the key is PendingImport`;
    });
    world.instances.onRelease((scope, instanceId) => {
      for (const key of this.keys.list(partitionOf(scope))) {
        if (key.dkmsInstanceId === instanceId) this.purge(scope, key);
      }
    });
  }

  arn(key: Pick<KeyRecord, 'regionId' | 'accountId' | 'keyId'>): string {
    return `acs:kms:${key.regionId}:${key.accountId}:key/${key.keyId}`;
  }

  create(
    scope: Scope,
    options: {
      keyId?: string;
      description?: string;
      keySpec?: string;
      keyUsage?: string;
      origin?: 'Aliyun_KMS' | 'EXTERNAL';
      protectionLevel?: string;
      dkmsInstanceId?: string;
      rotationIntervalSeconds?: number;
      enableAutomaticRotation?: boolean;
      policy?: string;
      managed?: boolean;
      material?: Buffer[];
      versionIds?: string[];
      creator?: string;
      keyStorageMechanism?: KeyStorageMechanism;
    } = {},
  ): KeyRecord {
    const { spec: keySpec, usage } = checkSpecAndUsage(options.keySpec || 'Aliyun_AES_256', options.keyUsage);
    const origin = options.origin ?? 'Aliyun_KMS';
    if (!isSymmetric(keySpec)) {
      // Asymmetric and HMAC keys: no imported material and no rotation (CreateKeyVersion's docs:
      // only symmetric keys get new versions).
      if (origin === 'EXTERNAL') {
        throw new KmsError('UnsupportedOperation', `The emulator imports material for symmetric keys only.`);
      }
      if (options.enableAutomaticRotation) {
        throw new KmsError('UnsupportedOperation', `Keys of KeySpec ${keySpec} do not rotate automatically.`);
      }
    }
    if (options.dkmsInstanceId) this.world.instances.reserve(scope, options.dkmsInstanceId, 'key');
    const now = this.world.now();
    const keyId =
      options.keyId ??
      (options.dkmsInstanceId ? this.world.ids.prefixed('key', scope.regionId) : this.world.ids.uuid());
    if (this.keys.get(partitionOf(scope), keyId)) throw new KmsError('Rejected.ResourceExist');
    const key: KeyRecord = {
      keyId,
      accountId: scope.accountId,
      regionId: scope.regionId,
      description: options.description ?? '',
      keySpec,
      keyUsage: usage,
      origin,
      protectionLevel: options.protectionLevel ?? 'SOFTWARE',
      state: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
      creator: options.creator ?? scope.accountId,
      creationDate: now,
      deletionProtection: false,
      deletionProtectionDescription: '',
      primaryKeyVersion: '',
      versions: [],
      automaticRotation: 'Disabled',
      dkmsInstanceId: options.dkmsInstanceId,
      policy: options.policy
        ? validatePolicy('key', options.policy)
        : defaultResourcePolicy(
            'key',
            scope.accountId,
            options.dkmsInstanceId ? this.world.instances.ownerOf(scope, options.dkmsInstanceId) : undefined,
          ),
      managed: options.managed ?? false,
      ...(options.keyStorageMechanism ? { keyStorageMechanism: options.keyStorageMechanism } : {}),
    };
    if (origin === 'Aliyun_KMS') {
      const materials = options.material ?? [generateMaterial(keySpec, this.world.random)];
      materials.forEach((material, index) => {
        const version: KeyVersion = {
          keyVersionId: options.versionIds?.[index] ?? this.world.ids.uuid(),
          creationDate: now,
          wrapped: wrapMaterial(this.masterKey, checkMaterial(keySpec, material), this.world.random),
        };
        key.versions.push(version);
        key.primaryKeyVersion = version.keyVersionId;
      });
    }
    this.keys.put(partitionOf(scope), keyId, key);
    if (options.policy && !key.managed) {
      // Other accounts the policy names take the instance's Access Management Quota.
      reserveShares(
        this.world,
        scope,
        key.dkmsInstanceId ?? this.world.instances.defaultInstance(scope).kmsInstanceId,
        {
          kind: 'key',
          id: keyId,
          next: key.policy,
        },
      );
    }
    if (options.enableAutomaticRotation) {
      this.updateRotationPolicy(scope, keyId, true, options.rotationIntervalSeconds ?? 365 * 86400);
    }
    return this.keys.get(partitionOf(scope), keyId) as KeyRecord;
  }

  /** A key by ID, `alias/…` or ARN; Forbidden.KeyNotFound / Forbidden.AliasNotFound otherwise. */
  resolve(scope: Scope, ref: string): KeyRecord {
    return this.lookup(scope, ref, false);
  }

  /** `resolve` for readers that change nothing (the audit journal, fault rules): the frozen stored record. */
  peekResolve(scope: Scope, ref: string): Readonly<KeyRecord> {
    return this.lookup(scope, ref, true);
  }

  /**
   * `resolve` (and `usableKey`) for readers, the cryptography of Encrypt/Decrypt: the stored record
   * itself (frozen), without the copy made for callers that change a key and save it.
   */
  private lookup(scope: Scope, ref: string, peek: boolean): KeyRecord {
    let id = ref.trim();
    let where = scope;
    if (id.startsWith('acs:kms:')) {
      const arn = parseArn(id);
      if (!arn) throw new KmsError('Forbidden.KeyNotFound');
      // Another account's key, named by its ARN (cross-account use, which its key policy must allow).
      where = arnScope(arn, scope);
      const { resource } = arn;
      if (resource.startsWith('alias/')) id = resource;
      else if (resource.startsWith('key/')) id = resource.slice(4);
      else throw new KmsError('Forbidden.KeyNotFound');
    }
    if (id.startsWith('alias/')) {
      const alias = this.aliases.get(partitionOf(where), id);
      if (!alias) throw new KmsError('Forbidden.AliasNotFound');
      id = alias.keyId;
    }
    const key = peek ? this.keys.peek(partitionOf(where), id) : this.keys.get(partitionOf(where), id);
    if (!key) throw new KmsError('Forbidden.KeyNotFound');
    return key as KeyRecord;
  }

  /**
   * The key a ciphertext blob names: the caller's own, else — a blob made under another account's
   * key, which names only its KeyId — that account's (cross-account Decrypt; its key policy decides).
   */
  private blobKey(scope: Scope, keyId: string): Readonly<KeyRecord> {
    const own = this.keys.peek(partitionOf(scope), keyId);
    if (own) return own;
    const elsewhere = this.locate(keyId);
    if (!elsewhere) throw new KmsError('Forbidden.KeyNotFound');
    return elsewhere;
  }

  /** A key by its ID in any account and region (KeyIds are UUIDs or carry a random suffix). */
  locate(keyId: string): Readonly<KeyRecord> | undefined {
    for (const partition of this.keys.partitions()) {
      const key = this.keys.peek(partition, keyId);
      if (key) return key;
    }
    return undefined;
  }

  /** A key by its ID, or undefined: the stored (frozen) record, for readers. */
  find(scope: Scope, keyId: string): Readonly<KeyRecord> | undefined {
    return this.keys.peek(partitionOf(scope), keyId);
  }

  /** The key-state rules every cryptographic operation obeys. */
  usableKey(scope: Scope, ref: string): KeyRecord {
    return this.checkUsable(scope, this.resolve(scope, ref));
  }

  /** `usableKey` for readers: the frozen stored record, never to be changed or saved. */
  readableKey(scope: Scope, ref: string): Readonly<KeyRecord> {
    return this.checkUsable(scope, this.lookup(scope, ref, true));
  }

  private checkUsable<T extends Readonly<KeyRecord>>(_scope: Scope, key: T): T {
    // The key's own account and region hold its instance (another account's, for a cross-account key).
    if (key.dkmsInstanceId)
      this.world.instances.assertUsable(
        { accountId: key.accountId, regionId: key.regionId },
        key.dkmsInstanceId,
      );
    if (key.state === 'Disabled') throw new KmsError('Rejected.Disabled');
    if (key.state === 'PendingDeletion') throw new KmsError('Rejected.PendingDeletion');
    if (key.state === 'PendingImport') {
      throw new KmsError(
        'Rejected.PendingImport',
        'The request was rejected because the key state is PendingImport.',
        {
          status: 409,
        },
      );
    }
    return key;
  }

  /**
   * The key, if its instance (if any) is available: metadata-only operations still answer
   * Rejected.Unavailable for a key of an expired instance. "Available" means only this, for keys and
   * secrets (`secrets.assertAvailable`); `usableKey` adds the key-state rules.
   */
  available(scope: Scope, ref: string): KeyRecord {
    const key = this.resolve(scope, ref);
    if (key.dkmsInstanceId) this.world.instances.assertUsable(scope, key.dkmsInstanceId);
    return key;
  }

  /** In creation order, kept by the store's index (no sort, no copy: the records are frozen). */
  list(scope: Scope): readonly KeyRecord[] {
    return this.keys.ordered(partitionOf(scope), BY_CREATION);
  }

  /** The keys a user made (not the service's managed keys), in creation order. */
  listUserKeys(scope: Scope): readonly KeyRecord[] {
    return this.keys.ordered(partitionOf(scope), USER_KEYS_BY_CREATION);
  }

  save(key: KeyRecord): void {
    this.keys.put(partitionOf(key), key.keyId, key);
  }

  metadata(key: KeyRecord): Record<string, unknown> {
    return {
      KeyId: key.keyId,
      Arn: this.arn(key),
      Description: key.description,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      KeyState: key.state,
      Origin: key.origin,
      ProtectionLevel: key.protectionLevel,
      Creator: key.creator,
      CreationDate: isoSeconds(key.creationDate),
      DeleteDate: key.deleteDate === undefined ? '' : isoSeconds(key.deleteDate),
      DeletionProtection: key.deletionProtection ? 'Enabled' : 'Disabled',
      DeletionProtectionDescription: key.deletionProtectionDescription,
      PrimaryKeyVersion: key.primaryKeyVersion,
      AutomaticRotation: key.automaticRotation,
      // Answered only while rotation is on (Enabled or Suspended), as DescribeKey documents; the
      // interval is still kept for a later UpdateRotationPolicy that gives none.
      RotationInterval:
        key.automaticRotation === 'Disabled' || key.rotationIntervalSeconds === undefined
          ? ''
          : `${key.rotationIntervalSeconds}s`,
      NextRotationDate: key.nextRotationDate === undefined ? '' : isoSeconds(key.nextRotationDate),
      LastRotationDate: isoSeconds(key.lastRotationDate ?? key.creationDate),
      MaterialExpireTime: key.materialExpireTime === undefined ? '' : isoSeconds(key.materialExpireTime),
      DKMSInstanceId: key.dkmsInstanceId ?? '',
    };
  }

  setState(scope: Scope, ref: string, state: 'Enabled' | 'Disabled'): void {
    const key = this.available(scope, ref);
    if (key.state === 'PendingDeletion' || key.state === 'PendingImport') {
      throw new KmsError(
        'Rejected.StateModifiedFailed',
        `The request was rejected because the key state is ${key.state}.`,
        { status: 409 },
      );
    }
    key.state = state;
    this.save(key);
  }

  scheduleDeletion(scope: Scope, ref: string, days: number): KeyRecord {
    if (!Number.isInteger(days) || days < 7 || days > 366) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "PendingWindowInDays" is not valid: 7 to 366 days.',
      );
    }
    const key = this.available(scope, ref);
    if (key.managed)
      throw new KmsError('Rejected.UnsupportedOperation', 'A service-managed key cannot be deleted.');
    if (key.deletionProtection) {
      throw new KmsError('Forbidden.DeletionProtection', 'The key is protected from deletion.', {
        status: 403,
      });
    }
    if (key.state === 'PendingDeletion') {
      throw new KmsError('Rejected.StateModifiedFailed', 'The key is already pending deletion.', {
        status: 409,
      });
    }
    key.state = 'PendingDeletion';
    key.deleteDate = this.world.now() + days * DAY;
    this.save(key);
    this.purgeJob.schedule(key, key.keyId, key.deleteDate);
    return key;
  }

  cancelDeletion(scope: Scope, ref: string): void {
    const key = this.available(scope, ref);
    if (key.state !== 'PendingDeletion') {
      throw new KmsError(
        'Rejected.StateModifiedFailed',
        `The request was rejected because the key state is ${key.state}.`,
        {
          status: 409,
        },
      );
    }
    key.state = 'Enabled';
    key.deleteDate = undefined;
    this.save(key);
    this.purgeJob.cancel(key, key.keyId);
  }

  private purge(scope: Scope, key: KeyRecord): void {
    for (const alias of this.aliases.list(partitionOf(scope))) {
      if (alias.keyId === key.keyId) this.aliases.delete(partitionOf(scope), alias.aliasName);
    }
    this.purgeJob.cancel(scope, key.keyId);
    this.rotateJob.cancel(scope, key.keyId);
    if (key.dkmsInstanceId && !key.managed) this.world.instances.release(scope, key.dkmsInstanceId, 'key');
    this.keys.delete(partitionOf(scope), key.keyId);
  }

  setDeletionProtection(scope: Scope, arn: string, enabled: boolean, description: string): void {
    const key = this.resolve(scope, arn);
    key.deletionProtection = enabled;
    key.deletionProtectionDescription = enabled ? description : '';
    this.save(key);
  }

  private addVersion(scope: Scope, key: KeyRecord): KeyVersion {
    const version: KeyVersion = {
      keyVersionId: this.world.ids.uuid(),
      creationDate: this.world.now(),
      wrapped: wrapMaterial(
        this.masterKey,
        generateMaterial(key.keySpec, this.world.random),
        this.world.random,
      ),
    };
    key.versions.push(version);
    key.primaryKeyVersion = version.keyVersionId;
    key.lastRotationDate = version.creationDate;
    if (key.automaticRotation === 'Enabled' && key.rotationIntervalSeconds) {
      key.nextRotationDate = version.creationDate + key.rotationIntervalSeconds * 1000;
      this.rotateJob.schedule(key, key.keyId, key.nextRotationDate);
    }
    this.keys.put(partitionOf(scope), key.keyId, key);
    return version;
  }

  createVersion(scope: Scope, ref: string): KeyVersion {
    const key = this.usableKey(scope, ref);
    if (key.origin === 'EXTERNAL') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        'Keys with imported material cannot have new versions.',
      );
    }
    if (!isSymmetric(key.keySpec)) {
      throw new KmsError('Rejected.UnsupportedOperation', 'Only symmetric keys can have new versions.');
    }
    return this.addVersion(scope, key);
  }

  updateRotationPolicy(scope: Scope, ref: string, enabled: boolean, intervalSeconds?: number): void {
    const key = this.available(scope, ref);
    if (enabled && key.keyStorageMechanism === 'HsmInternal') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        'Keys stored with KeyStorageMechanism HsmInternal do not support rotation.',
      );
    }
    if (key.origin === 'EXTERNAL') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        'Keys with imported material cannot rotate automatically.',
      );
    }
    if (enabled && !isSymmetric(key.keySpec)) {
      throw new KmsError('Rejected.UnsupportedOperation', `Keys of KeySpec ${key.keySpec} do not rotate.`);
    }
    if (enabled) {
      const seconds = intervalSeconds ?? key.rotationIntervalSeconds ?? 365 * 86400;
      if (seconds < 7 * 86400 || seconds > 730 * 86400) {
        throw new KmsError(
          'InvalidParameter',
          'The specified parameter RotationInterval is not valid: 7 to 730 days.',
        );
      }
      key.automaticRotation = 'Enabled';
      key.rotationIntervalSeconds = seconds;
      key.nextRotationDate = (key.lastRotationDate ?? key.creationDate) + seconds * 1000;
      if (key.nextRotationDate < this.world.now()) key.nextRotationDate = this.world.now() + seconds * 1000;
      this.rotateJob.schedule(key, key.keyId, key.nextRotationDate);
    } else {
      key.automaticRotation = 'Disabled';
      key.nextRotationDate = undefined;
      if (intervalSeconds !== undefined) key.rotationIntervalSeconds = intervalSeconds;
      this.rotateJob.cancel(key, key.keyId);
    }
    this.save(key);
  }

  // Aliases

  aliasArn(scope: Scope, aliasName: string): string {
    return `acs:kms:${scope.regionId}:${scope.accountId}:${aliasName}`;
  }

  private checkAliasName(name: string): void {
    if (!/^alias\/[A-Za-z0-9/_-]+$/.test(name) || name.length > 255 || name.startsWith('alias/acs')) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "AliasName" is not valid: 1 to 255 characters after "alias/" of letters, digits, _, - and /, not starting with "alias/acs".',
      );
    }
  }

  createAlias(scope: Scope, aliasName: string, keyRef: string): void {
    this.checkAliasName(aliasName);
    const key = this.resolve(scope, keyRef);
    if (this.aliases.get(partitionOf(scope), aliasName)) throw new KmsError('Rejected.ResourceExist');
    this.aliases.put(partitionOf(scope), aliasName, { aliasName, keyId: key.keyId });
  }

  updateAlias(scope: Scope, aliasName: string, keyRef: string): void {
    if (!this.aliases.get(partitionOf(scope), aliasName)) throw new KmsError('Forbidden.AliasNotFound');
    const key = this.resolve(scope, keyRef);
    this.aliases.put(partitionOf(scope), aliasName, { aliasName, keyId: key.keyId });
  }

  deleteAlias(scope: Scope, aliasName: string): void {
    if (!this.aliases.get(partitionOf(scope), aliasName)) throw new KmsError('Forbidden.AliasNotFound');
    this.aliases.delete(partitionOf(scope), aliasName);
  }

  listAliases(scope: Scope, keyId?: string): AliasRecord[] {
    return this.aliases
      .list(partitionOf(scope))
      .filter((a) => keyId === undefined || a.keyId === keyId)
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1));
  }

  /** Bring-your-own-key: installs imported material (EXTERNAL keys have one version). */
  importMaterial(scope: Scope, ref: string, material: Buffer, expireAt: number | undefined): void {
    const key = this.available(scope, ref);
    if (key.origin !== 'EXTERNAL') throw new KmsError('Unsupported.Origin');
    if (key.state === 'PendingDeletion') throw new KmsError('Rejected.PendingDeletion');
    if (!isSymmetric(key.keySpec)) throw new KmsError('Unsupported.Origin');
    if (material.length !== KEY_SPECS[key.keySpec]) {
      throw new KmsError(
        'InvalidKeyMaterial',
        `Key material for ${key.keySpec} must be ${KEY_SPECS[key.keySpec]} bytes.`,
      );
    }
    const existing = key.versions[0];
    if (existing && !unwrapMaterial(this.masterKey, existing.wrapped).equals(material)) {
      // Reimporting must bring back the same material, or old ciphertexts would be lost.
      throw new KmsError(
        'InvalidKeyMaterial',
        'A key can only be reimported with the material it had before.',
      );
    }
    const version: KeyVersion = existing ?? {
      keyVersionId: this.world.ids.uuid(),
      creationDate: this.world.now(),
      wrapped: wrapMaterial(this.masterKey, material, this.world.random),
    };
    key.versions = [version];
    key.primaryKeyVersion = version.keyVersionId;
    key.state = 'Enabled';
    key.materialExpireTime = expireAt;
    this.save(key);
    if (expireAt === undefined) this.materialExpiryJob.cancel(key, key.keyId);
    else this.materialExpiryJob.schedule(key, key.keyId, expireAt);
  }

  deleteMaterial(scope: Scope, ref: string): void {
    const key = this.available(scope, ref);
    if (key.origin !== 'EXTERNAL') throw new KmsError('Unsupported.Origin');
    if (key.state === 'PendingDeletion') throw new KmsError('Rejected.PendingDeletion');
    this.materialExpiryJob.cancel(key, key.keyId);
    this.dropMaterial(key);
  }

  /** The material stays wrapped in the record (a reimport must match it) but is unusable until reimported. */
  private dropMaterial(key: KeyRecord): void {
    if (key.state !== 'PendingDeletion') key.state = 'PendingImport';
    key.materialExpireTime = undefined;
    this.save(key);
  }

  /** Key material per version, in clear — for an export the caller explicitly asked to include it. */
  exportMaterial(key: KeyRecord): { keyVersionId: string; material: string }[] {
    return key.versions.map((v) => ({
      keyVersionId: v.keyVersionId,
      material: unwrapMaterial(this.masterKey, v.wrapped).toString('base64'),
    }));
  }

  // Cryptography

  /** A version's material in clear, for cryptography that needs it raw (the KMS Instance API). */
  material(key: Readonly<KeyRecord>, keyVersionId: string): Buffer {
    const material = this.versionMaterial(key, keyVersionId);
    if (!material) throw invalidCiphertext();
    return material;
  }

  /** A version's material in clear (PKCS#8 DER for key pairs), for the domain's cryptography only. */
  versionMaterial(key: Readonly<KeyRecord>, keyVersionId: string): Buffer | undefined {
    const version = key.versions.find((v) => v.keyVersionId === keyVersionId);
    if (!version) return undefined;
    // Unwrapped once, then kept in memory (never on disk) for the next call with this version.
    let material = this.unwrapped.get(version.wrapped);
    if (!material) {
      material = unwrapMaterial(this.masterKey, version.wrapped);
      if (this.unwrapped.size >= UNWRAPPED_CACHE_SIZE) {
        this.unwrapped.delete(this.unwrapped.keys().next().value as string);
      }
      this.unwrapped.set(version.wrapped, material);
    }
    return material;
  }

  /** Encrypt and Decrypt take symmetric keys only. */
  private symmetric<T extends Readonly<KeyRecord>>(key: T): T & { keySpec: keyof typeof KEY_SPECS } {
    if (!isSymmetric(key.keySpec)) {
      throw new KmsError(
        'InvalidParameter',
        `The key ${key.keyId} (KeySpec ${key.keySpec}, KeyUsage ${key.keyUsage}) is not a symmetric encryption key.`,
      );
    }
    return key as T & { keySpec: keyof typeof KEY_SPECS };
  }

  encrypt(
    scope: Scope,
    keyRef: string,
    plaintext: Buffer,
    context?: Record<string, unknown>,
  ): { keyId: string; keyVersionId: string; ciphertextBlob: string } {
    const key = this.symmetric(this.readableKey(scope, keyRef));
    const keyVersionId = key.primaryKeyVersion;
    const sealed = seal(
      key.keySpec,
      this.material(key, keyVersionId),
      plaintext,
      contextAad(context, key.keyId, keyVersionId),
      this.world.random,
    );
    return {
      keyId: key.keyId,
      keyVersionId,
      // Named fields, not `{ ...sealed, keyId }`: V8 copies a spread followed by more properties
      // on its slow path (~1.4 µs, as much as the rest of the blob's encoding).
      ciphertextBlob: encodeBlob({
        iv: sealed.iv,
        tag: sealed.tag,
        ciphertext: sealed.ciphertext,
        keyId: key.keyId,
        keyVersionId,
      }),
    };
  }

  decrypt(
    scope: Scope,
    ciphertextBlob: string,
    context?: Record<string, unknown>,
  ): { keyId: string; keyVersionId: string; plaintext: Buffer } {
    const blob = decodeBlob(ciphertextBlob);
    const key = this.symmetric(this.checkUsable(scope, this.blobKey(scope, blob.keyId)));
    const plaintext = open(
      key.keySpec,
      this.material(key, blob.keyVersionId),
      blob,
      contextAad(context, blob.keyId, blob.keyVersionId),
    );
    return { keyId: key.keyId, keyVersionId: blob.keyVersionId, plaintext };
  }

  /**
   * What `decrypt` checks of a blob made by `keyId`/`keyVersionId` (the key's state and instance now,
   * the version still there), without its cryptography: for a value already decrypted once.
   */
  assertDecryptable(scope: Scope, keyId: string, keyVersionId: string): void {
    this.material(this.symmetric(this.checkUsable(scope, this.blobKey(scope, keyId))), keyVersionId);
  }

  /** The service-managed key that encrypts secrets created without EncryptionKeyId. */
  defaultSecretsKey(scope: Scope, instanceId?: string): string {
    const alias = instanceId ? `${MANAGED_SECRETS_ALIAS}/${instanceId}` : MANAGED_SECRETS_ALIAS;
    const existing = this.aliases.get(partitionOf(scope), alias);
    if (existing && this.keys.get(partitionOf(scope), existing.keyId)) return existing.keyId;
    const key = this.create(scope, {
      description: 'Default key that protects my secrets when no other key is defined',
      managed: true,
      creator: 'Kms',
      dkmsInstanceId: undefined,
    });
    if (instanceId) {
      key.dkmsInstanceId = instanceId;
      this.save(key);
    }
    this.aliases.put(partitionOf(scope), alias, { aliasName: alias, keyId: key.keyId });
    return key.keyId;
  }
}
