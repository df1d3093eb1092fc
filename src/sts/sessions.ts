import type { OperationContext } from '../api/product.js';
import { isoSeconds } from '../domain/time.js';
import { KmsError } from '../protocol/errors.js';
import { answer } from '../ram/answers.js';
import { roleArn } from '../ram/policies.js';
import { sts } from './product.js';

/**
 * STS: AssumeRole hands out a session (an `STS.` AccessKey, its secret and a security token) that
 * signs as `role/<name>/<session>` until it expires on the virtual clock (src/protocol/auth.ts
 * checks the token); GetCallerIdentity says who signed.
 */
const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.@_-]{1,64})$/i;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
/** Facts §7: a session policy is 1–2,048 characters. */
const MAX_SESSION_POLICY = 2048;
const MIN_DURATION_SECONDS = 900;

/**
 * Whether a role's trust policy lets the caller assume it: an Allow statement for `sts:AssumeRole`
 * whose `Principal.RAM` names the caller's account (`acs:ram::<uid>:root`, `<uid>`, or any of the
 * account's identities `acs:ram::<uid>:*`) or the calling RAM user (`acs:ram::<uid>:user/<name>`).
 * TODO(#25): the evaluator of src/domain/authorization/ (branch authz) replaces this check,
 * including Conditions and the caller's own `sts:AssumeRole` permission.
 */
function trusts(document: string, ctx: OperationContext): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return false;
  }
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : typeof value === 'string'
        ? [value]
        : [];
  const { accountId, userName } = ctx.principal;
  const accepted = new Set(
    [accountId, `acs:ram::${accountId}:root`, `acs:ram::${accountId}:*`].map((s) => s.toLowerCase()),
  );
  if (ctx.principal.type === 'SubUser' && userName)
    accepted.add(`acs:ram::${accountId}:user/${userName}`.toLowerCase());
  return (Array.isArray(statements) ? statements : [statements]).some((statement) => {
    if (!statement || typeof statement !== 'object') return false;
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow') return false;
    if (!list(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()))) return false;
    const principal = s.Principal as Record<string, unknown> | undefined;
    return list(principal?.RAM).some((p) => accepted.has(p.toLowerCase()));
  });
}

sts.define({
  AssumeRole: (params, ctx) => {
    const arn = params.string('RoleArn');
    const parsed = ROLE_ARN.exec(arn);
    if (!parsed) throw new KmsError('InvalidParameter.RoleArn');
    const [, roleAccount = '', roleName = ''] = parsed;
    const sessionName = params.string('RoleSessionName');
    if (!SESSION_NAME.test(sessionName)) throw new KmsError('InvalidParameter.RoleSessionName');
    const policy = params.optString('Policy');
    if (policy !== undefined) {
      if (policy.length < 1 || policy.length > MAX_SESSION_POLICY)
        throw new KmsError('InvalidParameter.PolicySize');
      // TODO(#25): the authz branch's policy validator (grammar codes), and the session policy
      // intersected with the role's by its evaluator; stored with the session until then.
      try {
        const document = JSON.parse(policy) as Record<string, unknown>;
        if (
          !document ||
          typeof document !== 'object' ||
          document.Version === undefined ||
          document.Statement === undefined
        )
          throw new Error('shape');
      } catch {
        throw new KmsError('InvalidParameter.PolicyGrammar');
      }
    }
    const role = ctx.world.ram.findRole(roleAccount, roleName);
    if (!role) throw new KmsError('EntityNotExist.Role');
    const duration = params.optInt('DurationSeconds') ?? 3600;
    if (duration < MIN_DURATION_SECONDS || duration > role.maxSessionDuration) {
      throw new KmsError(
        'InvalidParameter.DurationSeconds',
        `The Min/Max value of DurationSeconds is ${MIN_DURATION_SECONDS}/${role.maxSessionDuration} seconds.`,
      );
    }
    if (!trusts(role.assumeRolePolicyDocument, ctx)) {
      throw new KmsError(
        'NoPermission',
        'You are not authorized to assume this role: its trust policy does not name you.',
      );
    }
    const session = ctx.world.identities.createSession({
      accountId: role.accountId,
      roleName: role.roleName,
      roleId: role.roleId,
      sessionName,
      durationMs: duration * 1000,
      ...(policy !== undefined ? { policy } : {}),
    });
    const sourceIdentity = params.optString('SourceIdentity');
    return answer(ctx, {
      AssumedRoleUser: {
        Arn: `${roleArn(role.accountId, role.roleName)}/${sessionName}`,
        AssumedRoleId: `${role.roleId}:${sessionName}`,
      },
      Credentials: {
        AccessKeyId: session.accessKeyId,
        AccessKeySecret: session.accessKeySecret,
        SecurityToken: session.securityToken,
        Expiration: isoSeconds(session.expiration),
      },
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
