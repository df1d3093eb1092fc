import type { AuthorizationDecision, DenyingPolicyType } from './evaluate.js';
import { principalDisplayName } from './principals.js';

/**
 * The denial as the cloud sends it (facts §6): code `Forbidden.NoPermission`, message "This operation
 * is forbidden by permission system.", the HTTP status the spec gives per operation (403 on most,
 * 400 on a few — the KmsError catalog has it), and a top-level `AccessDeniedDetail` object in the
 * POP error envelope, which the Tea SDKs copy onto their exception (`accessDeniedDetail`).
 */
export const NO_PERMISSION = {
  code: 'Forbidden.NoPermission',
  message: 'This operation is forbidden by permission system.',
} as const;

/** Field set and enums of facts §6 (adb SDK example; OSS 0003-00000201 page). */
export interface AccessDeniedDetail {
  PolicyType: DenyingPolicyType;
  AuthPrincipalOwnerId: string;
  /** `SubUser` | `AssumedRoleUser` | `Federated` (facts §6); `Account`/`Service` are the emulator's names for the rest. */
  AuthPrincipalType: string;
  AuthPrincipalDisplayName: string;
  NoPermissionType: 'ImplicitDeny' | 'ExplicitDeny';
  AuthAction: string;
  EncodedDiagnosticMessage: string;
}

/**
 * What ram:DecodeDiagnosticMessage answers (facts §6: `DecodedDiagnosticMessage{ExplicitDeny,
 * NoPermissionPolicyType, AuthAction, AuthResource, AuthPrincipal{…}, AuthConditions[…]}`).
 * The cloud's encoded form is opaque; the emulator's is this object as base64 JSON.
 */
export interface DecodedDiagnosticMessage {
  ExplicitDeny: boolean;
  NoPermissionPolicyType: DenyingPolicyType;
  AuthAction: string;
  AuthResource: string;
  AuthPrincipal: {
    AuthPrincipalType: string;
    AuthPrincipalOwnerId: string;
    AuthPrincipalDisplayName: string;
  };
  AuthConditions: { ConditionKey: string; ConditionValues: string[] }[];
}

/** The AccessDeniedDetail of a denial; undefined for an Allow. */
export function accessDeniedDetail(decision: AuthorizationDecision): AccessDeniedDetail | undefined {
  if (decision.decision === 'Allow') return undefined;
  const diagnostic = diagnosticMessage(decision);
  if (!diagnostic) return undefined;
  return {
    PolicyType: diagnostic.NoPermissionPolicyType,
    AuthPrincipalOwnerId: diagnostic.AuthPrincipal.AuthPrincipalOwnerId,
    AuthPrincipalType: diagnostic.AuthPrincipal.AuthPrincipalType,
    AuthPrincipalDisplayName: diagnostic.AuthPrincipal.AuthPrincipalDisplayName,
    NoPermissionType: decision.decision,
    AuthAction: decision.action,
    EncodedDiagnosticMessage: encodeDiagnosticMessage(diagnostic),
  };
}

export function diagnosticMessage(decision: AuthorizationDecision): DecodedDiagnosticMessage | undefined {
  if (decision.decision === 'Allow') return undefined;
  return {
    ExplicitDeny: decision.decision === 'ExplicitDeny',
    NoPermissionPolicyType: decision.policyType ?? 'AccountLevelIdentityBasedPolicy',
    AuthAction: decision.action,
    AuthResource: decision.resource,
    AuthPrincipal: {
      AuthPrincipalType: decision.principal.type,
      AuthPrincipalOwnerId: decision.principal.accountId,
      AuthPrincipalDisplayName: principalDisplayName(decision.principal),
    },
    AuthConditions: decision.conditions.map((c) => ({ ConditionKey: c.key, ConditionValues: [...c.values] })),
  };
}

export function encodeDiagnosticMessage(message: DecodedDiagnosticMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/** The inverse, for a local ram:DecodeDiagnosticMessage; undefined for anything it did not write. */
export function decodeDiagnosticMessage(encoded: string): DecodedDiagnosticMessage | undefined {
  if (encoded.length > 65_536 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as DecodedDiagnosticMessage).AuthAction === 'string' &&
      typeof (value as DecodedDiagnosticMessage).AuthPrincipal === 'object'
    ) {
      return value as DecodedDiagnosticMessage;
    }
  } catch {
    // not ours
  }
  return undefined;
}
