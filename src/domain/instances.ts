import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import type { JobType, NoPayload } from './scheduler.js';
import { DAY } from './time.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * KMS instances (`kst-…`): keys and secrets belong to one, within its quotas. An instance expires at
 * its EndDate — its keys and secrets then answer Rejected.Unavailable — and is released with them 15
 * days later unless renewed. A fresh account-region has one default instance, valid for a year.
 */
export type InstanceStatus = 'Uninitialized' | 'Connected' | 'Expired';
export type QuotaKind = 'key' | 'secret';

export interface BindVpc {
  VpcId: string;
  RegionId: string;
  VSwitchId: string;
  VpcOwnerId: string;
}

export interface KmsInstance {
  kmsInstanceId: string;
  accountId: string;
  regionId: string;
  name: string;
  status: InstanceStatus;
  spec: number;
  keyQuota: number;
  secretQuota: number;
  vpcQuota: number;
  keysUsed: number;
  secretsUsed: number;
  vpcId: string;
  zoneIds: string;
  vswitchIds: string;
  bindVpcs: BindVpc[];
  createTime: number;
  startDate: number;
  endDate: number;
  isDefault: boolean;
  /** SetDeletionProtection with KmsInstanceId (or the instance ARN): ReleaseKmsInstance is refused. */
  deletionProtection?: boolean;
  deletionProtectionDescription?: string;
  /**
   * Other accounts whose principals a key or secret policy of this instance named and no longer
   * does, with when their share of the Access Management Quota is released (virtual ms, ~5 minutes
   * after the revocation, as the product documents say).
   */
  shareReleases?: Record<string, number>;
  /**
   * Accounts the instance is shared with (Resource Access Management's resource sharing, which a
   * seed's `sharedWith` or POST /_emulator/instances/<id>/share stands in for): they may create and
   * use keys and secrets in it.
   */
  sharedWith?: string[];
}

/** A revoked account's share of the Access Management Quota is released about 5 minutes later. */
export const SHARE_RELEASE_MS = 5 * 60_000;
/**
 * The Access Management Quota per instance: how many other accounts its key and secret policies may
 * name. The size is not documented (facts: ram-authorization.md §5.3); the emulator's default, set
 * with --access-management-quota.
 */
export const DEFAULT_SHARE_QUOTA = 10;

export const RELEASE_GRACE_MS = 15 * DAY;

export type ReleaseListener = (scope: Scope, instanceId: string) => void;

export class InstanceService {
  private readonly table: Table<KmsInstance>;
  private readonly releaseListeners: ReleaseListener[] = [];
  /** By instance id: the instance expires at its EndDate, and is released 15 days later. */
  private readonly expireJob: JobType<NoPayload>;
  private readonly releaseJob: JobType<NoPayload>;

  constructor(private readonly world: World) {
    this.table = world.store.table<KmsInstance>('instances');
    this.expireJob = world.scheduler.define('instance.expire', ({ scope, id }) => {
      const instance = this.table.get(partitionOf(scope), id);
      if (!instance) return 'instance already gone';
      instance.status = 'Expired';
      this.table.put(partitionOf(scope), instance.kmsInstanceId, instance);
      this.releaseJob.schedule(scope, instance.kmsInstanceId, instance.endDate + RELEASE_GRACE_MS);
      return `${instance.kmsInstanceId} expired; its keys and secrets answer Rejected.Unavailable`;
    });
    this.releaseJob = world.scheduler.define('instance.release', ({ scope, id }) => {
      if (!this.table.get(partitionOf(scope), id)) return 'instance already gone';
      this.remove(scope, id);
      return `${id} released with its keys and secrets (not renewed within 15 days)`;
    });
  }

  /** The Access Management Quota of every instance (other accounts its policies may name). */
  shareQuota = DEFAULT_SHARE_QUOTA;

  /**
   * Accounts the instance's policies name now (`inUse`) plus those revoked less than ~5 minutes ago
   * count against the Access Management Quota: Rejected.ShareQuotaExceedLimit beyond it. `revoked`
   * (named before this change, no longer) start their release time.
   */
  reserveShares(
    scope: Scope,
    instanceId: string,
    inUse: ReadonlySet<string>,
    revoked: Iterable<string>,
  ): void {
    const instance = this.table.get(partitionOf(scope), instanceId);
    if (!instance) return;
    const now = this.world.now();
    const releases: Record<string, number> = {};
    for (const [account, at] of Object.entries(instance.shareReleases ?? {}))
      if (at > now && !inUse.has(account)) releases[account] = at;
    for (const account of revoked) if (!inUse.has(account)) releases[account] ??= now + SHARE_RELEASE_MS;
    const used = inUse.size + Object.keys(releases).length;
    if (used > this.shareQuota) {
      throw new KmsError(
        'Rejected.ShareQuotaExceedLimit',
        `The policies of ${instanceId} would name ${used} other accounts; its Access Management Quota is ${this.shareQuota} (a revoked account is released about 5 minutes after its revocation).`,
      );
    }
    instance.shareReleases = releases;
    this.table.put(partitionOf(scope), instanceId, instance);
  }

