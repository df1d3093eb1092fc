import type { Database, EcsInstance, RamUser } from '../../domain/backing.js';
import type { KmsInstance } from '../../domain/instances.js';
import type { KeyRecord } from '../../domain/keys.js';
import type { SecretRecord } from '../../domain/secrets.js';
import { isoSeconds } from '../../domain/time.js';
import type { World } from '../../domain/world.js';
import type { Store } from '../../store/store.js';
import { type AccessView, accessView, type DenialSource } from './access-view.js';

/**
 * What the dashboard shows of the world: metadata only. Every field is copied by name from the
 * record (never a spread), so a secret value, a plaintext, wrapped key material, a password or an
 * AccessKeySecret cannot reach the page even when a record grows a new field.
 */
export interface WorldView {
  clock: { now: string; epochMs: number; frozen: boolean };
  instances: Record<string, unknown>[];
  keys: Record<string, unknown>[];
  secrets: Record<string, unknown>[];
  backingResources: Record<string, unknown>[];
  jobs: { id: string; type: string; at: string; epochMs: number }[];
  /** Tables other areas add (access points, policies, network rules, client keys …), by table name. */
  resources: Record<string, Record<string, unknown>[]>;
  /** RAM principals, policies, attachments, the authorization mode and recent denials (#25 §8). */
  access?: AccessView;
}

/** Tables this view projects field by field, or keeps to itself (import tokens hold wrapping keys). */
const KNOWN_TABLES = new Set([
  'keys',
  'aliases',
  'secrets',
  'instances',
  'tags',
  'backing',
  'jobs',
  'meta',
  'accounts',
  'rotation-calls',
  'import-tokens',
  // Identities and RAM's directory (src/domain/ram/): sealed secrets and tokens, policy documents;
  // shown field by field by the access view (./access-view.ts).
  'ram-access-keys',
  'ram-users',
  'sts-sessions',
  'ram-groups',
  'ram-roles',
  'ram-policies',
  'ram-attachments',
]);

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : isoSeconds(ms));

/** ExtendedConfig fields that name a managed secret's backing resource (CustomData is left out). */
const BACKING_FIELDS = ['SecretSubType', 'DBInstanceId', 'UserName', 'InstanceId', 'RegionId', 'CommandId'];

function scopeOfPartition(partition: string): { accountId: string; regionId: string } {
  const [accountId = '', regionId = ''] = partition.split('/');
  return { accountId, regionId };
}

