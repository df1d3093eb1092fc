import type { BindVpc, KmsInstance } from '../domain/instances.js';
import { isoSeconds } from '../domain/time.js';
import { KmsError } from '../protocol/errors.js';
import { paginate } from './paging.js';
import { defineOperations } from './registry.js';

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

function view(instance: KmsInstance) {
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
    // The Tea SDK models type these as lists (the docs' example shows a string): the clients win.
    ZoneIds: splitList(instance.zoneIds),
    VswitchIds: splitList(instance.vswitchIds),
    StartDate: isoSeconds(instance.startDate),
    EndDate: isoSeconds(instance.endDate),
    CaCertificateChainPem: '',
    BindVpcs: { BindVpc: instance.bindVpcs },
  };
}

defineOperations({
  ListKmsInstances: (params, { world, scope }) => {
    const { page, ...paging } = paginate(world.instances.list(scope), params);
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

  GetKmsInstance: (params, { world, scope }) => ({
    KmsInstance: view(world.instances.get(scope, params.string('KmsInstanceId'))),
  }),

  GetDefaultKmsInstance: (_params, { world, scope }) => {
    const instance = world.instances.defaultInstance(scope);
    return {
      KmsInstanceId: instance.kmsInstanceId,
      KmsInstanceArn: world.instances.arn(instance),
      KmsInstance: view(instance),
    };
  },

  GetKmsInstanceQuotaInfos: (params, { world, scope }) => {
    const instance = world.instances.get(scope, params.string('KmsInstanceId'));
    const all = [
      { ResourceType: 'key', Quota: instance.keyQuota, Used: instance.keysUsed },
      { ResourceType: 'secret', Quota: instance.secretQuota, Used: instance.secretsUsed },
      { ResourceType: 'vpc', Quota: instance.vpcQuota, Used: instance.bindVpcs.length },
      { ResourceType: 'qps', Quota: instance.spec, Used: 0 },
    ];
    const type = params.optString('ResourceType')?.toLowerCase();
    const infos = type ? all.filter((q) => q.ResourceType === type) : all;
    if (type && infos.length === 0) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameter "ResourceType" is not valid: key, secret, vpc or qps.',
      );
    }
    return { QuotaInfos: { QuotaInfo: infos } };
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
    world.instances.remove(scope, params.string('KmsInstanceId'));
    return {};
  },
});
