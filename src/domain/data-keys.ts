import { KmsError } from '../protocol/errors.js';
import type { Index, Table } from '../store/store.js';
import { isSymmetric } from './key-specs.js';
import { randomInt } from './random.js';
import { checkName } from './secrets.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * Managed data keys (DK) of a KMS instance: data keys KMS keeps, whose plaintext GetManagedDataKey
 * answers as often as it is asked (unlike GenerateDataKey). The service keeps each version in a
 * "data key secret" of the instance, named `kms-datakeyversion!<name>!<versionId>` (the answer's
 * DataKeyVersionName), its material encrypted under a symmetric key of the same instance. Here each
 * version is sealed the same way (KMS Encrypt under that key, the name and version as encryption
 * context) and kept in its own table: the data key secrets count against the instance's data-key
 * quota, not its secret quota, and ListSecrets does not show them.
 *
 * The service creates and imports them in the console only (no OpenAPI): here through
 * POST /_emulator/managed-data-keys. Facts: ../shared/facts/instance-endpoint.md §5.
 */
export const DATA_KEY_MIN_BYTES = 1;
export const DATA_KEY_MAX_BYTES = 1024;
export const DATA_KEY_DEFAULT_BYTES = 32;
/** DataKeyVersionId: 8 letters and digits (the docs' example: `xH6OPUmz`). */
const VERSION_ID_LENGTH = 8;
const VERSION_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const VERSION_NAME_PREFIX = 'kms-datakeyversion';

export interface DataKeyVersion {
  versionId: string;
  createTime: number;
  /** KMS ciphertext blob of the material (the data key secret's value). */
  ciphertextBlob: string;
}

export interface ManagedDataKey {
  name: string;
  accountId: string;
  regionId: string;
  kmsInstanceId: string;
  /** The instance's symmetric key that encrypts every version. */
  keyId: string;
  /** `Create`: KMS made the material, new versions by rotation. `Import`: the caller's, no rotation. */
  origin: 'Create' | 'Import';
  length: number;
  createTime: number;
  /** Oldest first. */
  versions: DataKeyVersion[];
}

const BY_CREATION: Index<ManagedDataKey> = {
  compare: (a, b) => a.createTime - b.createTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
};

export function dataKeyVersionName(name: string, versionId: string): string {
  return `${VERSION_NAME_PREFIX}!${name}!${versionId}`;
}

export class ManagedDataKeys {
  private readonly table: Table<ManagedDataKey>;

  constructor(private readonly world: World) {
    this.table = world.store.table<ManagedDataKey>('managed-data-keys');
    world.instances.onRelease((scope, instanceId) => {
      for (const key of this.table.list(partitionOf(scope))) {
        if (key.kmsInstanceId === instanceId) this.table.delete(partitionOf(scope), key.name);
      }
    });
  }

  /** A managed data key "created" (KMS-made material of `length` bytes) or "imported" (`material`). */
  create(
    scope: Scope,
    input: { name: string; kmsInstanceId: string; keyId: string; length?: number; material?: Buffer },
  ): ManagedDataKey {
    checkName(input.name, 'Generic');
    if (this.table.peek(partitionOf(scope), input.name)) {
      throw new KmsError('Rejected.ResourceExist', `The managed data key "${input.name}" already exists.`);
    }
    this.world.instances.assertUsable(scope, input.kmsInstanceId);
    const key = this.world.keys.usableKey(scope, input.keyId);
    if (!isSymmetric(key.keySpec) || key.keyUsage !== 'ENCRYPT/DECRYPT') {
      throw new KmsError('InvalidParameter', `The key "${key.keyId}" is not a symmetric key.`);
    }
    if (key.dkmsInstanceId !== input.kmsInstanceId) {
      throw new KmsError(
        'InvalidParameter',
        `The key "${key.keyId}" does not belong to the KMS instance "${input.kmsInstanceId}".`,
      );
    }
    const length = input.material ? input.material.length : (input.length ?? DATA_KEY_DEFAULT_BYTES);
    if (!Number.isInteger(length) || length < DATA_KEY_MIN_BYTES || length > DATA_KEY_MAX_BYTES) {
      throw new KmsError(
        'InvalidParameter',
        `A managed data key is ${DATA_KEY_MIN_BYTES} to ${DATA_KEY_MAX_BYTES} bytes long (given: ${length}).`,
      );
    }
    const record: ManagedDataKey = {
      name: input.name,
      accountId: scope.accountId,
      regionId: scope.regionId,
      kmsInstanceId: input.kmsInstanceId,
      keyId: key.keyId,
      origin: input.material ? 'Import' : 'Create',
      length,
      createTime: this.world.now(),
      versions: [],
    };
    record.versions.push(this.seal(scope, record, input.material ?? this.world.random.bytes(length)));
    this.table.put(partitionOf(scope), record.name, record);
    return record;
  }

