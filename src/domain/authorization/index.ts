/**
 * # Authorization (issue #25): the pure core
 *
 * RAM's policy language and Alibaba's evaluation order, as pure functions (no clock, no randomness,
 * no world: the caller passes the virtual clock's value and the policies). Sources: the shared facts
 * file `ram-authorization.md`, cited as "facts §n" in each module.
 *
 * ## Documents — policy-document.ts, policy-cache.ts, conditions.ts, wildcard.ts, ip.ts
 * `compilePolicy(textOrObject, kind)` validates and compiles in one pass and returns an immutable
 * `CompiledPolicy` (matchers prebuilt), or throws `PolicyDocumentError` (a `KmsError`, status 400)
 * in the code of the API that received it:
 *
 * | kind | limit | grammar error | size error |
 * |---|---|---|---|
 * | `Identity` (CreatePolicy/Version, system) | 6,144 characters | `MalformedPolicyDocument` | `InvalidParameter.PolicyDocument.Length` |
 * | `Trust` (CreateRole/UpdateRole) | 6,144 characters | `MalformedPolicyDocument` | `InvalidParameter.PolicyDocument.Length` |
 * | `Session` (AssumeRole `Policy`) | 2,048 characters | `InvalidParameter.PolicyGrammar` | `InvalidParameter.PolicySize` |
 * | `KeyPolicy` / `SecretPolicy` | 32,768 bytes | `InvalidParameter` | `InvalidParameter` |
 *
 * `CompiledPolicyCache#compile(text, kind)` memoises by kind and text (LRU, default 1,024 entries).
 * Bounds: ≤ 512 statements, ≤ 256 values per element, ≤ 1,024 characters per value; wildcard
 * matching is linear-time per segment (no regular expression is built from a policy).
 *
 * ## Evaluation — evaluate.ts
 * `evaluate(request, options?) → AuthorizationDecision` for one action on one resource:
 * request = `{ principal, action, resource, resourceOwnerId?, context, identityPolicies?,
 * resourcePolicy?, sessionPolicy? }`, each policy an `AttachedPolicy { name, type, version?, policy }`.
 * Order (facts §2/§5.3): any explicit Deny (session, identity, resource) → `ExplicitDeny`; a session
 * policy that does not Allow → `ImplicitDeny`; same account: identity Allow OR resource-policy Allow;
 * across accounts and for AssumeRole (a `TrustPolicy` as resource policy): both. The account root is
 * allowed on its own resources. `options.accountWildcardPrincipal` ('AccountOnly' default |
 * 'AllIdentities') is the switch for the meaning of `acs:ram::<uid>:*` (facts §5.4).
 * `conditionContext(requestContext)` builds the condition map once per request (`acs:CurrentTime`
 * from the clock value, `acs:SourceIp`, `acs:SecureTransport`, `acs:MFAPresent` false,
 * `kms:tag/<k>` from resource tags, any other key from `values`); keys are case-insensitive.
 * The decision: `{ decision, principal, principalArn, action, resource, resourceOwnerId, crossAccount,
 * matched[{policy, policyType, policyVersion?, statement, sid?, effect, principalMatch?}],
 * unevaluated[{policy, policyType, statement, reason}], policyType? (denials), reason, conditions }`.
 *
 * ## KMS operations — kms-actions.ts, kms-checks.ts
 * `KMS_OPERATION_CHECKS` (operation → action(s) and resource reference(s)) and
 * `checksFor(operation, params, resolver) → AuthorizationCheck[]` (action, resource ARN, owner, tags,
 * resource policy), with a `ResourceResolver` the wiring implements over the world;
 * `evaluateChecks(checks, caller, options?)` evaluates them all (first denial wins; undefined when the
 * operation checks nothing, e.g. DescribeRegions).
 *
 * ## Denial — denial.ts
 * `accessDeniedDetail(decision)` → the `AccessDeniedDetail` object of the POP error envelope (facts §6)
 * with a readable `EncodedDiagnosticMessage` (`decodeDiagnosticMessage` reverses it); `NO_PERMISSION`
 * is the code and message (`Forbidden.NoPermission`; the status comes from the spec per operation).
 *
 * ## Data — arns.ts, principals.ts, system-policies.ts
 * ARN builders for KMS keys/aliases/secrets/certificates/instances/containers and RAM
 * root/users/groups/roles/policies/sessions (`acs:ram::<uid>:role/<role>/<session>`, facts §7);
 * `SYSTEM_POLICIES` (the six KMS system policies, AdministratorAccess, AliyunRAMFullAccess,
 * AliyunRAMReadOnlyAccess, AliyunSTSAssumeRoleAccess) and `attachedSystemPolicy(name)`.
 *
 * ## Not covered
 * Resource Directory control policies and resource-group-level attachments (no resource directory);
 * `…IfExists`, `Null`, `ForAnyValue:`/`ForAllValues:` operators (refused: undocumented for RAM); the
 * key-policy rule that actions outside the console's list "do not take effect" (facts §5.1);
 * `acs:SourceVpc`'s "every action starts with kms:" restriction (facts §3.3).
 */
export * from './arns.js';
export * from './conditions.js';
export * from './denial.js';
export * from './evaluate.js';
export * from './grammar-error.js';
export * from './ip.js';
export * from './kms-actions.js';
export * from './kms-checks.js';
export * from './policy-cache.js';
export * from './policy-document.js';
export * from './principals.js';
export * from './system-policies.js';
export * from './wildcard.js';
