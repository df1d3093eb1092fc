import type { Params } from '../api/params.js';
import type { Handler } from '../api/product.js';
import type { AttachedTo, PolicyType, PolicyView } from '../domain/ram/directory.js';
import type { World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import { accountOf, answer, date, page, ramName } from './answers.js';
import { ram } from './product.js';

/**
 * Custom and system policies, their versions and their attachments (`world.ram`). Documents are
 * stored as text after the evaluator's grammar accepted them; src/authorizer.ts evaluates them.
 */
function policyType(params: Params, required = true): PolicyType {
  const value = required ? params.string('PolicyType') : params.optString('PolicyType');
  if (value === undefined) return 'Custom';
  if (value !== 'System' && value !== 'Custom') throw new KmsError('InvalidParameter.PolicyType');
  return value;
}

function policyView(world: World, accountId: string, policy: PolicyView): Record<string, unknown> {
  const defaultVersion = policy.versions.find((v) => v.isDefault);
  return {
    PolicyName: policy.policyName,
    PolicyType: policy.policyType,
    Description: policy.description,
    DefaultVersion: policy.defaultVersion,
    PolicyDocument: defaultVersion?.document,
    AttachmentCount: world.ram.attachmentCount(accountId, policy.policyName, policy.policyType),
    CreateDate: date(policy.createTime),
    UpdateDate: date(policy.updateTime),
  };
}

function versionView(version: {
  versionId: string;
  document: string;
  createTime: number;
  isDefault: boolean;
}) {
  return {
    VersionId: version.versionId,
    PolicyDocument: version.document,
    IsDefaultVersion: version.isDefault,
    CreateDate: date(version.createTime),
  };
}

function attachedPolicies(attachedTo: AttachedTo, nameParam: string): Handler {
  return (params, ctx) => {
    const accountId = accountOf(ctx);
    const attached = ctx.world.ram.policiesFor(accountId, attachedTo, params.string(nameParam));
    return answer(ctx, {
      Policies: {
        Policy: attached.map(({ attachment, policy }) => ({
          PolicyName: policy.policyName,
          PolicyType: policy.policyType,
          Description: policy.description,
          DefaultVersion: policy.defaultVersion,
          AttachDate: date(attachment.attachTime),
        })),
      },
    });
  };
}

function attach(attachedTo: AttachedTo, nameParam: string, detach = false): Handler {
  return (params, ctx) => {
    const args = [
      accountOf(ctx),
      policyType(params),
      params.string('PolicyName'),
      attachedTo,
      params.string(nameParam),
    ] as const;
    if (detach) ctx.world.ram.detach(...args);
    else ctx.world.ram.attach(...args);
    return {};
  };
}

ram.define({
  CreatePolicy: (params, ctx) => {
    const accountId = accountOf(ctx);
    const policy = ctx.world.ram.createPolicy(
      accountId,
      ramName(params, 'PolicyName', 128),
      params.string('PolicyDocument'),
      params.optString('Description'),
    );
    return answer(ctx, { Policy: policyView(ctx.world, accountId, policy) });
  },

  GetPolicy: (params, ctx) => {
    const accountId = accountOf(ctx);
    const policy = ctx.world.ram.policy(accountId, params.string('PolicyName'), policyType(params));
    const defaultVersion = policy.versions.find((v) => v.isDefault);
    return answer(ctx, {
      Policy: policyView(ctx.world, accountId, policy),
      DefaultPolicyVersion: defaultVersion && versionView(defaultVersion),
    });
  },

  DeletePolicy: (params, ctx) => {
    ctx.world.ram.deletePolicy(
      accountOf(ctx),
      params.string('PolicyName'),
      params.optBool('CascadingDelete') ?? false,
    );
    return {};
  },

  ListPolicies: (params, ctx) => {
    const accountId = accountOf(ctx);
    const type = params.optString('PolicyType') === undefined ? undefined : policyType(params);
    const listed = page(ctx.world.ram.listPolicies(accountId, type), params);
    return answer(ctx, {
      Policies: {
        Policy: listed.items.map((p) => {
          const { PolicyDocument: _document, ...view } = policyView(ctx.world, accountId, p);
          return view;
        }),
      },
      IsTruncated: listed.IsTruncated,
      Marker: listed.Marker,
    });
  },

  UpdatePolicyDescription: (params, ctx) => {
    const accountId = accountOf(ctx);
    const policy = ctx.world.ram.updatePolicyDescription(
      accountId,
      params.string('PolicyName'),
      params.optString('NewDescription') ?? '',
    );
    return answer(ctx, { Policy: policyView(ctx.world, accountId, policy) });
  },

  CreatePolicyVersion: (params, ctx) => {
    const version = ctx.world.ram.createPolicyVersion(
      accountOf(ctx),
      params.string('PolicyName'),
      params.string('PolicyDocument'),
      {
        setAsDefault: params.optBool('SetAsDefault') ?? false,
        rotateStrategy: params.optString('RotateStrategy'),
      },
    );
    return answer(ctx, { PolicyVersion: versionView(version) });
  },

  GetPolicyVersion: (params, ctx) => {
    const version = ctx.world.ram.policyVersion(
      accountOf(ctx),
      params.string('PolicyName'),
      policyType(params),
      params.string('VersionId'),
    );
    return answer(ctx, { PolicyVersion: versionView(version) });
  },

  ListPolicyVersions: (params, ctx) => {
    const policy = ctx.world.ram.policy(accountOf(ctx), params.string('PolicyName'), policyType(params));
    return answer(ctx, { PolicyVersions: { PolicyVersion: policy.versions.map(versionView) } });
  },

  DeletePolicyVersion: (params, ctx) => {
    ctx.world.ram.deletePolicyVersion(
      accountOf(ctx),
      params.string('PolicyName'),
      params.string('VersionId'),
    );
    return {};
  },

  SetDefaultPolicyVersion: (params, ctx) => {
    ctx.world.ram.setDefaultPolicyVersion(
      accountOf(ctx),
      params.string('PolicyName'),
      params.string('VersionId'),
    );
    return {};
  },

  AttachPolicyToUser: attach('User', 'UserName'),
  AttachPolicyToGroup: attach('Group', 'GroupName'),
  AttachPolicyToRole: attach('Role', 'RoleName'),
  DetachPolicyFromUser: attach('User', 'UserName', true),
  DetachPolicyFromGroup: attach('Group', 'GroupName', true),
  DetachPolicyFromRole: attach('Role', 'RoleName', true),
  ListPoliciesForUser: attachedPolicies('User', 'UserName'),
  ListPoliciesForGroup: attachedPolicies('Group', 'GroupName'),
  ListPoliciesForRole: attachedPolicies('Role', 'RoleName'),

  ListEntitiesForPolicy: (params, ctx) => {
    const accountId = accountOf(ctx);
    const { world } = ctx;
    const attachments = world.ram.attachmentsOfPolicy(
      accountId,
      params.string('PolicyName'),
      policyType(params),
    );
    const of = (kind: AttachedTo) => attachments.filter((a) => a.attachedTo === kind);
    return answer(ctx, {
      Users: {
        User: of('User').flatMap((a) => {
          const user = world.identities.user(accountId, a.name);
          return user
            ? [
                {
                  UserName: user.userName,
                  UserId: user.userId,
                  DisplayName: user.displayName,
                  AttachDate: date(a.attachTime),
                },
              ]
            : [];
        }),
      },
      Groups: {
        Group: of('Group').map((a) => {
          const group = world.ram.group(accountId, a.name);
          return { GroupName: group.groupName, Comments: group.comments, AttachDate: date(a.attachTime) };
        }),
      },
      Roles: {
        Role: of('Role').map((a) => {
          const role = world.ram.role(accountId, a.name);
          return {
            RoleName: role.roleName,
            RoleId: role.roleId,
            Arn: roleArn(accountId, role.roleName),
            Description: role.description,
            AttachDate: date(a.attachTime),
          };
        }),
      },
    });
  },
});

/** `acs:ram::<uid>:role/<name>`: RAM writes the role name of an ARN in lower case. */
export function roleArn(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;
}