  /** A new version of a created key (rotation); imported keys do not rotate. */
  rotate(scope: Scope, name: string): DataKeyVersion {
    const record = this.get(scope, name);
    if (record.origin === 'Import') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        `The managed data key "${name}" was imported: it does not rotate.`,
      );
    }
    const version = this.seal(scope, record, this.world.random.bytes(record.length));
    record.versions.push(version);
    this.table.put(partitionOf(scope), record.name, record);
    return version;
  }

  delete(scope: Scope, name: string): void {
    this.get(scope, name);
    this.table.delete(partitionOf(scope), name);
  }

  /** A key by name; its instance must be usable (an expired instance answers Rejected.Unavailable). */
  get(scope: Scope, name: string): ManagedDataKey {
    const record = this.table.get(partitionOf(scope), name);
    if (!record) {
      throw new KmsError('Forbidden.ResourceNotFound', `The managed data key "${name}" is not found.`);
    }
    this.world.instances.assertUsable(scope, record.kmsInstanceId);
    return record;
  }

  list(scope: Scope): readonly ManagedDataKey[] {
    return this.table.ordered(partitionOf(scope), BY_CREATION);
  }

  /**
   * The version GetManagedDataKey answers: `versionId` when given; else the first version, or the
   * latest with `useLatest` (the docs: "false returns the first version").
   */
  version(record: ManagedDataKey, versionId: string | undefined, useLatest: boolean): DataKeyVersion {
    if (versionId !== undefined) {
      const found = record.versions.find((v) => v.versionId === versionId);
      if (!found) {
        throw new KmsError(
          'Forbidden.ResourceNotFound',
          `The managed data key "${record.name}" has no version "${versionId}".`,
        );
      }
      return found;
    }
    return (useLatest ? record.versions.at(-1) : record.versions[0]) as DataKeyVersion;
  }

  /** The version's material: KMS Decrypt under the instance key (its state rules apply). */
  open(scope: Scope, record: ManagedDataKey, version: DataKeyVersion): Buffer {
    return this.world.keys.decrypt(scope, version.ciphertextBlob, context(record, version.versionId))
      .plaintext;
  }

  private seal(scope: Scope, record: ManagedDataKey, material: Buffer): DataKeyVersion {
    let versionId = newVersionId(this.world);
    while (record.versions.some((v) => v.versionId === versionId)) versionId = newVersionId(this.world);
    const { ciphertextBlob } = this.world.keys.encrypt(
      scope,
      record.keyId,
      material,
      context(record, versionId),
    );
    return { versionId, createTime: this.world.now(), ciphertextBlob };
  }
}

function context(record: ManagedDataKey, versionId: string): Record<string, string> {
  return { DataKeyName: record.name, DataKeyVersionId: versionId };
}

function newVersionId(world: World): string {
  let id = '';
  for (let i = 0; i < VERSION_ID_LENGTH; i++) {
    id += VERSION_ID_ALPHABET[randomInt(world.random, VERSION_ID_ALPHABET.length)];
  }
  return id;
}
