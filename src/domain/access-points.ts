import { isIP } from 'node:net';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { evaluate } from './authorization/evaluate.js';
import { CompiledPolicyCache } from './authorization/policy-cache.js';
import type { CompiledPolicy } from './authorization/policy-document.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * Application access (KMS 3.0): network rules name the private addresses a caller may come from;
 * policies grant a permission template over keys and secrets of one KMS instance, optionally only
 * from the networks of their rules; an application access point (AAP) binds up to three policies and
 * is what a client key authenticates as. One rule decides every gateway call: `authorize`.
 */
export const KEY_USER = 'RbacPermission/Template/CryptoServiceKeyUser';
export const SECRET_USER = 'RbacPermission/Template/CryptoServiceSecretUser';
const PERMISSIONS = new Set([KEY_USER, SECRET_USER]);
export const MAX_POLICIES_PER_AAP = 3;
const NAME = /^[a-zA-Z0-9_/+=.@-]{1,64}$/;

export interface NetworkRule {
  name: string;
  type: 'Private';
  description: string;
  sourcePrivateIp: string[];
  createTime: number;
}

export interface AccessPolicy {
  name: string;
  description: string;
  kmsInstance: string;
  permissions: string[];
  resources: string[];
  networkRules: string[];
  createTime: number;
}

export interface AccessPoint {
  name: string;
  description: string;
  authenticationMethod: 'ClientKey';
  policies: string[];
  createTime: number;
}

/** What a gateway call asks for: a permission template over one resource, from one address. */
export interface AccessRequest {
  kmsInstanceId: string;
  permission: string;
  resource: string;
  sourceIp: string;
}

function invalid(name: string, why: string): KmsError {
  return new KmsError('InvalidParameter', `The specified parameter "${name}" is not valid. ${why}`);
}

function notFound(kind: string, name: string): KmsError {
  return new KmsError('Forbidden.ResourceNotFound', `The ${kind} ${name} is not found.`, { status: 404 });
}

function inUse(kind: string, name: string, by: string): KmsError {
  return new KmsError(
    'Rejected.ResourceInUse',
    `The ${kind} ${name} is still used by ${by}; detach it first.`,
    { status: 409 },
  );
}

function exists(kind: string, name: string): KmsError {
  return new KmsError('Rejected.ResourceExist', `The ${kind} ${name} already exists.`, { status: 409 });
}

function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw invalid('Name', 'Use 1 to 64 letters, digits and the characters _/+=.@-');
  }
  return name;
}

/** A private IPv4/IPv6 address or CIDR block, normalised. */
function checkSource(entry: string): string {
  const text = entry.trim();
  const [address, bits, extra] = text.split('/');
  const family = isIP(address ?? '');
  const max = family === 4 ? 32 : 128;
  if (
    family === 0 ||
    extra !== undefined ||
    (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))
  ) {
    throw invalid('SourcePrivateIp', `${JSON.stringify(entry)} is not an IP address or CIDR block.`);
  }
  return text;
}

/** Resources are `key/<id>`, `key/*`, `secret/<name>`, `secret/*`. */
function checkResource(resource: string): string {
  if (!/^(key|secret)\/.+$/.test(resource)) {
    throw invalid(
      'Resources',
      `${JSON.stringify(resource)} must be key/<KeyId>, key/*, secret/<name> or secret/*.`,
    );
  }
  return resource;
}

export class AccessPoints {
  private readonly rules: Table<NetworkRule>;
  private readonly policies: Table<AccessPolicy>;
  private readonly points: Table<AccessPoint>;

  constructor(private readonly world: World) {
    this.rules = world.store.table<NetworkRule>('network-rules');
    this.policies = world.store.table<AccessPolicy>('access-policies');
    this.points = world.store.table<AccessPoint>('access-points');
  }

  arn(scope: Scope, kind: 'network' | 'policy' | 'applicationaccesspoint', name: string): string {
    return `acs:kms:${scope.regionId}:${scope.accountId}:${kind}/${name}`;
  }

  // Network rules

  createNetworkRule(
    scope: Scope,
    input: { name: string; type: string; description?: string; sourcePrivateIp: string[] },
  ): NetworkRule {
    checkName(input.name);
    if (input.type !== 'Private') throw invalid('Type', 'Only Private is supported.');
    if (this.rules.get(partitionOf(scope), input.name)) throw exists('network rule', input.name);
    const rule: NetworkRule = {
      name: input.name,
      type: 'Private',
      description: input.description ?? '',
      sourcePrivateIp: input.sourcePrivateIp.map(checkSource),
      createTime: this.world.now(),
    };
    this.rules.put(partitionOf(scope), rule.name, rule);
    return rule;
  }

