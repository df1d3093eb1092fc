import type { AuthorizationMode, DenialRecord } from '../../authorizer.js';
import {
  type AuthorizationDecision,
  assumedRoleArn,
  type Principal,
  principalArn,
  principalDisplayName,
  ramRoleArn,
  ramUserArn,
} from '../../domain/authorization/index.js';
import type { AttachmentRecord, RamDirectory } from '../../domain/ram/directory.js';
import type { AccessKeyMetadata, Identities } from '../../domain/ram/identities.js';
import { systemPolicy } from '../../domain/ram/system-policies.js';
import { isoSeconds } from '../../domain/time.js';
import type { World } from '../../domain/world.js';

/**
 * What the dashboard's "Access control" panel shows (issue #25 §8): per account its RAM users,
 * groups, roles, STS sessions, custom policies and attachments; the authorization mode; the recent
 * denials with why. Like the rest of the world view, every field is copied by name: an
 * AccessKeySecret, a session's secret or security token never reaches it.
 */
export interface AccessView {
  mode: AuthorizationMode;
  accounts: AccountAccessView[];
  /** The newest denials (and audit mode's would-be denials), newest first. */
  denials: DenialView[];
  /** How many the authorizer keeps (the view shows at most DENIALS_SHOWN of them). */
  denialsTotal: number;
}

export interface PolicyRef {
  policyName: string;
  policyType: string;
}

export interface AccountAccessView {
  accountId: string;
  /** Root pairs declared by seeds: they sign as the account itself and are never evaluated. */
  rootAccessKeys: { accessKeyId: string; name?: string; status: string }[];
  users: {
    userName: string;
    userId: string;
    displayName: string;
    arn: string;
    createTime: string;
    accessKeys: { accessKeyId: string; status: string; createTime: string }[];
    groups: string[];
    policies: PolicyRef[];
  }[];
  groups: {
    groupName: string;
    groupId: string;
    createTime: string;
    members: string[];
    policies: PolicyRef[];
  }[];
  roles: {
    roleName: string;
    roleId: string;
    arn: string;
    description?: string;
    maxSessionDuration: number;
    createTime: string;
    /** Who the trust policy lets assume the role, by statement effect. */
    trustedPrincipals: { effect: string; kind: string; value: string }[];
    policies: PolicyRef[];
  }[];
  /** Sessions kept (expired ones for a day); the view lists the SESSIONS_SHOWN that expire last. */
  sessionsTotal: number;
  sessions: {
    accessKeyId: string;
    roleName: string;
    roleArn: string;
    sessionName: string;
    arn: string;
    /** Virtual time. */
    expiration: string;
    expirationMs: number;
    expired: boolean;
    /** Whether AssumeRole was given a session policy (it narrows the role's). */
    sessionPolicy: boolean;
  }[];
  policies: {
    policyName: string;
    policyType: 'Custom';
    description: string;
    defaultVersion: string;
    versions: string[];
    createTime: string;
    updateTime: string;
    attachmentCount: number;
  }[];
  attachments: {
    policyName: string;
    policyType: string;
    attachedTo: string;
    name: string;
    attachTime: string;
  }[];
}

export interface StatementView {
  policy: string;
  policyType: string;
  policyVersion?: string;
  statement: number;
  sid?: string;
  effect?: string;
  principalMatch?: string;
  /** Why the statement could not be evaluated (unevaluated ones). */
  reason?: string;
  /** The statement itself, when it is known for certain (a system policy, a custom policy version, the session's policy). */
  text?: string;
}

export interface DenialView {
  requestId: string;
  time: string;
  accessKeyId: string;
  product: string;
  operation: string;
  /** Audit mode let the call through. */
  allowedByMode: boolean;
  decision: string;
  principal: { type: string; accountId: string; arn: string; displayName: string };
  action: string;
  resource: string;
  resourceOwnerId: string;
  crossAccount: boolean;
  policyType?: string;
  reason: string;
  matched: StatementView[];
  unevaluated: StatementView[];
  conditions: { key: string; values: string[] }[];
}

/** At most this many denials go into the view (the page polls it every two seconds). */
export const DENIALS_SHOWN = 100;
/** At most this many sessions per account (a loop of AssumeRole calls keeps many for a day). */
export const SESSIONS_SHOWN = 200;

/** What the view reads of the authorizer: its mode and its recent denials. */
export interface DenialSource {
  mode: AuthorizationMode;
  denials(): readonly DenialRecord[];
}

