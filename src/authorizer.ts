import type { Product } from './api/product.js';
import type { OperationSpec } from './api/spec.js';
import {
  type AttachedPolicy,
  type AuthorizationCheck,
  type AuthorizationDecision,
  accessDeniedDetail,
  CompiledPolicyCache,
  checksFor,
  evaluateChecks,
  kmsAliasArn,
  kmsKeyArn,
  kmsSecretArn,
  NO_PERMISSION,
  type Principal as PolicyPrincipal,
  parseArn,
  type ResolvedResource,
  type ResourceResolver,
} from './domain/authorization/index.js';
import { decodeBlob } from './domain/crypto.js';
import type { Scope, World } from './domain/world.js';
import type { Principal } from './protocol/credentials.js';
import { ApiError } from './protocol/errors.js';

/**
 * The authorization step of the call pipeline (issue #25): who may do what, decided by the pure
 * evaluator of src/domain/authorization/ over the caller's policies (RAM: a user's own and its
 * groups', a role's, a session's) and the resource's key or secret policy. The account's root pair
 * is never evaluated (RAM does not evaluate the account itself), so nothing changes for a user who
 * declared no RAM identity.
 *
 * Modes: `enforce` (default) answers a denial as the cloud does (Forbidden.NoPermission with its
 * AccessDeniedDetail); `audit` evaluates and records every would-be denial but lets the call through
 * (the way to find the policy an application needs); `off` evaluates nothing.
 */
export type AuthorizationMode = 'enforce' | 'audit' | 'off';

export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['enforce', 'audit', 'off'];

/** The caller as the evaluator sees it, with the policies that apply to it. */
export interface CallerPolicies {
  principal: PolicyPrincipal;
  identityPolicies: readonly AttachedPolicy[];
  sessionPolicy?: AttachedPolicy;
  /** What the principal is called in the audit journal and the simulator (user name, role/session). */
  displayName?: string;
}

/**
 * Where a caller's policies come from: RAM's store of users, groups, roles and sessions. Undefined
 * for the account itself (its root pair), which is not evaluated.
 */
export type CallerPolicySource = (principal: Principal) => CallerPolicies | undefined;

/** What a product checks for one of its operations (the table beside its spec). */
export type ProductChecks = (
  operation: string,
  params: Readonly<Record<string, string>>,
  scope: Scope,
  world: World,
  policies: CompiledPolicyCache,
) => AuthorizationCheck[];

/** The request side of a check: condition keys that come from how the call arrived. */
export interface CallContext {
  sourceIp?: string;
  secureTransport: boolean;
}

/** A denial (or, in audit mode, a would-be denial) with what explains it. */
export interface DenialRecord {
  requestId: string;
  time: number;
  accessKeyId: string;
  product: string;
  operation: string;
  decision: AuthorizationDecision;
  /** Whether the call went through anyway (audit mode). */
  allowedByMode: boolean;
}

/** How many recent denials are kept for the dashboard, the journal's explanations and `suggest`. */
const DENIALS_KEPT = 500;

export class Authorizer {
  mode: AuthorizationMode;
  /** What `acs:ram::<uid>:*` in a key/secret policy names (facts §5.4; see the README). */
  accountWildcardPrincipal: 'AccountOnly' | 'AllIdentities';
  readonly policies = new CompiledPolicyCache();
  private readonly recent: DenialRecord[] = [];

  constructor(
    options: { mode?: AuthorizationMode; accountWildcardPrincipal?: 'AccountOnly' | 'AllIdentities' },
    private readonly callers: CallerPolicySource,
  ) {
    this.mode = options.mode ?? 'enforce';
    this.accountWildcardPrincipal = options.accountWildcardPrincipal ?? 'AccountOnly';
  }

  /** The caller's policies, or undefined for an account's root (never evaluated). */
  caller(principal: Principal): CallerPolicies | undefined {
    return this.callers(principal);
  }

  /**
   * The caller to evaluate for this call, or undefined when nothing is evaluated (mode off, an
   * account's root pair): the pipeline's root path stops here, allocating nothing.
   */
  callerToCheck(
    principal: Principal,
    product: Product,
    operation: string,
    params: Readonly<Record<string, string>>,
    regionId: string,
    world: World,
  ): CallerPolicies | undefined {
    if (this.mode === 'off') return undefined;
    // The principal the authenticator found: no second lookup of its AccessKey.
    const caller = this.callers(principal);
    if (caller) return caller;
    const { accountId } = principal;
    // An account's root is evaluated only where the resource side decides for it: a role's trust
    // policy (STS AssumeRole), or another account's key or secret (its key or secret policy).
    if (
      !product.rootChecked.has(operation) &&
      !product.namesOtherAccount?.(params, { accountId, regionId }, world)
    )
      return undefined;
    return { principal: { type: 'Account', accountId }, identityPolicies: [] };
  }

