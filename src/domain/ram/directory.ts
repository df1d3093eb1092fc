import { createHash, randomBytes } from 'node:crypto';
import { KmsError } from '../../protocol/errors.js';
import type { Store, Table } from '../../store/store.js';
import { compilePolicy } from '../authorization/policy-document.js';
import type { VirtualClock } from '../clock.js';
import type { Identities, RamUserRecord } from './identities.js';
import { SYSTEM_POLICIES, type SystemPolicy, systemPolicy } from './system-policies.js';

/**
 * RAM's groups, roles, custom policies (with versions) and policy attachments, account-wide and
 * persisted (each table partitioned by account). Users and AccessKeys are `Identities`'; this
 * directory keeps what refers to them consistent (a renamed user keeps its groups and policies, a
 * user in a group or with a policy cannot be deleted).
 *
 * Policy documents are stored as text, once the evaluator's grammar (src/domain/authorization/,
 * `compilePolicy`: Identity for policies, Trust for roles) accepted them; the authorizer compiles
 * what it evaluates through its cache.
 */
export type PolicyType = 'System' | 'Custom';
export type AttachedTo = 'User' | 'Group' | 'Role';

export interface GroupRecord {
  groupName: string;
  groupId: string;
  comments?: string;
  createTime: number;
  updateTime: number;
  members: { userName: string; joinTime: number }[];
}

export interface RoleRecord {
  roleName: string;
  roleId: string;
  accountId: string;
  description?: string;
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  createTime: number;
  updateTime: number;
}

export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createTime: number;
}

export interface CustomPolicyRecord {
  policyName: string;
  description?: string;
  createTime: number;
  updateTime: number;
  defaultVersion: string;
  versions: PolicyVersionRecord[];
  /** The number the next version takes (v1, v2 …; numbers are not reused). */
  nextVersion: number;
}

/** A policy as the API shows it, system or custom. */
export interface PolicyView {
  policyName: string;
  policyType: PolicyType;
  description: string;
  defaultVersion: string;
  createTime: number;
  updateTime: number;
  versions: (PolicyVersionRecord & { isDefault: boolean })[];
}

export interface AttachmentRecord {
  policyName: string;
  policyType: PolicyType;
  attachedTo: AttachedTo;
  /** The user, group or role name. */
  name: string;
  attachTime: number;
}

/**
 * A RAM user's console logon (CreateLoginProfile): the password is kept only as a salted hash, since
 * no RAM operation answers it (the emulator has no console to log on to).
 */
export interface LoginProfileRecord {
  userName: string;
  passwordHash: string;
  passwordResetRequired: boolean;
  mfaBindRequired: boolean;
  createTime: number;
}

/** RAM's default password policy (GetPasswordPolicy before any SetPasswordPolicy): 8–32 characters. */
export const PASSWORD_LENGTH = { min: 8, max: 32 } as const;

/** RAM's documented bounds: 5 versions per policy; MaxSessionDuration 3,600–43,200 s (facts §7). */
export const MAX_POLICY_VERSIONS = 5;
export const SESSION_DURATION = { min: 3600, max: 43200, default: 3600 } as const;

/** System policies exist since the start of the emulated cloud. */
const SYSTEM_TIME = Date.parse('2015-01-01T00:00:00Z');

export class RamDirectory {
  private readonly groups: Table<GroupRecord>;
  private readonly roles: Table<RoleRecord>;
  private readonly policies: Table<CustomPolicyRecord>;
  private readonly attachments: Table<AttachmentRecord>;
  private readonly loginProfiles: Table<LoginProfileRecord>;

  constructor(
    store: Store,
    private readonly clock: VirtualClock,
    private readonly identities: Identities,
  ) {
    this.groups = store.table<GroupRecord>('ram-groups');
    this.roles = store.table<RoleRecord>('ram-roles');
    this.policies = store.table<CustomPolicyRecord>('ram-policies');
    this.attachments = store.table<AttachmentRecord>('ram-attachments');
    this.loginProfiles = store.table<LoginProfileRecord>('ram-login-profiles');
  }

