import type { RoleRecord } from '../domain/ram/directory.js';
import { accountOf, answer, date, page, ramName } from './answers.js';
import { roleArn } from './policies.js';
import { ram } from './product.js';

/** RAM roles (`world.ram`): what STS AssumeRole reads (trust policy, MaxSessionDuration). */
function roleView(role: RoleRecord): Record<string, unknown> {
  return {
    RoleId: role.roleId,
    RoleName: role.roleName,
    Arn: roleArn(role.accountId, role.roleName),
    Description: role.description,
    AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
    MaxSessionDuration: role.maxSessionDuration,
    CreateDate: date(role.createTime),
    UpdateDate: date(role.updateTime),
  };
}

ram.define({
  CreateRole: (params, ctx) => {
    const role = ctx.world.ram.createRole(accountOf(ctx), {
      roleName: ramName(params, 'RoleName'),
      assumeRolePolicyDocument: params.string('AssumeRolePolicyDocument'),
      description: params.optString('Description'),
      maxSessionDuration: params.optInt('MaxSessionDuration'),
    });
    const { UpdateDate: _updated, ...view } = roleView(role);
    return answer(ctx, { Role: view });
  },

  GetRole: (params, ctx) =>
    answer(ctx, { Role: roleView(ctx.world.ram.role(accountOf(ctx), params.string('RoleName'))) }),

  UpdateRole: (params, ctx) => {
    const role = ctx.world.ram.updateRole(accountOf(ctx), params.string('RoleName'), {
      assumeRolePolicyDocument: params.optString('NewAssumeRolePolicyDocument'),
      description: params.optString('NewDescription'),
      maxSessionDuration: params.optInt('NewMaxSessionDuration'),
    });
    return answer(ctx, { Role: roleView(role) });
  },

  DeleteRole: (params, ctx) => {
    ctx.world.ram.deleteRole(accountOf(ctx), params.string('RoleName'));
    return {};
  },

  ListRoles: (params, ctx) => {
    const listed = page(ctx.world.ram.listRoles(accountOf(ctx)), params);
    return answer(ctx, {
      Roles: {
        Role: listed.items.map((r) => {
          const { AssumeRolePolicyDocument: _trust, ...view } = roleView(r);
          return view;
        }),
      },
      IsTruncated: listed.IsTruncated,
      Marker: listed.Marker,
    });
  },
});
