import { arnAccountId } from './arns.js';
import { type ConditionContext, evaluateConditions } from './conditions.js';
import type { CompiledPolicy, CompiledPrincipal, CompiledStatement, Effect } from './policy-document.js';
import { type Principal, principalArn, ramIdentityArns } from './principals.js';
import { anyMatches } from './wildcard.js';

/**
 * The evaluator, in Alibaba's order (facts §2, §5.3):
 * 1. (Resource Directory control policies — not modelled: no resource directory in the emulator.)
 * 2. The session policy of an assumed role must Allow, else the request is denied.
 * 3. Identity-based policies (the user's own and its groups', or the role's) give decision A;
 *    the resource-based policy (key policy, secret policy, a role's trust policy) gives decision B.
 * 4. Any explicit Deny denies. Same account: A Allow OR B Allow suffices. Across accounts (and for
 *    AssumeRole, facts §2 "the documented exception"): A Allow AND B Allow are both needed.
 * The account itself (root) is not evaluated: it has full permissions on its own resources.
 *
 * Pure: the clock value arrives in the context (`acs:CurrentTime`), nothing is read from the world.
 */

export type PolicyType = 'System' | 'Custom' | 'KeyPolicy' | 'SecretPolicy' | 'SessionPolicy' | 'TrustPolicy';

/** A compiled document as attached to a principal or a resource, with the name it is known by. */
export interface AttachedPolicy {
  readonly name: string;
  readonly type: PolicyType;
  readonly version?: string;
  readonly policy: CompiledPolicy;
}

/**
 * The policy type a denial names in `AccessDeniedDetail.PolicyType` / DecodeDiagnosticMessage
 * `NoPermissionPolicyType` (facts §6: AssumeRolePolicy, ControlPolicy, AccountLevelIdentityBasedPolicy,
 * ResourceGroupLevelIdentityBasedPolicy, SessionPolicy; newer products ResourceBasedPolicy).
 */
export type DenyingPolicyType =
  | 'AccountLevelIdentityBasedPolicy'
  | 'ResourceBasedPolicy'
  | 'SessionPolicy'
  | 'AssumeRolePolicy';

/** What the request carries for conditions (facts §3.3). */
export interface RequestContext {
  /** `acs:CurrentTime`: the virtual clock, epoch ms. */
  readonly currentTime: number;
  /** `acs:SourceIp`. */
  readonly sourceIp?: string;
  /** `acs:SecureTransport`: whether the request came over TLS. */
  readonly secureTransport?: boolean;
  /** `acs:MFAPresent`: API calls signed with an AccessKey never carry MFA; false unless said. */
  readonly mfaPresent?: boolean;
  /** `kms:tag/<TagKey>` (and `acs:ResourceTag/<TagKey>`, the form RAM's operator page uses). */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Any other condition key (e.g. `acs:SourceVpc`, `ram:ServiceName`), as the request has it. */
  readonly values?: Readonly<Record<string, string | readonly string[]>>;
}

/** The last context built without extra values or tags, reused while its inputs stay the same. */
let lastPlain:
  | { second: number; sourceIp?: string; secure: boolean; mfa: boolean; map: ConditionContext }
  | undefined;

