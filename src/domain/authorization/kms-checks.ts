import {
  arnAccountId,
  kmsAliasArn,
  kmsApplicationAccessPointArn,
  kmsCertificateArn,
  kmsContainerArn,
  kmsInstanceArn,
  kmsInstancePolicyArn,
  kmsKeyArn,
  kmsNetworkRuleArn,
  kmsSecretArn,
} from './arns.js';
import type { AttachedPolicy, AuthorizationCheck } from './evaluate.js';
import { deriveOperationChecks, KMS_OPERATION_CHECKS, type ResourceReference } from './kms-actions.js';

/**
 * From an operation's parameters to the checks it makes (kms-actions.ts says which): aliases, ARNs,
 * ciphertexts and secrets resolve to the resource they name through a ResourceResolver, which the
 * wiring implements over the world (issue #25: "a key or secret reached through an alias, an ARN or
 * another account resolves to the resource it names before it is checked").
 */

/** A resource as the world knows it. */
export interface ResolvedResource {
  readonly arn: string;
  /** The owning account (the creator, facts §5.3). */
  readonly ownerId: string;
  /** For `kms:tag/<TagKey>` conditions. */
  readonly tags?: Readonly<Record<string, string>>;
  /** The key policy or secret policy of an instance key/secret. */
  readonly policy?: AttachedPolicy;
}

/**
 * The domain lookups checksFor needs; the lead implements it over the world. Each returns
 * undefined when the resource does not exist: the check is then made on the ARN the parameter
 * spells (an ARN as given, else one built in the caller's region and account), and the operation
 * reports its own not-found error if the caller was allowed to ask.
 */
export interface ResourceResolver {
  /** The caller's region and account, where unqualified names are looked up. */
  readonly regionId: string;
  readonly accountId: string;
  /** A key by ID, ARN or alias name (`alias/…`, or an alias ARN). */
  key(keyIdAliasOrArn: string): ResolvedResource | undefined;
  /** The key a ciphertext blob was made with (undefined when the blob cannot be read). */
  keyOfCiphertext(ciphertextBlob: string): ResolvedResource | undefined;
  secret(nameOrArn: string): ResolvedResource | undefined;
  /** The customer-managed key protecting a secret; undefined when the service's key protects it. */
  customerKeyOfSecret(nameOrArn: string): ResolvedResource | undefined;
  alias?(aliasNameOrArn: string): ResolvedResource | undefined;
  certificate?(certificateId: string): ResolvedResource | undefined;
  instance?(instanceId: string): ResolvedResource | undefined;
}

/** Bound on resources one request can name (BatchGetSecretValue, TagResources take ≤ 50 in the spec). */
const MAX_NAMED_RESOURCES = 100;

/**
 * The checks one call makes: action, resource ARN, owner, tags and resource policy per check,
 * in table order. `params` are the request's parameters by wire name. An operation missing from
 * the table is checked as `kms:<Operation>` on `*` (fail closed).
 */
export function checksFor(
  operation: string,
  params: Readonly<Record<string, unknown>>,
  resolver: ResourceResolver,
): AuthorizationCheck[] {
  const entry = KMS_OPERATION_CHECKS.get(operation) ?? deriveOperationChecks(operation, []);
  const checks: AuthorizationCheck[] = [];
  for (const rule of entry.checks) {
    if (rule.ifParam && !given(params[rule.ifParam])) continue;
    if (rule.unlessParam && given(params[rule.unlessParam])) continue;
    for (const resource of resolveReference(rule.resource, params, resolver)) {
      checks.push({
        action: rule.action,
        resource: resource.arn,
        resourceOwnerId: resource.ownerId,
        ...(resource.tags ? { tags: resource.tags } : {}),
        ...(resource.policy ? { resourcePolicy: resource.policy } : {}),
      });
    }
  }
  return checks;
}