  networkRule(scope: Scope, name: string): NetworkRule {
    const rule = this.rules.get(partitionOf(scope), name);
    if (!rule) throw notFound('network rule', name);
    return rule;
  }

  listNetworkRules(scope: Scope): NetworkRule[] {
    return this.rules.list(partitionOf(scope)).sort((a, b) => a.createTime - b.createTime);
  }

  updateNetworkRule(
    scope: Scope,
    name: string,
    change: { description?: string; sourcePrivateIp?: string[] },
  ): NetworkRule {
    const rule = this.networkRule(scope, name);
    if (change.description !== undefined) rule.description = change.description;
    if (change.sourcePrivateIp !== undefined) rule.sourcePrivateIp = change.sourcePrivateIp.map(checkSource);
    this.rules.put(partitionOf(scope), name, rule);
    return rule;
  }

  deleteNetworkRule(scope: Scope, name: string): void {
    this.networkRule(scope, name);
    const user = this.listPolicies(scope).find((p) => p.networkRules.includes(name));
    if (user) throw inUse('network rule', name, `policy ${user.name}`);
    this.rules.delete(partitionOf(scope), name);
  }

  // Policies

  private checkPolicy(scope: Scope, policy: AccessPolicy): AccessPolicy {
    if (policy.permissions.length === 0) throw invalid('Permissions', 'Name at least one permission.');
    for (const p of policy.permissions) {
      if (!PERMISSIONS.has(p)) throw invalid('Permissions', `Valid values: ${[...PERMISSIONS].join(', ')}.`);
    }
    if (policy.resources.length === 0) throw invalid('Resources', 'Name at least one key or secret.');
    policy.resources.forEach(checkResource);
    this.world.instances.get(scope, policy.kmsInstance);
    for (const rule of policy.networkRules) this.networkRule(scope, rule);
    return policy;
  }

  createPolicy(
    scope: Scope,
    input: Omit<AccessPolicy, 'createTime' | 'description' | 'networkRules'> & {
      description?: string;
      networkRules?: string[];
    },
  ): AccessPolicy {
    checkName(input.name);
    if (this.policies.get(partitionOf(scope), input.name)) throw exists('policy', input.name);
    const policy = this.checkPolicy(scope, {
      ...input,
      description: input.description ?? '',
      networkRules: input.networkRules ?? [],
      createTime: this.world.now(),
    });
    this.policies.put(partitionOf(scope), policy.name, policy);
    return policy;
  }

  policy(scope: Scope, name: string): AccessPolicy {
    const policy = this.policies.get(partitionOf(scope), name);
    if (!policy) throw notFound('policy', name);
    return policy;
  }

  listPolicies(scope: Scope): AccessPolicy[] {
    return this.policies.list(partitionOf(scope)).sort((a, b) => a.createTime - b.createTime);
  }

  updatePolicy(
    scope: Scope,
    name: string,
    change: Partial<Pick<AccessPolicy, 'description' | 'permissions' | 'resources' | 'networkRules'>>,
  ): AccessPolicy {
    const current = this.policy(scope, name);
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const policy = this.checkPolicy(scope, { ...current, ...defined });
    this.policies.put(partitionOf(scope), name, policy);
    return policy;
  }

  deletePolicy(scope: Scope, name: string): void {
    this.policy(scope, name);
    const user = this.listAccessPoints(scope).find((a) => a.policies.includes(name));
    if (user) throw inUse('policy', name, `application access point ${user.name}`);
    this.policies.delete(partitionOf(scope), name);
  }

  // Application access points

  private checkPolicies(scope: Scope, policies: string[]): string[] {
    if (policies.length === 0) throw invalid('Policies', 'Bind at least one policy.');
    if (policies.length > MAX_POLICIES_PER_AAP) {
      throw invalid(
        'Policies',
        `An application access point binds at most ${MAX_POLICIES_PER_AAP} policies.`,
      );
    }
    for (const name of policies) this.policy(scope, name);
    return [...new Set(policies)];
  }

  createAccessPoint(
    scope: Scope,
    input: { name: string; description?: string; authenticationMethod?: string; policies: string[] },
  ): AccessPoint {
    checkName(input.name);
    const method = input.authenticationMethod ?? 'ClientKey';
    if (method !== 'ClientKey') throw invalid('AuthenticationMethod', 'Only ClientKey is supported.');
    if (this.points.get(partitionOf(scope), input.name)) throw exists('application access point', input.name);
    const point: AccessPoint = {
      name: input.name,
      description: input.description ?? '',
      authenticationMethod: 'ClientKey',
      policies: this.checkPolicies(scope, input.policies),
      createTime: this.world.now(),
    };
    this.points.put(partitionOf(scope), point.name, point);
    return point;
  }