/** Builds the lower-cased key → values map conditions read (once per request). */
export function conditionContext(context: RequestContext): ConditionContext {
  // Most requests of a second carry the same inputs: `acs:CurrentTime` has second precision.
  const plain = context.values === undefined && context.resourceTags === undefined;
  const second = Math.floor(context.currentTime / 1000);
  const secure = context.secureTransport === true;
  const mfa = context.mfaPresent === true;
  if (
    plain &&
    lastPlain &&
    lastPlain.second === second &&
    lastPlain.sourceIp === context.sourceIp &&
    lastPlain.secure === secure &&
    lastPlain.mfa === mfa
  )
    return lastPlain.map;
  const map = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(context.values ?? {})) {
    map.set(key.toLowerCase(), typeof value === 'string' ? [value] : value);
  }
  map.set('acs:currenttime', [new Date(context.currentTime).toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  if (context.sourceIp !== undefined) map.set('acs:sourceip', [context.sourceIp]);
  map.set('acs:securetransport', [String(context.secureTransport === true)]);
  map.set('acs:mfapresent', [String(context.mfaPresent === true)]);
  if (plain) {
    lastPlain = {
      second,
      secure,
      mfa,
      map,
      ...(context.sourceIp !== undefined ? { sourceIp: context.sourceIp } : {}),
    };
    return map;
  }
  return context.resourceTags ? withResourceTags(map, context.resourceTags) : map;
}

/** The context with a resource's tags added (tags differ per resource of one request). */
export function withResourceTags(
  context: ConditionContext,
  tags: Readonly<Record<string, string>>,
): ConditionContext {
  const entries = Object.entries(tags);
  if (entries.length === 0) return context;
  const map = new Map(context);
  for (const [key, value] of entries) {
    map.set(`kms:tag/${key}`.toLowerCase(), [value]);
    map.set(`acs:resourcetag/${key}`.toLowerCase(), [value]);
  }
  return map;
}

export interface AuthorizationRequest {
  readonly principal: Principal;
  /** `kms:Decrypt`, `ram:CreateUser`, `sts:AssumeRole`… (matched case-insensitively). */
  readonly action: string;
  /** The resource's ARN (arns.ts), or `*` for operations on no particular resource. */
  readonly resource: string;
  /** The account owning the resource; defaults to the ARN's account, else the principal's. */
  readonly resourceOwnerId?: string;
  readonly context: RequestContext | ConditionContext;
  /** A user's own policies and its groups', or a role's (for a session). */
  readonly identityPolicies?: readonly AttachedPolicy[];
  /** The resource's key policy or secret policy; for AssumeRole the role's trust policy. */
  readonly resourcePolicy?: AttachedPolicy;
  /** The `Policy` the session was assumed with (applies to AssumedRoleUser only). */
  readonly sessionPolicy?: AttachedPolicy;
}

export interface EvaluationOptions {
  /**
   * What `acs:ram::<uid>:*` in a key/secret/trust policy names — the open question of facts §5.4.
   * `AccountOnly` (default; Alibaba's pages say the default policy gives "the current account" all
   * permissions): the account, like `…:root` — its RAM identities still need an identity Allow, and
   * across accounts it satisfies the resource side. `AllIdentities`: every RAM identity of the
   * account, so the default key policy alone admits every RAM user of the owning account.
   */
  readonly accountWildcardPrincipal?: 'AccountOnly' | 'AllIdentities';
}

export interface MatchedStatement {
  readonly policy: string;
  readonly policyType: PolicyType;
  readonly policyVersion?: string;
  /** Index in the document's Statement list, from 0. */
  readonly statement: number;
  readonly sid?: string;
  readonly effect: Effect;
  /** Resource-based statements: named the principal itself, or only its account (a delegation). */
  readonly principalMatch?: 'Identity' | 'Account';
}

export interface UnevaluatedStatement {
  readonly policy: string;
  readonly policyType: PolicyType;
  readonly statement: number;
  readonly reason: string;
}

export interface AuthorizationDecision {
  readonly decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  readonly principal: Principal;
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceOwnerId: string;
  readonly crossAccount: boolean;
  /** Every statement that applied (Allow and Deny), session → identity → resource. */
  readonly matched: readonly MatchedStatement[];
  /** Statements whose conditions could not be evaluated; they did not apply (fail closed for Allow). */
  readonly unevaluated: readonly UnevaluatedStatement[];
  /** On a denial: the policy type that decided it (AccessDeniedDetail.PolicyType). */
  readonly policyType?: DenyingPolicyType;
  /** One sentence: why. */
  readonly reason: string;
  /** The request's values of the condition keys the applicable statements tested (AuthConditions). */
  readonly conditions: readonly { readonly key: string; readonly values: readonly string[] }[];
}

interface SideResult {
  allow: boolean;
  /** An Allow whose Principal named only the principal's account. */
  allowByAccount: boolean;
  deny: boolean;
}

export function evaluate(
  request: AuthorizationRequest,
  options: EvaluationOptions = {},
): AuthorizationDecision {
  const { principal, action, resource } = request;
  const context =
    request.context instanceof Map ? request.context : conditionContext(request.context as RequestContext);
  const resourceOwnerId = request.resourceOwnerId ?? arnAccountId(resource) ?? principal.accountId;
  const crossAccount = resourceOwnerId !== principal.accountId;
  const matched: MatchedStatement[] = [];
  const unevaluated: UnevaluatedStatement[] = [];
  const testedKeys = new Set<string>();
  const lowerAction = action.toLowerCase();
  const identityArns = ramIdentityArns(principal);
  const wildcardMeansAll = options.accountWildcardPrincipal === 'AllIdentities';

  const principalMatch = (named: CompiledPrincipal | undefined): 'Identity' | 'Account' | undefined => {
    if (!named) return undefined;
    if (named.anyone) return 'Identity';
    if (principal.type === 'Service')
      return named.services.has(principal.service.toLowerCase()) ? 'Identity' : undefined;
    if (principal.type === 'Federated')
      return anyMatches(named.federated, principal.providerArn) ? 'Identity' : undefined;
    for (const arn of identityArns) if (anyMatches(named.identities, arn)) return 'Identity';
    const root = principal.type === 'Account';
    if (named.accountWildcards.has(principal.accountId))
      return root || wildcardMeansAll ? 'Identity' : 'Account';
    if (named.accounts.has(principal.accountId)) return root ? 'Identity' : 'Account';
    return undefined;
  };

  const scan = (attached: AttachedPolicy, resourceBased: boolean, into: SideResult): void => {
    for (const statement of statementsFor(attached.policy, lowerAction)) {
      if (!resourceApplies(statement, resource)) continue;
      const by = resourceBased ? principalMatch(statement.principal) : undefined;
      if (resourceBased && !by) continue;
      for (const condition of statement.conditions) testedKeys.add(condition.lookup);
      const outcome = evaluateConditions(statement.conditions, context);
      if (outcome === false) continue;
      if (outcome !== true) {
        unevaluated.push({
          policy: attached.name,
          policyType: attached.type,
          statement: statement.index,
          reason: outcome.unevaluated,
        });
        continue;
      }
      matched.push({
        policy: attached.name,
        policyType: attached.type,
        ...(attached.version !== undefined ? { policyVersion: attached.version } : {}),
        statement: statement.index,
        ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
        effect: statement.effect,
        ...(by ? { principalMatch: by } : {}),
      });
      // A Deny naming the account applies to every identity of it; an Allow naming only the account
      // is a delegation (counted across accounts, not as a grant to a RAM identity of the owner).
      if (statement.effect === 'Deny') into.deny = true;
      else if (by === 'Account') into.allowByAccount = true;
      else into.allow = true;
    }
  };

  const decide = (
    decision: AuthorizationDecision['decision'],
    reason: string,
    policyType?: DenyingPolicyType,
  ): AuthorizationDecision => ({
    decision,
    principal,
    principalArn: principalArn(principal),
    action,
    resource,
    resourceOwnerId,
    crossAccount,
    matched,
    unevaluated,
    ...(policyType ? { policyType } : {}),
    reason,
    conditions: [...testedKeys].flatMap((key) => {
      const values = context.get(key);
      return values ? [{ key, values }] : [];
    }),
  });

  const isRoot = principal.type === 'Account';
  // A role's trust policy must name the caller even when the caller is the role's own account.
  if (isRoot && !crossAccount && request.resourcePolicy?.type !== 'TrustPolicy') {
    return decide('Allow', 'The account itself has full permissions on its own resources (facts §2).');
  }

  const session: SideResult = { allow: false, allowByAccount: false, deny: false };
  const sessionApplies = principal.type === 'AssumedRoleUser' && request.sessionPolicy !== undefined;
  if (sessionApplies && request.sessionPolicy) scan(request.sessionPolicy, false, session);
  const identity: SideResult = { allow: false, allowByAccount: false, deny: false };
  if (!isRoot && principal.type !== 'Service') {
    for (const attached of request.identityPolicies ?? []) scan(attached, false, identity);
  }
  const resourceSide: SideResult = { allow: false, allowByAccount: false, deny: false };
  if (request.resourcePolicy) scan(request.resourcePolicy, true, resourceSide);
  const trust = request.resourcePolicy?.type === 'TrustPolicy';
  const resourceType: DenyingPolicyType = trust ? 'AssumeRolePolicy' : 'ResourceBasedPolicy';

  if (session.deny)
    return decide('ExplicitDeny', 'The session policy explicitly denies it.', 'SessionPolicy');
  if (identity.deny)
    return decide(
      'ExplicitDeny',
      'An identity policy explicitly denies it.',
      'AccountLevelIdentityBasedPolicy',
    );
  if (resourceSide.deny)
    return decide('ExplicitDeny', `The ${describe(request)} explicitly denies it.`, resourceType);
  if (sessionApplies && !session.allow)
    return decide('ImplicitDeny', 'The session policy does not allow it.', 'SessionPolicy');

  // The account and a cloud service have no identity policies: their identity side is the account's.
  const identityAllows = isRoot || principal.type === 'Service' || identity.allow;
  if (trust || crossAccount) {
    const resourceAllows = resourceSide.allow || resourceSide.allowByAccount;
    if (identityAllows && resourceAllows) {
      return decide(
        'Allow',
        trust
          ? 'An identity policy allows it and the trust policy names the caller (facts §2).'
          : 'Across accounts both sides allow it (facts §5.3).',
      );
    }
    if (!identityAllows) {
      return decide(
        'ImplicitDeny',
        trust
          ? 'No identity policy allows sts:AssumeRole on this role.'
          : 'Across accounts the caller’s own account must allow it too, and no identity policy does.',
        'AccountLevelIdentityBasedPolicy',
      );
    }
    return decide(
      'ImplicitDeny',
      request.resourcePolicy
        ? `The ${describe(request)} does not name the caller for this action.`
        : 'Across accounts a resource policy must allow it, and the resource has none.',
      resourceType,
    );
  }
  if (identity.allow) return decide('Allow', 'An identity policy allows it.');
  if (resourceSide.allow)
    return decide('Allow', `The ${describe(request)} allows it (same account, facts §5.3).`);
  return decide('ImplicitDeny', 'No policy allows it.', 'AccountLevelIdentityBasedPolicy');
}

/** One check of a call: what checksFor (kms-actions.ts) produces for each action × resource. */
export interface AuthorizationCheck {
  readonly action: string;
  readonly resource: string;
  readonly resourceOwnerId: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly resourcePolicy?: AttachedPolicy;
}

/** The principal's side of a request, shared by all the checks of one call. */
export type CallerRequest = Pick<AuthorizationRequest, 'principal' | 'identityPolicies' | 'sessionPolicy'> & {
  readonly context: RequestContext | ConditionContext;
};

/**
 * Evaluates every check of one call; the call is allowed when each is. Answers the first denial, or
 * the last Allow; undefined when the operation checks nothing (DescribeRegions).
 */
export function evaluateChecks(
  checks: readonly AuthorizationCheck[],
  caller: CallerRequest,
  options: EvaluationOptions = {},
): AuthorizationDecision | undefined {
  const base =
    caller.context instanceof Map ? caller.context : conditionContext(caller.context as RequestContext);
  let last: AuthorizationDecision | undefined;
  for (const check of checks) {
    last = evaluate(
      {
        principal: caller.principal,
        action: check.action,
        resource: check.resource,
        resourceOwnerId: check.resourceOwnerId,
        context: check.tags ? withResourceTags(base, check.tags) : base,
        ...(caller.identityPolicies ? { identityPolicies: caller.identityPolicies } : {}),
        ...(caller.sessionPolicy ? { sessionPolicy: caller.sessionPolicy } : {}),
        ...(check.resourcePolicy ? { resourcePolicy: check.resourcePolicy } : {}),
      },
      options,
    );
    if (last.decision !== 'Allow') return last;
  }
  return last;
}

function describe(request: AuthorizationRequest): string {
  switch (request.resourcePolicy?.type) {
    case 'KeyPolicy':
      return 'key policy';
    case 'SecretPolicy':
      return 'secret policy';
    case 'TrustPolicy':
      return 'trust policy';
    default:
      return 'resource policy';
  }
}

/**
 * The statements of a compiled policy whose Action applies to an action, worked out once per
 * (policy, action): a user's ten policies of three statements each then scan only the statement or
 * two that name the action, not thirty wildcard matches per call. Bounded per policy.
 */
const byAction = new WeakMap<CompiledPolicy, Map<string, readonly CompiledStatement[]>>();
const ACTIONS_REMEMBERED = 512;

function statementsFor(policy: CompiledPolicy, lowerAction: string): readonly CompiledStatement[] {
  let memo = byAction.get(policy);
  if (!memo) {
    memo = new Map();
    byAction.set(policy, memo);
  }
  let list = memo.get(lowerAction);
  if (!list) {
    list = policy.statements.filter((statement) => actionApplies(statement, lowerAction));
    if (memo.size < ACTIONS_REMEMBERED) memo.set(lowerAction, list);
  }
  return list;
}

function actionApplies(statement: CompiledStatement, lowerAction: string): boolean {
  let hit = false;
  for (const pattern of statement.actions) {
    if (pattern.matches(lowerAction)) {
      hit = true;
      break;
    }
  }
  return hit !== statement.notAction;
}

function resourceApplies(statement: CompiledStatement, resource: string): boolean {
  if (!statement.resources) return true;
  let hit = false;
  for (const pattern of statement.resources) {
    if (pattern.matches(resource)) {
      hit = true;
      break;
    }
  }
  return hit !== statement.notResource;
}