  /** Accounts counted against the Access Management Quota now, besides those `inUse`. */
  pendingShares(scope: Scope, instanceId: string, inUse: ReadonlySet<string>): number {
    const instance = this.table.get(partitionOf(scope), instanceId);
    const now = this.world.now();
    return Object.entries(instance?.shareReleases ?? {}).filter(([a, at]) => at > now && !inUse.has(a))
      .length;
  }

  onRelease(listener: ReleaseListener): void {
    this.releaseListeners.push(listener);
  }

  create(
    scope: Scope,
    options: Partial<
      Pick<KmsInstance, 'kmsInstanceId' | 'name' | 'spec' | 'keyQuota' | 'secretQuota' | 'vpcQuota'>
    > & {
      startDate?: number;
      endDate?: number;
      isDefault?: boolean;
    } = {},
  ): KmsInstance {
    const now = this.world.now();
    const id = options.kmsInstanceId ?? this.world.ids.prefixed('kst', scope.regionId);
    if (this.table.get(partitionOf(scope), id)) throw new KmsError('Rejected.ResourceExist');
    const startDate = options.startDate ?? now;
    const instance: KmsInstance = {
      kmsInstanceId: id,
      accountId: scope.accountId,
      regionId: scope.regionId,
      name: options.name ?? id,
      status: 'Connected',
      spec: options.spec ?? 1000,
      keyQuota: options.keyQuota ?? 1000,
      secretQuota: options.secretQuota ?? 1000,
      vpcQuota: options.vpcQuota ?? 5,
      keysUsed: 0,
      secretsUsed: 0,
      vpcId: '',
      zoneIds: '',
      vswitchIds: '',
      bindVpcs: [],
      createTime: now,
      startDate,
      endDate: options.endDate ?? startDate + 365 * DAY,
      isDefault: options.isDefault ?? false,
    };
    if (instance.endDate <= now) instance.status = 'Expired';
    this.table.put(partitionOf(scope), id, instance);
    this.scheduleExpiry(scope, instance);
    return instance;
  }

  private scheduleExpiry(scope: Scope, instance: KmsInstance): void {
    if (instance.status === 'Expired') {
      this.releaseJob.schedule(scope, instance.kmsInstanceId, instance.endDate + RELEASE_GRACE_MS);
    } else {
      this.expireJob.schedule(scope, instance.kmsInstanceId, instance.endDate);
    }
  }

  /** The default instance if one was made already (never makes one). */
  currentDefault(scope: Scope): KmsInstance | undefined {
    return this.table.list(partitionOf(scope)).find((i) => i.isDefault);
  }

  /** The account-region's default instance, made on first use. */
  defaultInstance(scope: Scope): KmsInstance {
    const existing = this.table.list(partitionOf(scope)).find((i) => i.isDefault);
    return existing ?? this.create(scope, { isDefault: true });
  }

  list(scope: Scope): KmsInstance[] {
    this.defaultInstance(scope);
    return this.table.list(partitionOf(scope)).sort((a, b) => a.createTime - b.createTime);
  }

  get(scope: Scope, instanceId: string): KmsInstance {
    this.defaultInstance(scope);
    const instance = this.table.get(partitionOf(scope), instanceId);
    if (!instance) throw new KmsError('Forbidden.DKMSInstanceNotFound');
    return instance;
  }

  find(scope: Scope, instanceId: string): KmsInstance | undefined {
    return this.table.get(partitionOf(scope), instanceId);
  }

  /**
   * An instance the scope's account may use: its own, else one of the region that another account
   * shared with it. Undefined when neither exists.
   */
  usable(scope: Scope, instanceId: string): { instance: KmsInstance; owner: Scope } | undefined {
    const own = this.table.get(partitionOf(scope), instanceId);
    if (own) return { instance: own, owner: scope };
    for (const partition of this.table.partitions()) {
      const [accountId = '', regionId = ''] = partition.split('/');
      if (regionId !== scope.regionId || accountId === scope.accountId) continue;
      const shared = this.table.get(partition, instanceId);
      if (shared?.sharedWith?.includes(scope.accountId))
        return { instance: shared, owner: { accountId, regionId } };
    }
    return undefined;
  }

  /** The account that owns an instance the scope may use (its own account, or the sharer's). */
  ownerOf(scope: Scope, instanceId: string): string {
    return this.usable(scope, instanceId)?.owner.accountId ?? scope.accountId;
  }

  /** Shares the instance with another account (or stops sharing it). */
  share(scope: Scope, instanceId: string, accountId: string, shared: boolean): KmsInstance {
    const instance = this.get(scope, instanceId);
    if (accountId === scope.accountId)
      throw new KmsError('InvalidParameter', 'An instance is shared with another account than its owner.');
    const others = new Set(instance.sharedWith ?? []);
    if (shared) others.add(accountId);
    else others.delete(accountId);
    instance.sharedWith = [...others].sort();
    this.table.put(partitionOf(scope), instanceId, instance);
    return instance;
  }