  /** Accounts that have RAM users, groups, roles or custom policies (export walks them). */
  accounts(): string[] {
    return [
      ...new Set([
        ...this.identities.userAccounts(),
        ...this.groups.partitions(),
        ...this.roles.partitions(),
        ...this.policies.partitions(),
      ]),
    ].sort();
  }

  /** Whether the policy is attached there already (seeds attach only what is missing). */
  isAttached(
    accountId: string,
    policyType: PolicyType,
    policyName: string,
    attachedTo: AttachedTo,
    name: string,
  ): boolean {
    return (
      this.attachments.peek(accountId, attachmentId({ policyType, policyName, attachedTo, name })) !==
      undefined
    );
  }

  // Users (the parts that involve groups and policies)

  /** Renames a user everywhere it is named (group members, attachments). */
  updateUser(
    accountId: string,
    userName: string,
    changes: Parameters<Identities['updateUser']>[2],
  ): RamUserRecord {
    const updated = this.identities.updateUser(accountId, userName, changes);
    if (updated.userName !== userName) {
      for (const group of this.groups.list(accountId)) {
        if (!group.members.some((m) => m.userName === userName)) continue;
        group.members = group.members.map((m) =>
          m.userName === userName ? { ...m, userName: updated.userName } : m,
        );
        this.groups.put(accountId, group.groupName, group);
      }
      for (const attachment of this.attachmentsOf(accountId, 'User', userName)) {
        this.attachments.delete(accountId, attachmentId(attachment));
        const moved = { ...attachment, name: updated.userName };
        this.attachments.put(accountId, attachmentId(moved), moved);
      }
      const profile = this.loginProfiles.peek(accountId, userName);
      if (profile) {
        this.loginProfiles.delete(accountId, userName);
        this.loginProfiles.put(accountId, updated.userName, { ...profile, userName: updated.userName });
      }
    }
    return updated;
  }

  deleteUser(accountId: string, userName: string): void {
    this.identities.requireUser(accountId, userName);
    if (this.groupsOfUser(accountId, userName).length > 0) {
      throw new KmsError('DeleteConflict.User.Group');
    }
    if (this.attachmentsOf(accountId, 'User', userName).length > 0) {
      throw new KmsError('DeleteConflict.User.Policy');
    }
    if (this.loginProfiles.peek(accountId, userName)) {
      throw new KmsError('DeleteConflict.User.LoginProfile');
    }
    this.identities.deleteUser(accountId, userName);
  }

  // Login profiles (console logon of a RAM user)

  createLoginProfile(
    accountId: string,
    userName: string,
    fields: { password: string; passwordResetRequired?: boolean; mfaBindRequired?: boolean },
  ): LoginProfileRecord {
    this.identities.requireUser(accountId, userName);
    if (this.loginProfiles.peek(accountId, userName)) {
      throw new KmsError('EntityAlreadyExists.User.LoginProfile');
    }
    const profile: LoginProfileRecord = {
      userName,
      passwordHash: hashPassword(checkPassword(fields.password)),
      passwordResetRequired: fields.passwordResetRequired ?? false,
      mfaBindRequired: fields.mfaBindRequired ?? false,
      createTime: this.clock.now(),
    };
    this.loginProfiles.put(accountId, userName, profile);
    return profile;
  }

  loginProfile(accountId: string, userName: string): LoginProfileRecord {
    this.identities.requireUser(accountId, userName);
    const profile = this.loginProfiles.get(accountId, userName);
    if (!profile) throw new KmsError('EntityNotExist.User.LoginProfile');
    return profile;
  }

  /** Only the fields given change. */
  updateLoginProfile(
    accountId: string,
    userName: string,
    changes: { password?: string; passwordResetRequired?: boolean; mfaBindRequired?: boolean },
  ): LoginProfileRecord {
    const profile = this.loginProfile(accountId, userName);
    const updated: LoginProfileRecord = {
      ...profile,
      ...(changes.password !== undefined
        ? { passwordHash: hashPassword(checkPassword(changes.password)) }
        : {}),
      ...(changes.passwordResetRequired !== undefined
        ? { passwordResetRequired: changes.passwordResetRequired }
        : {}),
      ...(changes.mfaBindRequired !== undefined ? { mfaBindRequired: changes.mfaBindRequired } : {}),
    };
    this.loginProfiles.put(accountId, userName, updated);
    return updated;
  }

