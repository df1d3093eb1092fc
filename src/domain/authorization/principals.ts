import { assumedRoleArn, ramRoleArn, ramRootArn, ramUserArn } from './arns.js';

/**
 * Who is asking (facts §6 `AuthPrincipalType`: `SubUser` | `AssumedRoleUser` | `Federated`; plus the
 * account itself, which RAM does not evaluate — facts §2 — and a cloud service, the caller a trust
 * policy's `Service` principal names).
 */
export type Principal =
  | { readonly type: 'Account'; readonly accountId: string }
  | {
      readonly type: 'SubUser';
      readonly accountId: string;
      readonly userName: string;
      /** The RAM user's id (AuthPrincipalDisplayName, facts §6); the name when absent. */
      readonly userId?: string;
    }
  | {
      readonly type: 'AssumedRoleUser';
      readonly accountId: string;
      readonly roleName: string;
      readonly sessionName: string;
      readonly roleId?: string;
    }
  | { readonly type: 'Service'; readonly service: string; readonly accountId: string }
  | { readonly type: 'Federated'; readonly providerArn: string; readonly accountId: string };

/** The principal's own ARN (GetCallerIdentity `Arn`, facts §7). */
export function principalArn(principal: Principal): string {
  switch (principal.type) {
    case 'Account':
      return ramRootArn(principal.accountId);
    case 'SubUser':
      return ramUserArn(principal.accountId, principal.userName);
    case 'AssumedRoleUser':
      return assumedRoleArn(principal.accountId, principal.roleName, principal.sessionName);
    case 'Service':
      return principal.service;
    case 'Federated':
      return principal.providerArn;
  }
}

/**
 * The ARNs a `{"RAM": …}` principal pattern is matched against: a session also answers to its
 * role's ARN, so `acs:ram::<uid>:role/<role>` in a key policy names every session of that role.
 */
export function ramIdentityArns(principal: Principal): readonly string[] {
  switch (principal.type) {
    case 'Account':
      return [ramRootArn(principal.accountId)];
    case 'SubUser':
      return [ramUserArn(principal.accountId, principal.userName)];
    case 'AssumedRoleUser':
      return [
        ramRoleArn(principal.accountId, principal.roleName),
        assumedRoleArn(principal.accountId, principal.roleName, principal.sessionName),
      ];
    default:
      return [];
  }
}

/** `AuthPrincipalDisplayName` (facts §6): the user id; for a session `RoleName:RoleSessionName`. */
export function principalDisplayName(principal: Principal): string {
  switch (principal.type) {
    case 'Account':
      return principal.accountId;
    case 'SubUser':
      return principal.userId ?? principal.userName;
    case 'AssumedRoleUser':
      return `${principal.roleName}:${principal.sessionName}`;
    case 'Service':
      return principal.service;
    case 'Federated':
      return principal.providerArn;
  }
}