/** `authorization`: the authorizer, whose mode and denials the access part shows (absent: no access part). */
export function worldView(world: World, store: Store, authorization?: DenialSource): WorldView {
  const tables = {
    keys: store.table<KeyRecord>('keys'),
    aliases: store.table<{ aliasName: string; keyId: string }>('aliases'),
    secrets: store.table<SecretRecord>('secrets'),
    tags: store.table<{ type: string; id: string; tags: { key: string; value: string }[] }>('tags'),
  };
  const tagsOf = (partition: string, type: string, id: string) =>
    (tables.tags.list(partition).find((t) => t.type === type && t.id === id)?.tags ?? []).map((t) => ({
      key: t.key,
      value: t.value,
    }));
  const now = world.clock.now();

  const instanceTable = store.table<KmsInstance>('instances');
  const instances = instanceTable.partitions().flatMap((partition) =>
    instanceTable.list(partition).map((i) => ({
      kmsInstanceId: i.kmsInstanceId,
      accountId: i.accountId,
      regionId: i.regionId,
      name: i.name,
      status: i.status,
      expired: i.status === 'Expired' || i.endDate <= now,
      isDefault: i.isDefault,
      spec: i.spec,
      keyQuota: i.keyQuota,
      keysUsed: i.keysUsed,
      secretQuota: i.secretQuota,
      secretsUsed: i.secretsUsed,
      vpcQuota: i.vpcQuota,
      vpcsBound: i.bindVpcs.length,
      createTime: iso(i.createTime),
      startDate: iso(i.startDate),
      endDate: iso(i.endDate),
    })),
  );

  const keys = tables.keys.partitions().flatMap((partition) => {
    const aliases = tables.aliases.list(partition);
    return tables.keys.list(partition).map((k) => ({
      keyId: k.keyId,
      accountId: k.accountId,
      regionId: k.regionId,
      description: k.description,
      keySpec: k.keySpec,
      keyUsage: k.keyUsage,
      origin: k.origin,
      protectionLevel: k.protectionLevel,
      state: k.state,
      managed: k.managed,
      creator: k.creator,
      creationDate: iso(k.creationDate),
      deleteDate: iso(k.deleteDate),
      deletionProtection: k.deletionProtection,
      primaryKeyVersion: k.primaryKeyVersion,
      versions: k.versions.map((v) => ({ keyVersionId: v.keyVersionId, creationDate: iso(v.creationDate) })),
      aliases: aliases.filter((a) => a.keyId === k.keyId).map((a) => a.aliasName),
      automaticRotation: k.automaticRotation,
      rotationIntervalSeconds: k.rotationIntervalSeconds,
      nextRotationDate: iso(k.nextRotationDate),
      lastRotationDate: iso(k.lastRotationDate),
      materialExpireTime: iso(k.materialExpireTime),
      dkmsInstanceId: k.dkmsInstanceId,
      tags: tagsOf(partition, 'key', k.keyId),
    }));
  });

  const secrets = tables.secrets.partitions().flatMap((partition) =>
    tables.secrets.list(partition).map((s) => ({
      secretName: s.name,
      accountId: s.accountId,
      regionId: s.regionId,
      secretType: s.type,
      description: s.description,
      encryptionKeyId: s.encryptionKeyId,
      dkmsInstanceId: s.dkmsInstanceId,
      createTime: iso(s.createTime),
      updateTime: iso(s.updateTime),
      plannedDeleteTime: iso(s.plannedDeleteTime),
      automaticRotation: s.automaticRotation,
      rotationIntervalSeconds: s.rotationIntervalSeconds,
      nextRotationDate: iso(s.nextRotationDate),
      lastRotationDate: iso(s.lastRotationDate),
      rotating: s.rotating ? { versionId: s.rotating.versionId, until: iso(s.rotating.until) } : undefined,
      backingResource: backingOf(s),
      versions: s.versions.map((v) => ({
        versionId: v.versionId,
        createTime: iso(v.createTime),
        stages: [...v.stages],
        dataType: v.dataType,
      })),
      tags: tagsOf(partition, 'secret', s.name),
    })),
  );

  type Backing = Database | RamUser | EcsInstance;
  const backingTable = store.table<Backing>('backing');
  const backingResources = backingTable.partitions().flatMap((partition) =>
    backingTable.list(partition).map((r) => ({
      kind: r.kind,
      id: r.id,
      scope: partition,
      engine: r.kind === 'database' ? r.engine : undefined,
      // Names only: the passwords and AccessKeySecrets are sealed and stay so.
      accounts: r.kind === 'database' ? Object.keys(r.accounts) : undefined,
      // A RAM user's AccessKeys are the account's (world.identities); the record only declares it here.
      accessKeyIds:
        r.kind === 'ram-user'
          ? (world.backing.ramUser(scopeOfPartition(partition), r.id)?.accessKeys ?? []).map((k) => ({
              accessKeyId: k.accessKeyId,
            }))
          : undefined,
      users:
        r.kind === 'ecs-instance'
          ? Object.entries(r.users).map(([userName, u]) => ({
              userName,
              password: u.password !== undefined,
              publicKey: u.publicKey !== undefined,
            }))
          : undefined,
    })),
  );

  const resources: WorldView['resources'] = {};
  for (const name of store.tableNames()) {
    if (KNOWN_TABLES.has(name)) continue;
    const table = store.table<unknown>(name);
    resources[name] = table.partitions().flatMap((partition) => table.list(partition).map(safeRecord));
  }

  return {
    clock: { now: isoSeconds(now), epochMs: now, frozen: world.clock.frozen },
    instances,
    keys,
    secrets,
    backingResources,
    jobs: world.scheduler
      .pending()
      .map((job) => ({ id: job.id, type: job.type, at: isoSeconds(job.at), epochMs: job.at })),
    resources,
    ...(authorization ? { access: accessView(world, authorization) } : {}),
  };
}

function backingOf(secret: SecretRecord): Record<string, unknown> | undefined {
  if (secret.type === 'Generic' || !secret.extendedConfig) return undefined;
  const view: Record<string, unknown> = {};
  for (const field of BACKING_FIELDS) {
    const value = secret.extendedConfig[field];
    if (typeof value === 'string' || typeof value === 'number') view[field] = value;
  }
  return view;
}

/**
 * A record of a table this view does not know: only fields whose names say they are identifiers,
 * names, states, times or plain settings, holding scalars or lists of scalars; anything named like
 * a credential or key material is dropped whatever its value.
 */
/** Settings of the access areas, kept by exact name (sourcePrivateIp would trip the pattern below). */
const SAFE_NAMES = new Set([
  'id',
  'name',
  'type',
  'status',
  'state',
  'description',
  'scope',
  'kind',
  'networkrules',
  'policies',
  'permissions',
  'resources',
  'sourceprivateip',
  'keyalgorithm',
  'keyorigin',
  'keyspec',
  'keyusage',
  'kmsinstance',
  'authenticationmethod',
  'notbefore',
  'notafter',
]);
const SAFE_FIELD = /(id|ids|name|names|time|date|type|status|state|count)$/i;
const UNSAFE_FIELD =
  /secret|password|passphrase|private|material|wrapped|token|blob|cipher|plain|pem|pkcs|signature|data$|value$/i;

export function safeRecord(record: unknown): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  if (!record || typeof record !== 'object') return view;
  for (const [field, value] of Object.entries(record as Record<string, unknown>)) {
    if (!SAFE_NAMES.has(field.toLowerCase()) && (!SAFE_FIELD.test(field) || UNSAFE_FIELD.test(field)))
      continue;
    if (isScalar(value)) view[field] = asShown(field, value);
    else if (Array.isArray(value) && value.every(isScalar)) view[field] = value.map((v) => asShown(field, v));
  }
  return view;
}

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Epoch milliseconds in a time field are shown as ISO times. */
function asShown(field: string, value: string | number | boolean): string | number | boolean {
  if (typeof value === 'number' && /(time|date|before|after)$/i.test(field) && value > 1e11) {
    return isoSeconds(value);
  }
  return value;
}