  accessPoint(scope: Scope, name: string): AccessPoint {
    const point = this.points.get(partitionOf(scope), name);
    if (!point) throw notFound('application access point', name);
    return point;
  }

  listAccessPoints(scope: Scope): AccessPoint[] {
    return this.points.list(partitionOf(scope)).sort((a, b) => a.createTime - b.createTime);
  }

  updateAccessPoint(
    scope: Scope,
    name: string,
    change: { description?: string; policies?: string[] },
  ): AccessPoint {
    const point = this.accessPoint(scope, name);
    if (change.description !== undefined) point.description = change.description;
    if (change.policies !== undefined) point.policies = this.checkPolicies(scope, change.policies);
    this.points.put(partitionOf(scope), name, point);
    return point;
  }

  deleteAccessPoint(scope: Scope, name: string): void {
    this.accessPoint(scope, name);
    const key = this.world.clientKeys.list(scope, name)[0];
    if (key) throw inUse('application access point', name, `client key ${key.clientKeyId}`);
    this.points.delete(partitionOf(scope), name);
  }

  /**
   * A call is allowed when one policy of the AAP covers the instance, the permission template, the
   * resource and — when the policy names network rules — the caller's address.
   */
  authorize(scope: Scope, aapName: string, request: AccessRequest): AccessPolicy {
    const point = this.points.get(partitionOf(scope), aapName);
    const policies = (point?.policies ?? [])
      .map((name) => this.policies.get(partitionOf(scope), name))
      .filter((p): p is AccessPolicy => p !== undefined);
    // The same evaluator as RAM's (src/domain/authorization/): each access policy is a document —
    // its permission templates as actions, `<instance>/<key|secret>/<id|*>` as resources, its
    // network rules' addresses as an `acs:SourceIp` condition — attached to the access point.
    const attached = policies.flatMap((policy) => {
      const document = this.documentOf(scope, policy);
      return document ? [{ name: policy.name, type: 'Custom' as const, policy: document }] : [];
    });
    const decision = evaluate({
      principal: { type: 'SubUser', accountId: scope.accountId, userName: `aap/${aapName}` },
      action: templateAction(request.permission),
      resource: `acs:kms:${scope.regionId}:${scope.accountId}:${request.kmsInstanceId}/${request.resource}`,
      context: { currentTime: this.world.now(), sourceIp: request.sourceIp, secureTransport: true },
      identityPolicies: attached,
    });
    const allowedBy =
      decision.decision === 'Allow' ? decision.matched.find((m) => m.effect === 'Allow') : undefined;
    const policy = allowedBy && policies.find((p) => p.name === allowedBy.policy);
    if (policy) return policy;
    throw new KmsError(
      'Forbidden.NoPermission',
      `The application access point ${aapName} may not use ${request.resource} of ${request.kmsInstanceId} from ${request.sourceIp}.`,
      { status: 403 },
    );
  }

  /**
   * An access policy as a RAM policy document, compiled once per text. A policy whose network rules
   * name no address (rules deleted since) applies to no caller, as before.
   */
  private documentOf(scope: Scope, policy: AccessPolicy): CompiledPolicy | undefined {
    let sources: string[] | undefined;
    if (policy.networkRules.length > 0) {
      sources = policy.networkRules.flatMap(
        (name) => this.rules.get(partitionOf(scope), name)?.sourcePrivateIp ?? [],
      );
      if (sources.length === 0) return undefined;
    }
    const statement = {
      Effect: 'Allow',
      Action: policy.permissions.map(templateAction),
      Resource: policy.resources.map((r) => `acs:kms:*:*:${policy.kmsInstance}/${r}`),
      ...(sources ? { Condition: { IpAddress: { 'acs:SourceIp': sources } } } : {}),
    };
    try {
      return accessDocuments.compile(JSON.stringify({ Version: '1', Statement: [statement] }), 'Identity');
    } catch {
      return undefined; // a document the grammar refuses (a value beyond its bounds) grants nothing
    }
  }
}

/** A permission template as an action of the policy language (`<code>:<name>`): `kmsinstance:CryptoServiceKeyUser`. */
function templateAction(permission: string): string {
  return `kmsinstance:${permission.slice(permission.lastIndexOf('/') + 1)}`;
}

/** Compiled access-policy documents, shared by every world (keyed by their text). */
const accessDocuments = new CompiledPolicyCache(256);