export function accessView(world: World, authorization: DenialSource): AccessView {
  const now = world.clock.now();
  const { ram, identities } = world;
  const keys = identities.accessKeyList();
  const sessions = identities.sessionList();
  const accountIds = new Set([
    ...ram.accounts(),
    ...keys.map((k) => k.accountId),
    ...sessions.map((s) => s.accountId),
  ]);
  const accounts = [...accountIds].sort().map((accountId) =>
    accountView(
      accountId,
      ram,
      identities,
      keys.filter((k) => k.accountId === accountId),
      sessions.filter((s) => s.accountId === accountId),
      now,
    ),
  );
  const all = authorization.denials();
  const statements = new StatementTexts(ram, identities);
  const denials = all
    .slice(-DENIALS_SHOWN)
    .reverse()
    .map((d) => denialView(d, statements));
  return { mode: authorization.mode, accounts, denials, denialsTotal: all.length };
}

function accountView(
  accountId: string,
  ram: RamDirectory,
  identities: Identities,
  keys: AccessKeyMetadata[],
  sessions: ReturnType<Identities['sessionList']>,
  now: number,
): AccountAccessView {
  const attachments = attachmentsOf(ram, accountId);
  const policiesOf = (attachedTo: string, name: string): PolicyRef[] =>
    attachments
      .filter((a) => a.attachedTo === attachedTo && a.name === name)
      .map((a) => ({ policyName: a.policyName, policyType: a.policyType }));
  const groups = ram.listGroups(accountId);
  const customPolicies = ram.listPolicies(accountId, 'Custom');
  return {
    accountId,
    rootAccessKeys: keys
      .filter((k) => k.userName === undefined)
      .map((k) => ({
        accessKeyId: k.accessKeyId,
        ...(k.name !== undefined ? { name: k.name } : {}),
        status: k.status,
      })),
    users: identities.listUsers(accountId).map((u) => ({
      userName: u.userName,
      userId: u.userId,
      displayName: u.displayName ?? '',
      arn: ramUserArn(accountId, u.userName),
      createTime: isoSeconds(u.createTime),
      accessKeys: u.accessKeyIds.flatMap((id) => {
        const key = keys.find((k) => k.accessKeyId === id);
        return key
          ? [{ accessKeyId: key.accessKeyId, status: key.status, createTime: isoSeconds(key.createTime) }]
          : [];
      }),
      groups: groups.filter((g) => g.members.some((m) => m.userName === u.userName)).map((g) => g.groupName),
      policies: policiesOf('User', u.userName),
    })),
    groups: groups.map((g) => ({
      groupName: g.groupName,
      groupId: g.groupId,
      createTime: isoSeconds(g.createTime),
      members: g.members.map((m) => m.userName),
      policies: policiesOf('Group', g.groupName),
    })),
    roles: ram.listRoles(accountId).map((r) => ({
      roleName: r.roleName,
      roleId: r.roleId,
      arn: ramRoleArn(accountId, r.roleName),
      ...(r.description ? { description: r.description } : {}),
      maxSessionDuration: r.maxSessionDuration,
      createTime: isoSeconds(r.createTime),
      trustedPrincipals: trustedPrincipals(r.assumeRolePolicyDocument),
      policies: policiesOf('Role', r.roleName),
    })),
    sessionsTotal: sessions.length,
    sessions: sessions
      .sort((a, b) => b.expiration - a.expiration)
      .slice(0, SESSIONS_SHOWN)
      .map((s) => ({
        accessKeyId: s.accessKeyId,
        roleName: s.roleName,
        roleArn: ramRoleArn(accountId, s.roleName),
        sessionName: s.sessionName,
        arn: assumedRoleArn(accountId, s.roleName, s.sessionName),
        expiration: isoSeconds(s.expiration),
        expirationMs: s.expiration,
        // As the authenticator decides (src/protocol/auth.ts): expired from its Expiration on.
        expired: now >= s.expiration,
        sessionPolicy: s.policy !== undefined,
      })),
    policies: customPolicies.map((p) => ({
      policyName: p.policyName,
      policyType: 'Custom',
      description: p.description,
      defaultVersion: p.defaultVersion,
      versions: p.versions.map((v) => v.versionId),
      createTime: isoSeconds(p.createTime),
      updateTime: isoSeconds(p.updateTime),
      attachmentCount: attachments.filter((a) => a.policyType === 'Custom' && a.policyName === p.policyName)
        .length,
    })),
    attachments: attachments.map((a) => ({
      policyName: a.policyName,
      policyType: a.policyType,
      attachedTo: a.attachedTo,
      name: a.name,
      attachTime: isoSeconds(a.attachTime),
    })),
  };
}

function attachmentsOf(ram: RamDirectory, accountId: string): AttachmentRecord[] {
  return [...ram.listAttachments(accountId)].sort(
    (a, b) =>
      a.attachedTo.localeCompare(b.attachedTo) || a.name.localeCompare(b.name) || a.attachTime - b.attachTime,
  );
}

