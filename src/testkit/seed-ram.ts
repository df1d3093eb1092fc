import type { AttachedTo, PolicyType } from '../domain/ram/directory.js';
import type { World } from '../domain/world.js';
import { DEFAULT_ACCOUNT_ID } from '../protocol/credentials.js';
import { eachSeedItem, registerSeedSection } from './seed.js';

/**
 * The `ram` seed section (#25 §9): RAM users with fixed AccessKey pairs, groups with members,
 * roles, custom policies, and the policies attached to each user, group and role. Loaded through
 * the RAM domain (the same rules as the API), only what is missing is added, so a reload never
 * undoes later changes; export writes the world's RAM entities back (AccessKeySecrets only with
 * secrets=true).
 */
interface SeedAttachment {
  policyName: string;
  policyType?: PolicyType;
}

interface SeedRam {
  policies?: {
    accountId?: string;
    policyName: string;
    description?: string;
    policyDocument: string | object;
  }[];
  users?: {
    accountId?: string;
    userName: string;
    displayName?: string;
    comments?: string;
    accessKeys?: { accessKeyId: string; accessKeySecret: string; status?: 'Active' | 'Inactive' }[];
    policies?: SeedAttachment[];
  }[];
  groups?: {
    accountId?: string;
    groupName: string;
    comments?: string;
    members?: string[];
    policies?: SeedAttachment[];
  }[];
  roles?: {
    accountId?: string;
    roleName: string;
    description?: string;
    assumeRolePolicyDocument: string | object;
    maxSessionDuration?: number;
    policies?: SeedAttachment[];
  }[];
}

const REDACTED = '<redacted: export with secrets=true>';
const text = (document: string | object): string =>
  typeof document === 'string' ? document : JSON.stringify(document);

function attachAll(
  world: World,
  accountId: string,
  attachedTo: AttachedTo,
  name: string,
  list: SeedAttachment[] = [],
): void {
  for (const { policyName, policyType = 'Custom' } of list) {
    if (!world.ram.isAttached(accountId, policyType, policyName, attachedTo, name)) {
      world.ram.attach(accountId, policyType, policyName, attachedTo, name);
    }
  }
}

registerSeedSection({
  name: 'ram',
  load(emulator, value) {
    const seed = value as SeedRam;
    const { world } = emulator;
    eachSeedItem(seed.policies ?? [], '/policies', (p) => {
      const accountId = p.accountId ?? DEFAULT_ACCOUNT_ID;
      if (world.ram.listPolicies(accountId, 'Custom').some((known) => known.policyName === p.policyName))
        return;
      world.ram.createPolicy(accountId, p.policyName, text(p.policyDocument), p.description);
    });
    eachSeedItem(seed.users ?? [], '/users', (u) => {
      const accountId = u.accountId ?? DEFAULT_ACCOUNT_ID;
      const user =
        world.identities.user(accountId, u.userName) ??
        world.identities.createUser(accountId, {
          userName: u.userName,
          displayName: u.displayName,
          comments: u.comments,
        });
      for (const key of u.accessKeys ?? []) {
        if (user.accessKeyIds.includes(key.accessKeyId)) continue;
        world.identities.createAccessKey(accountId, u.userName, key);
        user.accessKeyIds.push(key.accessKeyId);
        if (key.status === 'Inactive')
          world.identities.updateAccessKey(accountId, u.userName, key.accessKeyId, 'Inactive');
      }
      attachAll(world, accountId, 'User', u.userName, u.policies);
    });
    eachSeedItem(seed.groups ?? [], '/groups', (g) => {
      const accountId = g.accountId ?? DEFAULT_ACCOUNT_ID;
      const existing = world.ram.listGroups(accountId).find((known) => known.groupName === g.groupName);
      const group = existing ?? world.ram.createGroup(accountId, g.groupName, g.comments);
      for (const member of g.members ?? []) {
        if (!group.members.some((m) => m.userName === member))
          world.ram.addUserToGroup(accountId, g.groupName, member);
      }
      attachAll(world, accountId, 'Group', g.groupName, g.policies);
    });
    eachSeedItem(seed.roles ?? [], '/roles', (r) => {
      const accountId = r.accountId ?? DEFAULT_ACCOUNT_ID;
      if (!world.ram.findRole(accountId, r.roleName)) {
        world.ram.createRole(accountId, {
          roleName: r.roleName,
          assumeRolePolicyDocument: text(r.assumeRolePolicyDocument),
          description: r.description,
          maxSessionDuration: r.maxSessionDuration,
        });
      }
      attachAll(world, accountId, 'Role', r.roleName, r.policies);
    });
  },
  export(emulator, options) {
    const { world } = emulator;
    const out: Required<SeedRam> = { policies: [], users: [], groups: [], roles: [] };
    const attached = (accountId: string, attachedTo: AttachedTo, name: string) => {
      const list = world.ram
        .policiesFor(accountId, attachedTo, name)
        .map(({ policy }) => ({ policyName: policy.policyName, policyType: policy.policyType }));
      return list.length > 0 ? { policies: list } : {};
    };
    for (const accountId of world.ram.accounts()) {
      for (const p of world.ram.listPolicies(accountId, 'Custom')) {
        const document = p.versions.find((v) => v.isDefault)?.document ?? '';
        out.policies.push({
          accountId,
          policyName: p.policyName,
          ...(p.description ? { description: p.description } : {}),
          policyDocument: document,
        });
      }
      for (const u of world.identities.listUsers(accountId)) {
        out.users.push({
          accountId,
          userName: u.userName,
          ...(u.displayName ? { displayName: u.displayName } : {}),
          ...(u.comments !== undefined ? { comments: u.comments } : {}),
          accessKeys: world.identities.accessKeys(accountId, u.userName).map((k) => ({
            accessKeyId: k.accessKeyId,
            accessKeySecret: options.includeSecrets ? k.accessKeySecret : REDACTED,
            ...(k.status === 'Inactive' ? { status: 'Inactive' as const } : {}),
          })),
          ...attached(accountId, 'User', u.userName),
        });
      }
      for (const g of world.ram.listGroups(accountId)) {
        out.groups.push({
          accountId,
          groupName: g.groupName,
          ...(g.comments !== undefined ? { comments: g.comments } : {}),
          members: g.members.map((m) => m.userName),
          ...attached(accountId, 'Group', g.groupName),
        });
      }
      for (const r of world.ram.listRoles(accountId)) {
        out.roles.push({
          accountId,
          roleName: r.roleName,
          ...(r.description !== undefined ? { description: r.description } : {}),
          assumeRolePolicyDocument: r.assumeRolePolicyDocument,
          maxSessionDuration: r.maxSessionDuration,
          ...attached(accountId, 'Role', r.roleName),
        });
      }
    }
    const present = Object.fromEntries(Object.entries(out).filter(([, list]) => list.length > 0));
    return Object.keys(present).length > 0 ? present : undefined;
  },
});