  deleteLoginProfile(accountId: string, userName: string): void {
    this.loginProfile(accountId, userName);
    this.loginProfiles.delete(accountId, userName);
  }

  // Groups

  createGroup(accountId: string, groupName: string, comments?: string): GroupRecord {
    if (this.groups.peek(accountId, groupName)) throw new KmsError('EntityAlreadyExists.Group');
    const now = this.clock.now();
    const group: GroupRecord = {
      groupName,
      groupId: this.identities.digits(16),
      ...(comments !== undefined ? { comments } : {}),
      createTime: now,
      updateTime: now,
      members: [],
    };
    this.groups.put(accountId, groupName, group);
    return group;
  }

  group(accountId: string, groupName: string): GroupRecord {
    const group = this.groups.get(accountId, groupName);
    if (!group) throw new KmsError('EntityNotExist.Group');
    return group;
  }

  listGroups(accountId: string): GroupRecord[] {
    return this.groups.list(accountId);
  }

  /** Renaming moves the group's attachments along. */
  updateGroup(
    accountId: string,
    groupName: string,
    changes: { newGroupName?: string; comments?: string },
  ): GroupRecord {
    const group = this.group(accountId, groupName);
    const newName = changes.newGroupName ?? groupName;
    if (newName !== groupName && this.groups.peek(accountId, newName))
      throw new KmsError('EntityAlreadyExists.Group');
    const updated: GroupRecord = {
      ...group,
      groupName: newName,
      ...(changes.comments !== undefined ? { comments: changes.comments } : {}),
      updateTime: this.clock.now(),
    };
    if (newName !== groupName) {
      this.groups.delete(accountId, groupName);
      for (const attachment of this.attachmentsOf(accountId, 'Group', groupName)) {
        this.attachments.delete(accountId, attachmentId(attachment));
        const moved = { ...attachment, name: newName };
        this.attachments.put(accountId, attachmentId(moved), moved);
      }
    }
    this.groups.put(accountId, newName, updated);
    return updated;
  }

  deleteGroup(accountId: string, groupName: string): void {
    const group = this.group(accountId, groupName);
    if (group.members.length > 0) throw new KmsError('DeleteConflict.Group.User');
    if (this.attachmentsOf(accountId, 'Group', groupName).length > 0) {
      throw new KmsError('DeleteConflict.Group.Policy');
    }
    this.groups.delete(accountId, groupName);
  }

  addUserToGroup(accountId: string, groupName: string, userName: string): void {
    this.identities.requireUser(accountId, userName);
    const group = this.group(accountId, groupName);
    if (group.members.some((m) => m.userName === userName)) {
      throw new KmsError('EntityAlreadyExists.User.Group');
    }
    group.members.push({ userName, joinTime: this.clock.now() });
    this.groups.put(accountId, groupName, group);
  }

  removeUserFromGroup(accountId: string, groupName: string, userName: string): void {
    this.identities.requireUser(accountId, userName);
    const group = this.group(accountId, groupName);
    if (!group.members.some((m) => m.userName === userName)) {
      throw new KmsError('EntityNotExist.User.Group');
    }
    group.members = group.members.filter((m) => m.userName !== userName);
    this.groups.put(accountId, groupName, group);
  }

  groupsOfUser(accountId: string, userName: string): { group: GroupRecord; joinTime: number }[] {
    return this.groups.list(accountId).flatMap((group) => {
      const member = group.members.find((m) => m.userName === userName);
      return member ? [{ group, joinTime: member.joinTime }] : [];
    });
  }

  // Roles

  createRole(
    accountId: string,
    fields: {
      roleName: string;
      assumeRolePolicyDocument: string;
      description?: string;
      maxSessionDuration?: number;
    },
  ): RoleRecord {
    if (this.findRole(accountId, fields.roleName)) throw new KmsError('EntityAlreadyExists.Role');
    compilePolicy(fields.assumeRolePolicyDocument, 'Trust');
    const now = this.clock.now();
    const role: RoleRecord = {
      roleName: fields.roleName,
      roleId: this.identities.digits(18),
      accountId,
      ...(fields.description !== undefined ? { description: fields.description } : {}),
      assumeRolePolicyDocument: fields.assumeRolePolicyDocument,
      maxSessionDuration: checkSessionDuration(fields.maxSessionDuration),
      createTime: now,
      updateTime: now,
    };
    this.roles.put(accountId, role.roleName, role);
    return role;
  }

