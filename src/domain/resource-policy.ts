import { KmsError } from '../protocol/errors.js';
import { compilePolicy } from './authorization/policy-document.js';
import type { Scope, World } from './world.js';

/**
 * Resource policies of keys and secrets (FACTS ram-authorization §5.1): the default document a key
 * or secret gets when CreateKey/CreateSecret name none, the rules a document must follow
 * (SetKeyPolicy, SetSecretPolicy, CreateKey, CreateSecret), and the stored policy of a key or
 * secret. Whatever reads or writes a resource policy goes through here.
 */
export type PolicyKind = 'key' | 'secret';

/** `Policy` is at most 32,768 bytes (the spec, for SetKeyPolicy, SetSecretPolicy, CreateKey and CreateSecret). */
export const MAX_POLICY_BYTES = 32_768;

/** One statement of a policy document, as the service writes it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: { RAM: string | string[] };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

const DEFAULT_SID: Record<PolicyKind, string> = {
  key: 'kms default key policy',
  secret: 'kms default secret policy',
};

/**
 * The policy a key or secret of `accountId` gets when none is given: every RAM identity of the
 * account, every action. One created in an instance another account shared (`instanceOwnerId`)
 * names both accounts: such a resource is usable by both, as the product documents describe.
 */
export function defaultPolicy(kind: PolicyKind, accountId: string, instanceOwnerId?: string): string {
  const document: PolicyDocument = {
    Version: '1',
    Statement: [
      {
        Sid: DEFAULT_SID[kind],
        Effect: 'Allow',
        Principal: {
          RAM:
            instanceOwnerId && instanceOwnerId !== accountId
              ? [`acs:ram::${accountId}:*`, `acs:ram::${instanceOwnerId}:*`]
              : [`acs:ram::${accountId}:*`],
        },
        Action: ['kms:*'],
        Resource: ['*'],
      },
    ],
  };
  return JSON.stringify(document);
}

/**
 * Checks a policy document for a key or a secret (the same rules for both, facts §5.1): JSON of at
 * most 32,768 bytes, `Version` "1", one or more statements, each with `Effect`, a `Principal`
 * `{"RAM": …}`, `kms:` actions and `Resource` "*" — the grammar the evaluator compiles (so what is
 * stored is what is enforced). Returns the text as given (stored as is); InvalidParameter otherwise.
 */
export function validatePolicy(kind: PolicyKind, text: string): string {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw new KmsError('InvalidParameter', `The ${kind} policy must not exceed 32 KB.`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new KmsError('InvalidParameter', 'The specified parameter "Policy" must be a JSON document.');
  }
  compilePolicy(text, kind === 'key' ? 'KeyPolicy' : 'SecretPolicy');
  return text;
}

/** The only policy name a key or secret has (facts §5.1: `PolicyName` may only be `default`). */
export const POLICY_NAME = 'default';

/** SetKeyPolicy/SetSecretPolicy's `PolicyName`: `default` or nothing. */
export function checkPolicyName(name: string | undefined, reading: boolean): void {
  if (name === undefined || name === '' || name === POLICY_NAME) return;
  if (reading) throw new KmsError('Forbidden.ResourceNotFound', `The policy "${name}" is not found.`);
  throw new KmsError(
    'InvalidParameter',
    `The specified parameter "PolicyName" is not valid: only "${POLICY_NAME}".`,
  );
}

/** The other accounts a policy document's `Principal.RAM` entries name (`acs:ram::<uid>:…`). */
export function foreignAccounts(text: string, ownerId: string): Set<string> {
  const found = new Set<string>();
  const document = parsePolicy(text);
  // `Statement` is one statement or a list of them (the grammar takes both).
  const statements: unknown = document?.Statement ?? [];
  for (const statement of Array.isArray(statements) ? statements : [statements]) {
    const ram = (statement as { Principal?: { RAM?: unknown } } | null)?.Principal?.RAM;
    for (const entry of Array.isArray(ram) ? ram : [ram]) {
      const uid = typeof entry === 'string' ? /^acs:ram::(\d+):/.exec(entry)?.[1] : undefined;
      if (uid && uid !== ownerId) found.add(uid);
    }
  }
  return found;
}

