import type { AccessPoint, AccessPolicy, NetworkRule } from '../domain/access-points.js';
import { KmsError, missingParameter } from '../protocol/errors.js';
import { paginate } from './paging.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

/**
 * Application access management (KMS 3.0): network rules, policies, application access points and
 * client keys. List-valued parameters are JSON arrays (`["a","b"]`), as the console and SDK samples
 * send them; a comma-separated list is read too. Responses echo lists as JSON text where the SDK
 * models type them as strings, and as arrays where they type them as lists (DescribePolicy).
 */
const LIST_PAGE_SIZE = 20;

function list(params: Params, name: string): string[] | undefined {
  const text = params.optString(name);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = params.optJson(name);
    if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "${name}" must be a JSON array of strings.`,
      );
    }
    return parsed.map((v: string) => v.trim()).filter(Boolean);
  }
  return trimmed
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function requiredList(params: Params, name: string): string[] {
  const value = list(params, name);
  if (value === undefined) throw missingParameter(name);
  return value;
}

/** AccessControlRules: `{"NetworkRules": ["rule", ...]}`. */
function networkRules(params: Params): string[] | undefined {
  const value = params.optJson('AccessControlRules');
  if (value === undefined) return undefined;
  const rules = (value as { NetworkRules?: unknown })?.NetworkRules ?? [];
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(rules) ||
    rules.some((r) => typeof r !== 'string')
  ) {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "AccessControlRules" must be {"NetworkRules": ["<rule name>", ...]}.',
    );
  }
  return rules as string[];
}

function policyRules(policy: AccessPolicy): string {
  return JSON.stringify({ NetworkRules: policy.networkRules });
}

defineOperations({
  CreateNetworkRule: (params, { world, scope }) => {
    const rule = world.accessPoints.createNetworkRule(scope, {
      name: params.string('Name'),
      type: params.string('Type'),
      description: params.optString('Description'),
      sourcePrivateIp: list(params, 'SourcePrivateIp') ?? [],
    });
    return {
      Name: rule.name,
      Arn: world.accessPoints.arn(scope, 'network', rule.name),
      Type: rule.type,
      Description: rule.description,
      SourcePrivateIp: JSON.stringify(rule.sourcePrivateIp),
    };
  },

  DescribeNetworkRule: (params, { world, scope }) => {
    const rule = world.accessPoints.networkRule(scope, params.string('Name'));
    return {
      Arn: world.accessPoints.arn(scope, 'network', rule.name),
      Type: rule.type,
      Description: rule.description,
      SourcePrivateIp: JSON.stringify(rule.sourcePrivateIp),
    };
  },

  ListNetworkRules: (params, { world, scope }) => {
    const { page, ...paging } = paginate(world.accessPoints.listNetworkRules(scope), params, LIST_PAGE_SIZE);
    return {
      NetworkRules: { NetworkRule: page.map((r: NetworkRule) => ({ Name: r.name, Type: r.type })) },
      ...paging,
    };
  },

  UpdateNetworkRule: (params, { world, scope }) => {
    world.accessPoints.updateNetworkRule(scope, params.string('Name'), {
      description: params.optString('Description'),
      sourcePrivateIp: list(params, 'SourcePrivateIp'),
    });
    return {};
  },

  DeleteNetworkRule: (params, { world, scope }) => {
    world.accessPoints.deleteNetworkRule(scope, params.string('Name'));
    return {};
  },

  CreatePolicy: (params, { world, scope }) => {
    const policy = world.accessPoints.createPolicy(scope, {
      name: params.string('Name'),
      description: params.optString('Description'),
      kmsInstance: params.optString('KmsInstance') ?? world.instances.defaultInstance(scope).kmsInstanceId,
      permissions: requiredList(params, 'Permissions'),
      resources: requiredList(params, 'Resources'),
      networkRules: networkRules(params),
    });
    return {
      Name: policy.name,
      Arn: world.accessPoints.arn(scope, 'policy', policy.name),
      Description: policy.description,
      KmsInstance: policy.kmsInstance,
      Permissions: JSON.stringify(policy.permissions),
      Resources: JSON.stringify(policy.resources),
      AccessControlRules: policyRules(policy),
    };
  },

  DescribePolicy: (params, { world, scope }) => {
    const policy = world.accessPoints.policy(scope, params.string('Name'));
    return {
      Name: policy.name,
      Arn: world.accessPoints.arn(scope, 'policy', policy.name),
      Description: policy.description,
      KmsInstance: policy.kmsInstance,
      Permissions: policy.permissions,
      Resources: policy.resources,
      AccessControlRules: policyRules(policy),
    };
  },

  ListPolicies: (params, { world, scope }) => {
    const { page, ...paging } = paginate(world.accessPoints.listPolicies(scope), params, LIST_PAGE_SIZE);
    return { Policies: { Policy: page.map((p: AccessPolicy) => ({ Name: p.name })) }, ...paging };
  },

  UpdatePolicy: (params, { world, scope }) => {
    world.accessPoints.updatePolicy(scope, params.string('Name'), {
      description: params.optString('Description'),
      permissions: list(params, 'Permissions'),
      resources: list(params, 'Resources'),
      networkRules: networkRules(params),
    });
    return {};
  },

  DeletePolicy: (params, { world, scope }) => {
    world.accessPoints.deletePolicy(scope, params.string('Name'));
    return {};
  },

  CreateApplicationAccessPoint: (params, { world, scope }) => {
    const point = world.accessPoints.createAccessPoint(scope, {
      name: params.string('Name'),
      description: params.optString('Description'),
      authenticationMethod: params.optString('AuthenticationMethod'),
      policies: requiredList(params, 'Policies'),
    });
    return accessPointView(point, world.accessPoints.arn(scope, 'applicationaccesspoint', point.name));
  },

  DescribeApplicationAccessPoint: (params, { world, scope }) => {
    const point = world.accessPoints.accessPoint(scope, params.string('Name'));
    return accessPointView(point, world.accessPoints.arn(scope, 'applicationaccesspoint', point.name));
  },

  ListApplicationAccessPoints: (params, { world, scope }) => {
    const { page, ...paging } = paginate(world.accessPoints.listAccessPoints(scope), params, LIST_PAGE_SIZE);
    return {
      ApplicationAccessPoints: {
        ApplicationAccessPoint: page.map((a: AccessPoint) => ({
          Name: a.name,
          AuthenticationMethod: a.authenticationMethod,
        })),
      },
      ...paging,
    };
  },

  UpdateApplicationAccessPoint: (params, { world, scope }) => {
    world.accessPoints.updateAccessPoint(scope, params.string('Name'), {
      description: params.optString('Description'),
      policies: list(params, 'Policies'),
    });
    return {};
  },

  DeleteApplicationAccessPoint: (params, { world, scope }) => {
    world.accessPoints.deleteAccessPoint(scope, params.string('Name'));
    return {};
  },

  CreateClientKey: (params, { world, scope }) => {
    const { key, privateKeyData } = world.clientKeys.create(scope, {
      aapName: params.string('AapName'),
      password: params.string('Password'),
      notBefore: params.optString('NotBefore'),
      notAfter: params.optString('NotAfter'),
    });
    const view = world.clientKeys.view(key);
    return {
      ClientKeyId: key.clientKeyId,
      KeyAlgorithm: key.keyAlgorithm,
      PrivateKeyData: privateKeyData,
      NotBefore: view.NotBefore,
      NotAfter: view.NotAfter,
    };
  },

  GetClientKey: (params, { world, scope }) =>
    world.clientKeys.view(world.clientKeys.get(scope, params.string('ClientKeyId'))),

  ListClientKeys: (params, { world, scope }) => {
    const aapName = params.optString('AapName') || undefined;
    if (aapName) world.accessPoints.accessPoint(scope, aapName);
    return { ClientKeys: world.clientKeys.list(scope, aapName).map((k) => world.clientKeys.view(k)) };
  },

  DeleteClientKey: (params, { world, scope }) => {
    world.clientKeys.delete(scope, params.string('ClientKeyId'));
    return {};
  },
});

function accessPointView(point: AccessPoint, arn: string): Record<string, unknown> {
  return {
    Name: point.name,
    Arn: arn,
    Description: point.description,
    AuthenticationMethod: point.authenticationMethod,
    Policies: JSON.stringify(point.policies),
  };
}