  /** Role names are matched case-insensitively (an ARN names its role in lower case). */
  findRole(accountId: string, roleName: string): RoleRecord | undefined {
    const exact = this.roles.get(accountId, roleName);
    if (exact) return exact;
    const lower = roleName.toLowerCase();
    return this.roles.list(accountId).find((r) => r.roleName.toLowerCase() === lower);
  }

  role(accountId: string, roleName: string): RoleRecord {
    const role = this.findRole(accountId, roleName);
    if (!role) throw new KmsError('EntityNotExist.Role');
    return role;
  }

  listRoles(accountId: string): RoleRecord[] {
    return this.roles.list(accountId);
  }

  updateRole(
    accountId: string,
    roleName: string,
    changes: { assumeRolePolicyDocument?: string; description?: string; maxSessionDuration?: number },
  ): RoleRecord {
    const role = this.role(accountId, roleName);
    if (changes.assumeRolePolicyDocument !== undefined)
      compilePolicy(changes.assumeRolePolicyDocument, 'Trust');
    const updated: RoleRecord = {
      ...role,
      ...(changes.assumeRolePolicyDocument !== undefined
        ? { assumeRolePolicyDocument: changes.assumeRolePolicyDocument }
        : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.maxSessionDuration !== undefined
        ? { maxSessionDuration: checkSessionDuration(changes.maxSessionDuration) }
        : {}),
      updateTime: this.clock.now(),
    };
    this.roles.put(accountId, role.roleName, updated);
    return updated;
  }

  deleteRole(accountId: string, roleName: string): void {
    const role = this.role(accountId, roleName);
    if (this.attachmentsOf(accountId, 'Role', role.roleName).length > 0) {
      throw new KmsError('DeleteConflict.Role.Policy');
    }
    this.roles.delete(accountId, role.roleName);
  }

  // Policies

  createPolicy(accountId: string, policyName: string, document: string, description?: string): PolicyView {
    if (this.policies.peek(accountId, policyName) || systemPolicy(policyName)) {
      throw new KmsError('EntityAlreadyExists.Policy');
    }
    compilePolicy(document, 'Identity');
    const now = this.clock.now();
    const policy: CustomPolicyRecord = {
      policyName,
      ...(description !== undefined ? { description } : {}),
      createTime: now,
      updateTime: now,
      defaultVersion: 'v1',
      versions: [{ versionId: 'v1', document, createTime: now }],
      nextVersion: 2,
    };
    this.policies.put(accountId, policyName, policy);
    return customView(policy);
  }

  /** A policy by name and type; `EntityNotExist.Policy` when there is none. */
  policy(accountId: string, policyName: string, policyType: PolicyType): PolicyView {
    if (policyType === 'System') {
      const system = systemPolicy(policyName);
      if (!system) throw new KmsError('EntityNotExist.Policy');
      return systemView(system);
    }
    return customView(this.customPolicy(accountId, policyName));
  }

  private customPolicy(accountId: string, policyName: string): CustomPolicyRecord {
    const policy = this.policies.get(accountId, policyName);
    if (!policy) throw new KmsError('EntityNotExist.Policy');
    return policy;
  }

  listPolicies(accountId: string, policyType?: PolicyType): PolicyView[] {
    const system = policyType === 'Custom' ? [] : SYSTEM_POLICIES.map(systemView);
    const custom = policyType === 'System' ? [] : this.policies.list(accountId).map(customView);
    return [...system, ...custom];
  }

  /**
   * `cascade` (DeletePolicy's CascadingDelete) detaches it from everyone first; without it, an
   * attached policy or one with versions besides the default is refused, as RAM does.
   */
  deletePolicy(accountId: string, policyName: string, cascade = false): void {
    const policy = this.customPolicy(accountId, policyName);
    const attached = this.attachmentsOfPolicy(accountId, policyName, 'Custom');
    if (!cascade) {
      const kinds: AttachedTo[] = ['User', 'Group', 'Role'];
      for (const kind of kinds) {
        if (attached.some((a) => a.attachedTo === kind)) throw new KmsError(`DeleteConflict.Policy.${kind}`);
      }
      if (policy.versions.length > 1) throw new KmsError('DeleteConflict.Policy.Version');
    }
    for (const attachment of attached) this.attachments.delete(accountId, attachmentId(attachment));
    this.policies.delete(accountId, policyName);
  }

