import type { CallerPolicies, ProductChecks } from '../authorizer.js';
import {
  type AttachedPolicy,
  attachedSystemPolicy,
  type CompiledPolicyCache,
  ramGroupArn,
  ramPolicyArn,
  ramRoleArn,
  ramUserArn,
} from '../domain/authorization/index.js';
import type { AttachedTo, RamDirectory } from '../domain/ram/directory.js';
import type { Identities } from '../domain/ram/identities.js';
import type { Principal } from '../protocol/credentials.js';

/**
 * RAM's side of authorization: the table of what each RAM operation checks (`ram:<Action>` on the
 * user, group, role or policy it names, as RAM documents its actions and resources), and the
 * policies of a caller (a RAM user's own and its groups', an assumed role's and its session's).
 */
export const ramChecks: ProductChecks = (operation, params, scope) => {
  const account = scope.accountId;
  const action = `ram:${operation}`;
  const resource = ramResourceOf(operation, params, account);
  return [{ action, resource, resourceOwnerId: account }];
};

/** The ARN a RAM operation acts on: its user, group, role or policy, else `*`. */
function ramResourceOf(operation: string, params: Readonly<Record<string, string>>, account: string): string {
  // Attach/Detach/ListPoliciesFor…: the principal the policy is attached to.
  if (/^(Attach|Detach)PolicyTo|^(Attach|Detach)PolicyFrom|^ListPoliciesFor/.test(operation)) {
    if (params.UserName) return ramUserArn(account, params.UserName);
    if (params.GroupName) return ramGroupArn(account, params.GroupName);
    if (params.RoleName) return ramRoleArn(account, params.RoleName);
  }
  if (params.UserName) return ramUserArn(account, params.UserName);
  if (params.GroupName) return ramGroupArn(account, params.GroupName);
  if (params.RoleName) return ramRoleArn(account, params.RoleName);
  if (params.PolicyName) return ramPolicyArn(account, params.PolicyName);
  return '*';
}

/** STS: AssumeRole is `sts:AssumeRole` on the role, under the role's trust policy; GetCallerIdentity checks nothing. */
export const stsChecks: ProductChecks = (operation, params, scope, world, policies) => {
  if (operation !== 'AssumeRole') return [];
  const arn = params.RoleArn ?? '';
  const parsed = /^acs:ram::(\d+):role\/(.+)$/i.exec(arn);
  const owner = parsed?.[1] ?? scope.accountId;
  const role = parsed ? world.ram.findRole(owner, parsed[2] as string) : undefined;
  let trust: AttachedPolicy | undefined;
  if (role) {
    try {
      trust = {
        name: 'AssumeRolePolicy',
        type: 'TrustPolicy',
        policy: policies.compile(role.assumeRolePolicyDocument, 'Trust'),
      };
    } catch {
      trust = undefined;
    }
  }
  return [
    {
      action: 'sts:AssumeRole',
      resource: role ? ramRoleArn(owner, role.roleName) : arn || '*',
      resourceOwnerId: owner,
      ...(trust ? { resourcePolicy: trust } : {}),
    },
  ];
};

/**
 * The policies that apply to a caller, compiled once (the cache keys them by text): a RAM user's
 * attached policies and its groups', a session's role's and its session policy. Undefined for an
 * account's root pair.
 */
export function callerPoliciesOf(
  principal: Principal,
  directory: RamDirectory,
  identities: Identities,
  policies: CompiledPolicyCache,
): CallerPolicies | undefined {
  const { accountId } = principal;
  if (principal.type === 'SubUser' && principal.userName) {
    const userName = principal.userName;
    const attached = [...attachedOf(directory, accountId, 'User', userName, policies)];
    for (const { group } of directory.groupsOfUser(accountId, userName))
      attached.push(...attachedOf(directory, accountId, 'Group', group.groupName, policies));
    return {
      principal: {
        type: 'SubUser',
        accountId,
        userName,
        ...(principal.userId ? { userId: principal.userId } : {}),
      },
      identityPolicies: attached,
      displayName: userName,
    };
  }
  if (principal.type === 'AssumedRoleUser' && principal.roleName && principal.sessionName) {
    const session = identities.session(principal.accessKeyId);
    let sessionPolicy: AttachedPolicy | undefined;
    if (session?.policy) {
      try {
        sessionPolicy = {
          name: 'SessionPolicy',
          type: 'SessionPolicy',
          policy: policies.compile(session.policy, 'Session'),
        };
      } catch {
        // Validated by AssumeRole; a stored policy that no longer compiles allows nothing.
        sessionPolicy = {
          name: 'SessionPolicy',
          type: 'SessionPolicy',
          policy: policies.compile(
            '{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
            'Session',
          ),
        };
      }
    }
    return {
      principal: {
        type: 'AssumedRoleUser',
        accountId,
        roleName: principal.roleName,
        sessionName: principal.sessionName,
        ...(principal.roleId ? { roleId: principal.roleId } : {}),
      },
      identityPolicies: directory.findRole(accountId, principal.roleName)
        ? attachedOf(directory, accountId, 'Role', principal.roleName, policies)
        : [],
      ...(sessionPolicy ? { sessionPolicy } : {}),
      displayName: `${principal.roleName}/${principal.sessionName}`,
    };
  }
  return undefined;
}

function attachedOf(
  directory: RamDirectory,
  accountId: string,
  to: AttachedTo,
  name: string,
  policies: CompiledPolicyCache,
): AttachedPolicy[] {
  const out: AttachedPolicy[] = [];
  for (const { policy } of directory.policiesFor(accountId, to, name)) {
    if (policy.policyType === 'System') {
      const system = attachedSystemPolicy(policy.policyName);
      if (system) out.push(system);
      continue;
    }
    const version = policy.versions.find((v) => v.isDefault);
    if (!version) continue;
    try {
      out.push({
        name: policy.policyName,
        type: 'Custom',
        version: version.versionId,
        policy: policies.compile(version.document, 'Identity'),
      });
    } catch {
      // A stored document the evaluator cannot read grants nothing.
    }
  }
  return out;
}