/** `Principal` of each statement of a trust policy: `{RAM|Service|Federated: value}` by effect. */
function trustedPrincipals(document: string): { effect: string; kind: string; value: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return [];
  }
  const out: { effect: string; kind: string; value: string }[] = [];
  for (const statement of asList((parsed as { Statement?: unknown } | null)?.Statement)) {
    if (!statement || typeof statement !== 'object') continue;
    const { Effect, Principal } = statement as { Effect?: unknown; Principal?: unknown };
    if (!Principal || typeof Principal !== 'object') continue;
    for (const [kind, values] of Object.entries(Principal as Record<string, unknown>)) {
      for (const value of asList(values)) {
        if (typeof value === 'string') out.push({ effect: String(Effect ?? 'Allow'), kind, value });
      }
    }
  }
  return out;
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

function denialView(d: DenialRecord, statements: StatementTexts): DenialView {
  const decision: AuthorizationDecision = d.decision;
  return {
    requestId: d.requestId,
    time: isoSeconds(d.time),
    accessKeyId: d.accessKeyId,
    product: d.product,
    operation: d.operation,
    allowedByMode: d.allowedByMode,
    decision: decision.decision,
    principal: principalOf(decision.principal),
    action: decision.action,
    resource: decision.resource,
    resourceOwnerId: decision.resourceOwnerId,
    crossAccount: decision.crossAccount,
    ...(decision.policyType ? { policyType: decision.policyType } : {}),
    reason: decision.reason,
    matched: decision.matched.map((m) => {
      const text = statements.text(decision.principal.accountId, d.accessKeyId, m);
      return {
        policy: m.policy,
        policyType: m.policyType,
        ...(m.policyVersion ? { policyVersion: m.policyVersion } : {}),
        statement: m.statement,
        ...(m.sid ? { sid: m.sid } : {}),
        effect: m.effect,
        ...(m.principalMatch ? { principalMatch: m.principalMatch } : {}),
        ...(text ? { text } : {}),
      };
    }),
    unevaluated: decision.unevaluated.map((u) => {
      const text = statements.text(decision.principal.accountId, d.accessKeyId, u);
      return {
        policy: u.policy,
        policyType: u.policyType,
        statement: u.statement,
        reason: u.reason,
        ...(text ? { text } : {}),
      };
    }),
    conditions: decision.conditions.map((c) => ({ key: c.key, values: [...c.values] })),
  };
}

function principalOf(principal: Principal): DenialView['principal'] {
  return {
    type: principal.type,
    accountId: principal.accountId,
    arn: principalArn(principal),
    displayName:
      principal.type === 'SubUser'
        ? principal.userName
        : principal.type === 'AssumedRoleUser'
          ? `${principal.roleName}/${principal.sessionName}`
          : principalDisplayName(principal),
  };
}

/**
 * The text of a statement a decision names, where it cannot have changed since: a system policy's, a
 * custom policy's version (versions are immutable), the session's own policy. A key or secret policy
 * or a trust policy may have been replaced since the denial: those are named, not quoted.
 */
class StatementTexts {
  private readonly documents = new Map<string, unknown[] | undefined>();

  constructor(
    private readonly ram: RamDirectory,
    private readonly identities: Identities,
  ) {}

  text(
    accountId: string,
    accessKeyId: string,
    ref: { policy: string; policyType: string; policyVersion?: string; statement: number },
  ): string | undefined {
    const key = `${accountId}\n${accessKeyId}\n${ref.policyType}\n${ref.policy}\n${ref.policyVersion ?? ''}`;
    if (!this.documents.has(key)) this.documents.set(key, this.statementsOf(accountId, accessKeyId, ref));
    const statement = this.documents.get(key)?.[ref.statement];
    return statement === undefined ? undefined : JSON.stringify(statement);
  }

  private statementsOf(
    accountId: string,
    accessKeyId: string,
    ref: { policy: string; policyType: string; policyVersion?: string },
  ): unknown[] | undefined {
    let document: unknown;
    try {
      if (ref.policyType === 'System') document = systemPolicy(ref.policy)?.document;
      else if (ref.policyType === 'Custom' && ref.policyVersion) {
        const text = this.ram.policyVersion(accountId, ref.policy, 'Custom', ref.policyVersion).document;
        document = JSON.parse(text);
      } else if (ref.policyType === 'SessionPolicy') {
        const text = this.identities.session(accessKeyId)?.policy;
        document = text === undefined ? undefined : JSON.parse(text);
      }
    } catch {
      // The version was deleted since, or the text is not JSON: named, not quoted.
      return undefined;
    }
    if (!document || typeof document !== 'object') return undefined;
    return asList((document as { Statement?: unknown }).Statement);
  }
}