  updatePolicyDescription(accountId: string, policyName: string, description: string): PolicyView {
    const policy = this.customPolicy(accountId, policyName);
    const updated = { ...policy, description, updateTime: this.clock.now() };
    this.policies.put(accountId, policyName, updated);
    return customView(updated);
  }

  createPolicyVersion(
    accountId: string,
    policyName: string,
    document: string,
    options: { setAsDefault?: boolean; rotateStrategy?: string },
  ): PolicyVersionRecord & { isDefault: boolean } {
    const policy = this.customPolicy(accountId, policyName);
    compilePolicy(document, 'Identity');
    if (policy.versions.length >= MAX_POLICY_VERSIONS) {
      if (options.rotateStrategy !== 'DeleteOldestNonDefaultVersionWhenLimitExceeded') {
        throw new KmsError('LimitExceeded.Policy.Version');
      }
      const oldest = policy.versions.find((v) => v.versionId !== policy.defaultVersion);
      policy.versions = policy.versions.filter((v) => v !== oldest);
    }
    const now = this.clock.now();
    const version: PolicyVersionRecord = { versionId: `v${policy.nextVersion}`, document, createTime: now };
    policy.versions.push(version);
    policy.nextVersion += 1;
    if (options.setAsDefault) policy.defaultVersion = version.versionId;
    policy.updateTime = now;
    this.policies.put(accountId, policyName, policy);
    return { ...version, isDefault: policy.defaultVersion === version.versionId };
  }

  policyVersion(
    accountId: string,
    policyName: string,
    policyType: PolicyType,
    versionId: string,
  ): PolicyVersionRecord & { isDefault: boolean } {
    const found = this.policy(accountId, policyName, policyType).versions.find(
      (v) => v.versionId === versionId,
    );
    if (!found) throw new KmsError('EntityNotExist.Policy.Version');
    return found;
  }

  deletePolicyVersion(accountId: string, policyName: string, versionId: string): void {
    const policy = this.customPolicy(accountId, policyName);
    if (!policy.versions.some((v) => v.versionId === versionId)) {
      throw new KmsError('EntityNotExist.Policy.Version');
    }
    if (policy.defaultVersion === versionId) throw new KmsError('DeleteConflict.PolicyVersion.Default');
    policy.versions = policy.versions.filter((v) => v.versionId !== versionId);
    policy.updateTime = this.clock.now();
    this.policies.put(accountId, policyName, policy);
  }

  setDefaultPolicyVersion(accountId: string, policyName: string, versionId: string): void {
    const policy = this.customPolicy(accountId, policyName);
    if (!policy.versions.some((v) => v.versionId === versionId)) {
      throw new KmsError('EntityNotExist.Policy.Version');
    }
    policy.defaultVersion = versionId;
    policy.updateTime = this.clock.now();
    this.policies.put(accountId, policyName, policy);
  }

  // Attachments

  attach(
    accountId: string,
    policyType: PolicyType,
    policyName: string,
    attachedTo: AttachedTo,
    name: string,
  ): void {
    const policy = this.policy(accountId, policyName, policyType);
    const target = this.requirePrincipal(accountId, attachedTo, name);
    const attachment: AttachmentRecord = {
      policyName: policy.policyName,
      policyType,
      attachedTo,
      name: target,
      attachTime: this.clock.now(),
    };
    if (this.attachments.peek(accountId, attachmentId(attachment))) {
      throw new KmsError(`EntityAlreadyExists.${attachedTo}.Policy`);
    }
    this.attachments.put(accountId, attachmentId(attachment), attachment);
  }

