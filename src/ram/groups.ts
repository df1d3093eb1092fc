import type { GroupRecord } from '../domain/ram/directory.js';
import { accountOf, answer, date, page, ramName } from './answers.js';
import { ram } from './product.js';
import { userView } from './users.js';

/** RAM groups and their members (`world.ram`). */
function groupView(group: GroupRecord): Record<string, unknown> {
  return {
    GroupId: group.groupId,
    GroupName: group.groupName,
    Comments: group.comments,
    CreateDate: date(group.createTime),
    UpdateDate: date(group.updateTime),
  };
}

ram.define({
  CreateGroup: (params, ctx) => {
    const group = ctx.world.ram.createGroup(
      accountOf(ctx),
      ramName(params, 'GroupName'),
      params.optString('Comments'),
    );
    return answer(ctx, { Group: groupView(group) });
  },

  GetGroup: (params, ctx) =>
    answer(ctx, { Group: groupView(ctx.world.ram.group(accountOf(ctx), params.string('GroupName'))) }),

  UpdateGroup: (params, ctx) => {
    const newGroupName = params.optString('NewGroupName');
    if (newGroupName !== undefined) ramName(params, 'NewGroupName');
    const group = ctx.world.ram.updateGroup(accountOf(ctx), params.string('GroupName'), {
      newGroupName,
      comments: params.optString('NewComments'),
    });
    return answer(ctx, { Group: groupView(group) });
  },

  DeleteGroup: (params, ctx) => {
    ctx.world.ram.deleteGroup(accountOf(ctx), params.string('GroupName'));
    return {};
  },

  ListGroups: (params, ctx) => {
    const listed = page(ctx.world.ram.listGroups(accountOf(ctx)), params);
    return answer(ctx, {
      Groups: { Group: listed.items.map(groupView) },
      IsTruncated: listed.IsTruncated,
      Marker: listed.Marker,
    });
  },

  AddUserToGroup: (params, ctx) => {
    ctx.world.ram.addUserToGroup(accountOf(ctx), params.string('GroupName'), params.string('UserName'));
    return {};
  },

  RemoveUserFromGroup: (params, ctx) => {
    ctx.world.ram.removeUserFromGroup(accountOf(ctx), params.string('GroupName'), params.string('UserName'));
    return {};
  },

  ListGroupsForUser: (params, ctx) => {
    const accountId = accountOf(ctx);
    const userName = params.string('UserName');
    ctx.world.identities.requireUser(accountId, userName);
    return answer(ctx, {
      Groups: {
        Group: ctx.world.ram.groupsOfUser(accountId, userName).map(({ group, joinTime }) => ({
          ...groupView(group),
          JoinDate: date(joinTime),
        })),
      },
    });
  },

  ListUsersForGroup: (params, ctx) => {
    const accountId = accountOf(ctx);
    const group = ctx.world.ram.group(accountId, params.string('GroupName'));
    const members = group.members.flatMap((m) => {
      const user = ctx.world.identities.user(accountId, m.userName);
      return user ? [{ ...userView(user), JoinDate: date(m.joinTime) }] : [];
    });
    const listed = page(members, params);
    return answer(ctx, {
      Users: { User: listed.items },
      IsTruncated: listed.IsTruncated,
      Marker: listed.Marker,
    });
  },
});