  /** Keys and secrets of an expired instance are unavailable until it is renewed. */
  assertUsable(scope: Scope, instanceId: string): KmsInstance {
    const found = this.usable(scope, instanceId);
    if (!found) this.get(scope, instanceId); // the own-instance answer (Forbidden.DKMSInstanceNotFound)
    const instance = (found as { instance: KmsInstance }).instance;
    if (instance.status === 'Expired') {
      throw new KmsError(
        'Rejected.Unavailable',
        `The request was rejected because the KMS instance ${instanceId} has expired. Renew it within 15 days of expiry.`,
      );
    }
    return instance;
  }

  reserve(scope: Scope, instanceId: string, kind: QuotaKind): void {
    const instance = this.assertUsable(scope, instanceId);
    // A shared instance's quota is its owner's.
    const owner = this.usable(scope, instanceId)?.owner ?? scope;
    const used = kind === 'key' ? instance.keysUsed : instance.secretsUsed;
    const quota = kind === 'key' ? instance.keyQuota : instance.secretQuota;
    if (used >= quota) {
      throw new KmsError(
        'Rejected.LimitExceeded',
        `The request was rejected because the ${kind} quota (${quota}) of KMS instance ${instanceId} is used up.`,
      );
    }
    if (kind === 'key') instance.keysUsed += 1;
    else instance.secretsUsed += 1;
    this.table.put(partitionOf(owner), instanceId, instance);
  }

  release(scope: Scope, instanceId: string, kind: QuotaKind): void {
    const found = this.usable(scope, instanceId);
    if (!found) return;
    const { instance, owner } = found;
    if (kind === 'key') instance.keysUsed = Math.max(0, instance.keysUsed - 1);
    else instance.secretsUsed = Math.max(0, instance.secretsUsed - 1);
    this.table.put(partitionOf(owner), instanceId, instance);
  }

  connect(
    scope: Scope,
    instanceId: string,
    network: { vpcId: string; zoneIds: string; vswitchIds: string },
  ): void {
    const instance = this.get(scope, instanceId);
    if (instance.status === 'Connected' && instance.vpcId !== '') {
      throw new KmsError('Forbidden.DKMSInstanceStateInvalid');
    }
    Object.assign(instance, {
      status: instance.status === 'Expired' ? 'Expired' : 'Connected',
      vpcId: network.vpcId,
      zoneIds: network.zoneIds,
      vswitchIds: network.vswitchIds,
    });
    this.table.put(partitionOf(scope), instanceId, instance);
  }

  bindVpcs(scope: Scope, instanceId: string, vpcs: BindVpc[]): void {
    const instance = this.get(scope, instanceId);
    if (vpcs.length > instance.vpcQuota) {
      throw new KmsError(
        'Rejected.LimitExceeded',
        `KMS instance ${instanceId} can bind at most ${instance.vpcQuota} VPCs.`,
      );
    }
    instance.bindVpcs = vpcs;
    this.table.put(partitionOf(scope), instanceId, instance);
  }

  /** Renewal within the 15-day grace period restores everything untouched. */
  renew(scope: Scope, instanceId: string, until: number): KmsInstance {
    const instance = this.get(scope, instanceId);
    if (until <= this.world.now())
      throw new KmsError('InvalidParameter', 'The new end date must be in the future.');
    instance.endDate = until;
    instance.status = 'Connected';
    this.table.put(partitionOf(scope), instanceId, instance);
    this.releaseJob.cancel(scope, instanceId);
    this.scheduleExpiry(scope, instance);
    return instance;
  }

  /** Releases an instance now, with its keys and secrets. */
  remove(scope: Scope, instanceId: string): void {
    this.get(scope, instanceId);
    this.expireJob.cancel(scope, instanceId);
    this.releaseJob.cancel(scope, instanceId);
    for (const listener of this.releaseListeners) listener(scope, instanceId);
    this.table.delete(partitionOf(scope), instanceId);
  }

  setDeletionProtection(scope: Scope, instanceId: string, enabled: boolean, description: string): void {
    const instance = this.get(scope, instanceId);
    instance.deletionProtection = enabled;
    instance.deletionProtectionDescription = enabled ? description : '';
    this.table.put(partitionOf(scope), instanceId, instance);
  }

  /** ReleaseKmsInstance: refused while deletion protection is on. */
  releaseOnRequest(scope: Scope, instanceId: string): void {
    if (this.get(scope, instanceId).deletionProtection) {
      throw new KmsError(
        'Forbidden.DeletionProtection',
        'The instance is protected from deletion; turn off its deletion protection first.',
        { status: 403 },
      );
    }
    this.remove(scope, instanceId);
  }

  arn(instance: KmsInstance): string {
    return `acs:kms:${instance.regionId}:${instance.accountId}:keystore/${instance.kmsInstanceId}`;
  }
}
