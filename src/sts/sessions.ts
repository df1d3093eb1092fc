import { compilePolicy } from '../domain/authorization/policy-document.js';
import { KmsError } from '../protocol/errors.js';
import { answer } from '../ram/answers.js';
import { roleArn } from '../ram/policies.js';
import { sts } from './product.js';
import { DEFAULT_DURATION_SECONDS, SESSION_NAME, startRoleSession } from './role-session.js';

/**
 * STS: AssumeRole hands out a session (an `STS.` AccessKey, its secret and a security token) that
 * signs as `role/<name>/<session>` until it expires on the virtual clock (src/protocol/auth.ts
 * checks the token); GetCallerIdentity says who signed.
 */
const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.@_-]{1,64})$/i;

sts.define({
  AssumeRole: (params, ctx) => {
    const arn = params.string('RoleArn');
    const parsed = ROLE_ARN.exec(arn);
    if (!parsed) throw new KmsError('InvalidParameter.RoleArn');
    const [, roleAccount = '', roleName = ''] = parsed;
    const sessionName = params.string('RoleSessionName');
    if (!SESSION_NAME.test(sessionName)) throw new KmsError('InvalidParameter.RoleSessionName');
    const policy = params.optString('Policy');
    // The session policy (≤ 2,048 characters, RAM's grammar): kept with the session, it narrows what
    // the role's policies allow (src/authorizer.ts evaluates both).
    if (policy !== undefined) compilePolicy(policy, 'Session');
    const role = ctx.world.ram.findRole(roleAccount, roleName);
    if (!role) throw new KmsError('EntityNotExist.Role');
    // Whether the role's trust policy names the caller (and, for a RAM caller, whether it may
    // sts:AssumeRole) is the authorizer's check, made before this handler (src/authorizer.ts).
    const session = startRoleSession(ctx.world, role, {
      sessionName,
      durationSeconds: params.optInt('DurationSeconds') ?? DEFAULT_DURATION_SECONDS,
      ...(policy !== undefined ? { policy } : {}),
    });
    const sourceIdentity = params.optString('SourceIdentity');
    return answer(ctx, {
      AssumedRoleUser: session.assumedRoleUser,
      Credentials: session.credentials,
      ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
    });
  },

  GetCallerIdentity: (_params, ctx) => {
    const p = ctx.principal;
    if (p.type === 'SubUser') {
      return answer(ctx, {
        IdentityType: 'RAMUser',
        AccountId: p.accountId,
        PrincipalId: p.userId,
        UserId: p.userId,
        Arn: `acs:ram::${p.accountId}:user/${p.userName}`,
      });
    }
    if (p.type === 'AssumedRoleUser') {
      return answer(ctx, {
        IdentityType: 'AssumedRoleUser',
        AccountId: p.accountId,
        PrincipalId: `${p.roleId}:${p.sessionName}`,
        RoleId: p.roleId,
        Arn: `${roleArn(p.accountId, p.roleName ?? '')}/${p.sessionName}`,
      });
    }
    return answer(ctx, {
      IdentityType: 'Account',
      AccountId: p.accountId,
      PrincipalId: p.accountId,
      UserId: p.accountId,
      Arn: `acs:ram::${p.accountId}:root`,
    });
  },
});