  detach(
    accountId: string,
    policyType: PolicyType,
    policyName: string,
    attachedTo: AttachedTo,
    name: string,
  ): void {
    const policy = this.policy(accountId, policyName, policyType);
    const target = this.requirePrincipal(accountId, attachedTo, name);
    const id = attachmentId({ policyName: policy.policyName, policyType, attachedTo, name: target });
    if (!this.attachments.peek(accountId, id)) throw new KmsError(`EntityNotExist.${attachedTo}.Policy`);
    this.attachments.delete(accountId, id);
  }

  /** Policies attached to a user, group or role (which must exist), with the policies' views. */
  policiesFor(
    accountId: string,
    attachedTo: AttachedTo,
    name: string,
  ): { attachment: AttachmentRecord; policy: PolicyView }[] {
    const target = this.requirePrincipal(accountId, attachedTo, name);
    return this.attachmentsOf(accountId, attachedTo, target).flatMap((attachment) => {
      try {
        return [{ attachment, policy: this.policy(accountId, attachment.policyName, attachment.policyType) }];
      } catch {
        return [];
      }
    });
  }

  attachmentsOfPolicy(accountId: string, policyName: string, policyType: PolicyType): AttachmentRecord[] {
    const policy = this.policy(accountId, policyName, policyType);
    return this.attachments
      .list(accountId)
      .filter((a) => a.policyType === policyType && a.policyName === policy.policyName);
  }

  /** How many users, groups and roles a policy is attached to (the AttachmentCount of its view). */
  attachmentCount(accountId: string, policyName: string, policyType: PolicyType): number {
    return this.attachments
      .list(accountId)
      .filter((a) => a.policyType === policyType && a.policyName === policyName).length;
  }

  /** Every attachment of an account (the dashboard's list of who has which policy). */
  listAttachments(accountId: string): AttachmentRecord[] {
    return this.attachments.list(accountId);
  }

  private attachmentsOf(accountId: string, attachedTo: AttachedTo, name: string): AttachmentRecord[] {
    return this.attachments.list(accountId).filter((a) => a.attachedTo === attachedTo && a.name === name);
  }

  /** The stored name of the user, group or role, or its EntityNotExist error. */
  private requirePrincipal(accountId: string, attachedTo: AttachedTo, name: string): string {
    if (attachedTo === 'User') return this.identities.requireUser(accountId, name).userName;
    if (attachedTo === 'Group') return this.group(accountId, name).groupName;
    return this.role(accountId, name).roleName;
  }
}

function attachmentId(
  a: Pick<AttachmentRecord, 'policyType' | 'policyName' | 'attachedTo' | 'name'>,
): string {
  return `${a.policyType}:${a.policyName}:${a.attachedTo}:${a.name}`;
}

function customView(policy: CustomPolicyRecord): PolicyView {
  return {
    policyName: policy.policyName,
    policyType: 'Custom',
    description: policy.description ?? '',
    defaultVersion: policy.defaultVersion,
    createTime: policy.createTime,
    updateTime: policy.updateTime,
    versions: policy.versions.map((v) => ({ ...v, isDefault: v.versionId === policy.defaultVersion })),
  };
}

function systemView(policy: SystemPolicy): PolicyView {
  return {
    policyName: policy.name,
    policyType: 'System',
    description: policy.description,
    defaultVersion: policy.defaultVersion,
    createTime: SYSTEM_TIME,
    updateTime: SYSTEM_TIME,
    versions: [
      {
        versionId: policy.defaultVersion,
        document: JSON.stringify(policy.document),
        createTime: SYSTEM_TIME,
        isDefault: true,
      },
    ],
  };
}

function checkSessionDuration(seconds: number | undefined): number {
  if (seconds === undefined) return SESSION_DURATION.default;
  if (!Number.isInteger(seconds) || seconds < SESSION_DURATION.min || seconds > SESSION_DURATION.max) {
    throw new KmsError(
      'InvalidParameter.MaxSessionDuration',
      `MaxSessionDuration must be between ${SESSION_DURATION.min} and ${SESSION_DURATION.max} seconds.`,
    );
  }
  return seconds;
}

function checkPassword(password: string): string {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new KmsError('InvalidParameter.Password');
  }
  return password;
}

function hashPassword(password: string): string {
  const salt = randomBytes(16).toString('base64');
  return `${salt}:${createHash('sha256').update(`${salt}:${password}`).digest('base64')}`;
}