  /**
   * Decides one call. Answers undefined when nothing was evaluated (root, mode off, an operation that
   * checks nothing); throws the denial in enforce mode; records a denial in either mode.
   */
  authorize(call: {
    caller: CallerPolicies;
    requestId: string;
    product: Product;
    spec: OperationSpec;
    params: Readonly<Record<string, string>>;
    accessKeyId: string;
    scope: Scope;
    world: World;
    context: CallContext;
    dryRun?: boolean;
  }): AuthorizationDecision | undefined {
    if (this.mode === 'off') return undefined;
    const decision = this.decide(
      call.caller,
      call.product,
      call.spec.name,
      call.params,
      call.scope,
      call.world,
      call.context,
    );
    if (!decision || decision.decision === 'Allow') return decision;
    const allowedByMode = this.mode === 'audit';
    this.remember({
      requestId: call.requestId,
      time: call.world.clock.now(),
      accessKeyId: call.accessKeyId,
      product: call.product.code,
      operation: call.spec.name,
      decision,
      allowedByMode,
    });
    if (allowedByMode) return decision;
    throw denialError(decision, call.spec, call.dryRun === true, call.product);
  }

  /** The decision for a caller, without calling anything (the simulator, POST /_emulator/authorize). */
  decide(
    caller: CallerPolicies,
    product: Product,
    operation: string,
    params: Readonly<Record<string, string>>,
    scope: Scope,
    world: World,
    context: CallContext,
  ): AuthorizationDecision | undefined {
    const list = product.checks
      ? product.checks(operation, params, scope, world, this.policies)
      : // A product without a table: its operation on anything (fail closed).
        [
          {
            action: `${product.code.toLowerCase()}:${operation}`,
            resource: '*',
            resourceOwnerId: scope.accountId,
          },
        ];
    return this.evaluate(list, caller, world, context);
  }

  /**
   * One action on one resource ARN (the simulator's other form): a key's or secret's tags and policy
   * are read from the world when the ARN names one of the scope's account.
   */
  decideAction(
    caller: CallerPolicies,
    action: string,
    resource: string,
    scope: Scope,
    world: World,
    context: CallContext & { tags?: Record<string, string> },
  ): AuthorizationDecision | undefined {
    const resources = new WorldResources(world, scope, this.policies);
    const named = /^acs:kms:[^:]*:[^:]*:(key|secret)\//.exec(resource);
    // The full ARN: it names the resource's account (another account's, across accounts).
    const found = named
      ? named[1] === 'key'
        ? resources.key(resource)
        : resources.secret(resource)
      : undefined;
    const owner = /^acs:[^:]*:[^:]*:(\d+):/.exec(resource)?.[1] ?? scope.accountId;
    const tags = context.tags ?? found?.tags;
    const check: AuthorizationCheck = {
      action,
      resource,
      resourceOwnerId: owner,
      ...(tags ? { tags } : {}),
      ...(found?.policy ? { resourcePolicy: found.policy } : {}),
    };
    return this.evaluate([check], caller, world, context);
  }

  /** The checks of one call for one caller, with the request's condition context and this mode's options. */
  private evaluate(
    checks: readonly AuthorizationCheck[],
    caller: CallerPolicies,
    world: World,
    context: CallContext,
  ): AuthorizationDecision | undefined {
    return evaluateChecks(
      checks,
      {
        principal: caller.principal,
        identityPolicies: caller.identityPolicies,
        ...(caller.sessionPolicy ? { sessionPolicy: caller.sessionPolicy } : {}),
        context: {
          currentTime: world.clock.now(),
          ...(context.sourceIp !== undefined ? { sourceIp: context.sourceIp } : {}),
          secureTransport: context.secureTransport,
        },
      },
      { accountWildcardPrincipal: this.accountWildcardPrincipal },
    );
  }

  /** Recent denials (and would-be denials in audit mode), oldest first. */
  denials(accessKeyId?: string): readonly DenialRecord[] {
    return accessKeyId === undefined ? this.recent : this.recent.filter((d) => d.accessKeyId === accessKeyId);
  }

  denialOf(requestId: string): DenialRecord | undefined {
    return this.recent.find((d) => d.requestId === requestId);
  }

  clear(): void {
    this.recent.length = 0;
  }

  private remember(record: DenialRecord): void {
    this.recent.push(record);
    if (this.recent.length > DENIALS_KEPT) this.recent.shift();
  }
}

/**
 * The denial as the cloud sends it (facts §6): `Forbidden.NoPermission`, "This operation is forbidden
 * by permission system.", the status the spec gives the operation for that code (else 403), and the
 * AccessDeniedDetail object in the envelope. A dry run by a caller without permission answers
 * `AccessDeniedError` (with permission it would be DryRunOperationError).
 */
export function denialError(
  decision: AuthorizationDecision,
  spec: OperationSpec,
  dryRun: boolean,
  product: Product,
): ApiError {
  const detail = accessDeniedDetail(decision);
  const details = detail ? { AccessDeniedDetail: detail } : undefined;
  if (dryRun) {
    return new ApiError('AccessDeniedError', 'You are not authorized to perform this operation.', {
      status: 403,
      ...(details ? { details } : {}),
    });
  }
  const code = product.denialCode;
  const known = product.errors.get(code);
  return new ApiError(
    code,
    code === NO_PERMISSION.code ? NO_PERMISSION.message : (known?.message ?? NO_PERMISSION.message),
    {
      status: spec.errors.get(code) ?? known?.status ?? 403,
      ...(details ? { details } : {}),
    },
  );
}