/**
 * Principals of other accounts in an instance's key and secret policies consume its Access
 * Management Quota, counted per distinct account (facts §5.3). `change` is the policy about to be
 * written (`previous` the one it replaces); refused with Rejected.ShareQuotaExceedLimit beyond the quota.
 */
export function reserveShares(
  world: Pick<World, 'keys' | 'secrets' | 'instances'>,
  scope: Scope,
  instanceId: string,
  change: { kind: PolicyKind; id: string; previous?: string; next: string },
): void {
  const inUse = sharedAccounts(world, scope, instanceId, change);
  const revoked = change.previous ? foreignAccounts(change.previous, scope.accountId) : new Set<string>();
  world.instances.reserveShares(scope, instanceId, inUse, revoked);
}

/** Other accounts the instance's policies name (with `change` applied, when given). */
export function sharedAccounts(
  world: Pick<World, 'keys' | 'secrets' | 'instances'>,
  scope: Scope,
  instanceId: string,
  change?: { kind: PolicyKind; id: string; next: string },
): Set<string> {
  const defaultId = world.instances.defaultInstance(scope).kmsInstanceId;
  const inInstance = (dkmsInstanceId: string | undefined) => (dkmsInstanceId ?? defaultId) === instanceId;
  const accounts = new Set<string>();
  const add = (text: string) => {
    for (const uid of foreignAccounts(text, scope.accountId)) accounts.add(uid);
  };
  for (const key of world.keys.list(scope)) {
    if (key.managed || !inInstance(key.dkmsInstanceId)) continue;
    add(change?.kind === 'key' && change.id === key.keyId ? change.next : key.policy);
  }
  for (const secret of world.secrets.list(scope)) {
    if (!inInstance(secret.dkmsInstanceId)) continue;
    add(change?.kind === 'secret' && change.id === secret.name ? change.next : secret.policy);
  }
  // A resource being created is not listed yet.
  if (change) add(change.next);
  return accounts;
}

/**
 * The parsed document of a stored policy, for readers that evaluate it; undefined when the stored
 * text is not a JSON object (a policy stored before the rules were checked).
 */
export function parsePolicy(text: string): Partial<PolicyDocument> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Partial<PolicyDocument>)
      : undefined;
  } catch {
    return undefined;
  }
}

type Services = Pick<World, 'keys' | 'secrets' | 'instances'>;

/**
 * The stored policy of a key (KeyId, alias or ARN; its instance must be available, as GetKeyPolicy
 * answers) or a secret (name or ARN; not in its deletion window, as GetSecretPolicy answers).
 */
export function policyOf(world: Services, scope: Scope, kind: PolicyKind, ref: string): string {
  if (kind === 'key') {
    const key = world.keys.available(scope, ref);
    if (key.managed) throw keyPolicyUnsupported();
    return key.policy;
  }
  return world.secrets.get(scope, ref).policy;
}

/** A key the service manages (the default secrets key) has no key policy. */
function keyPolicyUnsupported(): KmsError {
  return new KmsError('Forbidden.KeyPolicyUnSupported', 'The specified key does not support key policy.');
}

/** Validates `text` and stores it as the policy of the key or secret `ref` (SetKeyPolicy, SetSecretPolicy). */
export function setPolicy(world: Services, scope: Scope, kind: PolicyKind, ref: string, text: string): void {
  const defaultInstance = () => world.instances.defaultInstance(scope).kmsInstanceId;
  if (kind === 'key') {
    const key = world.keys.available(scope, ref);
    if (key.managed) throw keyPolicyUnsupported();
    const next = validatePolicy(kind, text);
    reserveShares(world, scope, key.dkmsInstanceId ?? defaultInstance(), {
      kind,
      id: key.keyId,
      previous: key.policy,
      next,
    });
    key.policy = next;
    world.keys.save(key);
  } else {
    const secret = world.secrets.get(scope, ref);
    const next = validatePolicy(kind, text);
    reserveShares(world, scope, secret.dkmsInstanceId ?? defaultInstance(), {
      kind,
      id: secret.name,
      previous: secret.policy,
      next,
    });
    secret.policy = next;
    world.secrets.save(secret);
  }
}