function resolveReference(
  reference: ResourceReference,
  params: Readonly<Record<string, unknown>>,
  resolver: ResourceResolver,
): ResolvedResource[] {
  const { regionId, accountId } = resolver;
  const named = (arn: string): ResolvedResource => ({ arn, ownerId: arnAccountId(arn) ?? accountId });
  const text = (param: string): string | undefined => {
    const value = params[param];
    return given(value) ? String(value) : undefined;
  };
  switch (reference.kind) {
    case 'all':
      return [{ arn: '*', ownerId: accountId }];
    case 'container':
      return [named(kmsContainerArn(regionId, accountId, reference.container))];
    case 'key': {
      const id = text(reference.param);
      if (id === undefined) return [named(kmsKeyArn(regionId, accountId, '*'))];
      return [resolver.key(id) ?? named(id.startsWith('acs:') ? id : kmsKeyArn(regionId, accountId, id))];
    }
    case 'keyOfCiphertext': {
      const blob = text(reference.param);
      // An unreadable blob names no key: the check is on any key of the account (`key/*`).
      return [(blob && resolver.keyOfCiphertext(blob)) || named(kmsKeyArn(regionId, accountId, '*'))];
    }
    case 'alias': {
      const name = text(reference.param) ?? '*';
      return [
        resolver.alias?.(name) ??
          named(name.startsWith('acs:') ? name : kmsAliasArn(regionId, accountId, name)),
      ];
    }
    case 'secret': {
      const name = text(reference.param) ?? '*';
      return [
        resolver.secret(name) ??
          named(name.startsWith('acs:') ? name : kmsSecretArn(regionId, accountId, name)),
      ];
    }
    case 'keyOfSecret': {
      const name = text(reference.param);
      const protecting = name === undefined ? undefined : resolver.customerKeyOfSecret(name);
      return protecting ? [protecting] : [];
    }
    case 'secretsList': {
      const names = secretNames(params[reference.param]);
      if (reference.each === 'secret') {
        return names.map(
          (name) =>
            resolver.secret(name) ??
            named(name.startsWith('acs:') ? name : kmsSecretArn(regionId, accountId, name)),
        );
      }
      return names.flatMap((name) => {
        const protecting = resolver.customerKeyOfSecret(name);
        return protecting ? [protecting] : [];
      });
    }
    case 'certificate': {
      const id = text(reference.param) ?? '*';
      return [resolver.certificate?.(id) ?? named(kmsCertificateArn(regionId, accountId, id))];
    }
    case 'instance': {
      const id = text(reference.param) ?? '*';
      return [resolver.instance?.(id) ?? named(kmsInstanceArn(regionId, accountId, id))];
    }
    case 'applicationAccessPoint':
      return [named(kmsApplicationAccessPointArn(regionId, accountId, text(reference.param) ?? '*'))];
    case 'networkRule':
      return [named(kmsNetworkRuleArn(regionId, accountId, text(reference.param) ?? '*'))];
    case 'instancePolicy':
      return [named(kmsInstancePolicyArn(regionId, accountId, text(reference.param) ?? '*'))];
    case 'arn': {
      const arn = text(reference.param) ?? '*';
      return [named(arn)];
    }
    case 'taggedResource': {
      const keyId = text('KeyId');
      if (keyId !== undefined) return resolveReference({ kind: 'key', param: 'KeyId' }, params, resolver);
      if (text('SecretName') !== undefined)
        return resolveReference({ kind: 'secret', param: 'SecretName' }, params, resolver);
      if (text('CertificateId') !== undefined)
        return resolveReference({ kind: 'certificate', param: 'CertificateId' }, params, resolver);
      return [named(kmsKeyArn(regionId, accountId, '*'))];
    }
    case 'resourceIds': {
      const type = String(params.ResourceType ?? '').toLowerCase();
      // Names only: String() of a nested array recurses through it (a 10,000-deep one overflows the stack).
      const ids = stringItems(params.ResourceId).filter((item): item is string => typeof item === 'string');
      if (ids.length === 0)
        return [named(kmsContainerArn(regionId, accountId, type === 'secret' ? 'secret' : 'key'))];
      return ids.map((id) =>
        type === 'secret'
          ? (resolver.secret(id) ?? named(id.startsWith('acs:') ? id : kmsSecretArn(regionId, accountId, id)))
          : (resolver.key(id) ?? named(id.startsWith('acs:') ? id : kmsKeyArn(regionId, accountId, id))),
      );
    }
  }
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** A list parameter as the registry may hand it over: an array, or its JSON text. */
function stringItems(value: unknown): unknown[] {
  let list: unknown = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('[')) {
      try {
        list = JSON.parse(trimmed);
      } catch {
        list = [value];
      }
    } else {
      list = trimmed === '' ? [] : [value];
    }
  }
  if (!Array.isArray(list)) return list === undefined || list === null ? [] : [list];
  return list
    .slice(0, MAX_NAMED_RESOURCES)
    .map((item) => (typeof item === 'object' && item !== null ? item : String(item)));
}

/** BatchGetSecretValue's SecretsList: `[{SecretName, …}]` or plain names. */
function secretNames(value: unknown): string[] {
  return stringItems(value).flatMap((item) => {
    if (typeof item === 'string') return item ? [item] : [];
    const name = (item as { SecretName?: unknown }).SecretName;
    return typeof name === 'string' && name !== '' ? [name] : [];
  });
}