/**
 * Whether a KMS call names another account's key or secret (an ARN of another account, or a blob made
 * under another account's key): then even the caller's root pair is evaluated (that resource's policy
 * must name it). Cheap: a few string tests, and for a blob one decode (cached) and one lookup.
 */
export function kmsNamesOtherAccount(
  params: Readonly<Record<string, string>>,
  scope: Scope,
  world: World,
): boolean {
  for (const name of ['KeyId', 'DestinationKeyId', 'SecretName', 'AliasName']) {
    const value = params[name];
    if (value?.startsWith('acs:') && parseArn(value)?.accountId !== scope.accountId) return true;
  }
  const blob = params.CiphertextBlob;
  if (!blob) return false;
  try {
    const { keyId } = decodeBlob(blob);
    return keyId !== '' && !world.keys.find(scope, keyId) && world.keys.locate(keyId) !== undefined;
  } catch {
    return false;
  }
}

/** KMS's table (src/domain/authorization/kms-actions.ts) over the world's keys, aliases and secrets. */
export const kmsChecks: ProductChecks = (operation, params, scope, world, policies) =>
  checksFor(operation, params, new WorldResources(world, scope, policies));

/**
 * The ResourceResolver of KMS: a key by ID, alias or ARN, a ciphertext's key, a secret, with its
 * tags (for `kms:tag/<TagKey>`) and — for an instance's key or secret — its key or secret policy.
 */
class WorldResources implements ResourceResolver {
  readonly regionId: string;
  readonly accountId: string;

  constructor(
    private readonly world: World,
    private readonly scope: Scope,
    private readonly policies: CompiledPolicyCache,
  ) {
    this.regionId = scope.regionId;
    this.accountId = scope.accountId;
  }

  key(ref: string): ResolvedResource | undefined {
    let key: ReturnType<World['keys']['peekResolve']>;
    try {
      key = this.world.keys.peekResolve(this.scope, ref);
    } catch {
      return undefined;
    }
    return this.keyResource(key);
  }

  /** A key's resource in its own account and region (another account's, named by ARN or by a blob). */
  private keyResource(key: ReturnType<World['keys']['peekResolve']>): ResolvedResource {
    const owner = { accountId: key.accountId, regionId: key.regionId };
    return {
      arn: kmsKeyArn(owner.regionId, owner.accountId, key.keyId),
      ownerId: owner.accountId,
      ...this.tags(owner, 'key', key.keyId),
      // Every key of the emulator is an instance's (the default instance's when none was named).
      ...(!key.managed && key.policy ? this.policy('default', 'KeyPolicy', key.policy) : {}),
    };
  }

  keyOfCiphertext(blob: string): ResolvedResource | undefined {
    let keyId: string;
    try {
      keyId = decodeBlob(blob).keyId;
    } catch {
      return undefined;
    }
    if (!keyId) return undefined;
    const key = this.world.keys.find(this.scope, keyId) ?? this.world.keys.locate(keyId);
    return key ? this.keyResource(key) : undefined;
  }

  secret(ref: string): ResolvedResource | undefined {
    const secret = this.world.secrets.find(this.scope, ref, true);
    if (!secret) return undefined;
    const owner = { accountId: secret.accountId, regionId: secret.regionId };
    return {
      arn: kmsSecretArn(owner.regionId, owner.accountId, secret.name),
      ownerId: owner.accountId,
      ...this.tags(owner, 'secret', secret.name),
      ...(secret.policy ? this.policy('default', 'SecretPolicy', secret.policy) : {}),
    };
  }

  customerKeyOfSecret(ref: string): ResolvedResource | undefined {
    // `find` reads a secret ARN itself (another account's too); the key is in the secret's account.
    const secret = this.world.secrets.find(this.scope, ref, true);
    if (!secret?.encryptionKeyId) return undefined;
    const key = this.world.keys.find(
      { accountId: secret.accountId, regionId: secret.regionId },
      secret.encryptionKeyId,
    );
    if (!key || key.managed) return undefined;
    return this.keyResource(key);
  }

  alias(ref: string): ResolvedResource | undefined {
    const name = ref.startsWith('acs:kms:') ? (parseArn(ref)?.resource ?? '') : ref;
    return {
      arn: kmsAliasArn(this.regionId, this.accountId, name.replace(/^alias\//, '')),
      ownerId: this.accountId,
    };
  }

  private tags(owner: Scope, type: string, id: string): { tags?: Record<string, string> } {
    const list = this.world.tags.list(owner, type, id);
    if (list.length === 0) return {};
    return { tags: Object.fromEntries(list.map((t) => [t.key, t.value])) };
  }

  private policy(
    name: string,
    type: 'KeyPolicy' | 'SecretPolicy',
    text: string,
  ): { policy?: AttachedPolicy } {
    try {
      return { policy: { name, type, policy: this.policies.compile(text, type) } };
    } catch {
      // A stored document the evaluator cannot read (written before policies were validated):
      // no resource policy, so only identity policies decide.
      return {};
    }
  }
}
