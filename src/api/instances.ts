import type { BindVpc, KmsInstance } from '../domain/instances.js';
import { sharedAccounts } from '../domain/resource-policy.js';
import { isoSeconds } from '../domain/time.js';
import type { Scope, World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import { paginate } from './paging.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

/**
 * `ZoneIds`/`VswitchIds` are lists in the newest Python SDK's models (alibabacloud_kms20160120 3.x,
 * and the Node model built from it) but strings in the newest Go and Java Tea SDKs the registries
 * serve (github.com/alibabacloud-go/kms-20160120/v3 v3.2.3, com.aliyun:kms20160120 1.2.3), whose
 * strict decoders fail on a list. Those clients name themselves in User-Agent
 * (`AlibabaCloud (linux; amd64) Golang/go1.22 Core/… TeaDSL/1`, `… Java/17 tea-util/… TeaDSL/1`):
 * a Go or Java Tea caller gets comma-joined strings, everyone else lists.
 */
export function wantsStringZoneIds(userAgent: string | undefined): boolean {
  const ua = userAgent ?? '';
  return /\b(Golang|Java)\//.test(ua) && /\bTeaDSL\//.test(ua);
}

function view(instance: KmsInstance, world: World, userAgent?: string) {
  const zoneIds = splitList(instance.zoneIds);
  const vswitchIds = splitList(instance.vswitchIds);
  const asStrings = wantsStringZoneIds(userAgent);
  return {
    InstanceId: instance.kmsInstanceId,
    InstanceName: instance.name,
    Status: instance.status,
    CreateTime: isoSeconds(instance.createTime),
    Spec: instance.spec,
    KeyNum: instance.keyQuota,
    SecretNum: String(instance.secretQuota),
    VpcNum: instance.vpcQuota,
    VpcId: instance.vpcId,
    ZoneIds: asStrings ? zoneIds.join(',') : zoneIds,
    VswitchIds: asStrings ? vswitchIds.join(',') : vswitchIds,
    StartDate: isoSeconds(instance.startDate),
    EndDate: isoSeconds(instance.endDate),
    CaCertificateChainPem: world.instanceCa.chainPem(instance.kmsInstanceId),
    BindVpcs: { BindVpc: instance.bindVpcs },
    ChargeType: 'PREPAY',
    ProductType: 'kms_ddi_public_cn',
    ProductVersion: '3',
    SaleStatus: 'Normal',
    Log: 0,
    LogStorage: 0,
    DeletionProtection: instance.deletionProtection === true,
    DeletionProtectionDescription: instance.deletionProtectionDescription ?? '',
  };
}

/**
 * ListKmsInstances `Filters`: a JSON array of `{"Key", "Values"}`, as ListKeys takes; an instance
 * matches when, for every filter, its field has one of the values.
 */
const INSTANCE_FILTERS: Record<string, (instance: KmsInstance) => unknown> = {
  KmsInstanceId: (i) => i.kmsInstanceId,
  InstanceName: (i) => i.name,
  Status: (i) => i.status,
  VpcId: (i) => i.vpcId,
  Spec: (i) => i.spec,
};

function instanceFilters(params: Params): { key: string; values: string[] }[] {
  const parsed = params.optJson('Filters');
  if (parsed === undefined) return [];
  if (!Array.isArray(parsed))
    throw new KmsError('InvalidParameter', 'The specified parameter "Filters" must be a JSON array.');
  return parsed.map((f: { Key?: unknown; Values?: unknown }) => {
    const key = String(f?.Key ?? '');
    if (!INSTANCE_FILTERS[key]) {
      throw new KmsError(
        'InvalidParameter',
        `The filter key "${key}" is not valid: ${Object.keys(INSTANCE_FILTERS).join(', ')}.`,
      );
    }
    if (!Array.isArray(f.Values))
      throw new KmsError('InvalidParameter', `The filter "${key}" needs a Values array.`);
    return { key, values: f.Values.map(String) };
  });
}

function instanceField(instance: KmsInstance, key: string): unknown {
  return INSTANCE_FILTERS[key]?.(instance);
}

defineOperations({
  ListKmsInstances: (params, { world, scope }) => {
    const active = instanceFilters(params);
    const instances = world.instances
      .list(scope)
      .filter((instance) => active.every((f) => f.values.includes(String(instanceField(instance, f.key)))));
    const { page, ...paging } = paginate(instances, params);
    return {
      KmsInstances: {
        KmsInstance: page.map((i) => ({
          KmsInstanceId: i.kmsInstanceId,
          KmsInstanceArn: world.instances.arn(i),
        })),
      },
      ...paging,
    };
  },

  GetKmsInstance: (params, { world, scope, userAgent }) => ({
    KmsInstance: view(world.instances.get(scope, params.string('KmsInstanceId')), world, userAgent),
  }),

  GetDefaultKmsInstance: (_params, { world, scope }) => ({
    DefaultKmsInstanceId: world.instances.defaultInstance(scope).kmsInstanceId,
  }),

  // KmsInstanceId is optional (the SDK's model): without it, the default instance.
  GetKmsInstanceQuotaInfos: (params, { world, scope }) => {
    const id = params.optString('KmsInstanceId');
    const instance = id ? world.instances.get(scope, id) : world.instances.defaultInstance(scope);
    const all = [
      { ResourceType: 'key', ResourceQuota: instance.keyQuota, UsedQuantity: instance.keysUsed },
      { ResourceType: 'secret', ResourceQuota: instance.secretQuota, UsedQuantity: instance.secretsUsed },
      { ResourceType: 'vpc', ResourceQuota: instance.vpcQuota, UsedQuantity: instance.bindVpcs.length },
      { ResourceType: 'qps', ResourceQuota: instance.spec, UsedQuantity: 0 },
      // The Access Management Quota: other accounts the instance's key and secret policies name.
      {
        ResourceType: 'share',
        ResourceQuota: world.instances.shareQuota,
        UsedQuantity: sharesUsed(world, scope, instance.kmsInstanceId),
      },
    ];
    const type = params.optString('ResourceType')?.toLowerCase();
    const infos = type ? all.filter((q) => q.ResourceType === type) : all;
    if (type && infos.length === 0) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "ResourceType" is not valid: key, secret, vpc, qps or share.',
      );
    }
    return { KmsInstanceId: instance.kmsInstanceId, KmsInstanceQuotaInfos: infos };
  },

  ConnectKmsInstance: (params, { world, scope }) => {
    world.instances.connect(scope, params.string('KmsInstanceId'), {
      vpcId: params.string('VpcId'),
      zoneIds: params.string('ZoneIds'),
      vswitchIds: params.string('VSwitchIds'),
    });
    return {};
  },

  UpdateKmsInstanceBindVpc: (params, { world, scope }) => {
    const parsed = params.optJsonList('BindVpcs', 'object');
    if (parsed === undefined)
      throw new KmsError('InvalidParameter', 'The specified parameter "BindVpcs" must be a JSON array.');
    const vpcs: BindVpc[] = parsed.map((v) => ({
      VpcId: String(v.VpcId ?? ''),
      RegionId: String(v.RegionId ?? scope.regionId),
      VSwitchId: String(v.VSwitchId ?? ''),
      VpcOwnerId: String(v.VpcOwnerId ?? scope.accountId),
    }));
    world.instances.bindVpcs(scope, params.string('KmsInstanceId'), vpcs);
    return {};
  },

  ReleaseKmsInstance: (params, { world, scope }) => {
    world.instances.releaseOnRequest(scope, params.string('KmsInstanceId'));
    return {};
  },
});

/** Other accounts named now, plus those revoked less than ~5 minutes ago (the quota's used part). */
function sharesUsed(world: World, scope: Scope, instanceId: string): number {
  const inUse = sharedAccounts(world, scope, instanceId);
  return inUse.size + world.instances.pendingShares(scope, instanceId, inUse);
}
