/**
 * Alibaba Cloud Resource Names: `acs:<service>:<region>:<account-id>:<relative-id>` (facts §1,
 * "Resource"). KMS forms from facts §3.2; RAM forms from facts §1/§7 (`acs:ram::<uid>:user/<name>`,
 * `role/<name>`, `root`); RAM has no region, so its second field is empty.
 *
 * Matching of policy patterns against ARNs is case-sensitive (resource names such as secret names
 * are; facts §3.2 document no case rule for resources — only actions are case-insensitive, facts §1).
 */

export type KmsContainer = 'key' | 'secret' | 'alias' | 'certificate';

export function kmsContainerArn(regionId: string, accountId: string, container: KmsContainer): string {
  return `acs:kms:${regionId}:${accountId}:${container}`;
}

export function kmsKeyArn(regionId: string, accountId: string, keyId: string): string {
  return `acs:kms:${regionId}:${accountId}:key/${keyId}`;
}

/** The alias ARN's tail is the full alias name, `alias/<name>` (facts §3.2, create-an-alias page). */
export function kmsAliasArn(regionId: string, accountId: string, aliasName: string): string {
  const full = aliasName.startsWith('alias/') ? aliasName : `alias/${aliasName}`;
  return `acs:kms:${regionId}:${accountId}:${full}`;
}

/** Secret names may contain `/`, and so does the ARN (facts §3.2). */
export function kmsSecretArn(regionId: string, accountId: string, secretName: string): string {
  return `acs:kms:${regionId}:${accountId}:secret/${secretName}`;
}

export function kmsCertificateArn(regionId: string, accountId: string, certificateId: string): string {
  return `acs:kms:${regionId}:${accountId}:certificate/${certificateId}`;
}

/** A KMS instance is a `keystore` (the `KmsInstanceArn` of the spec's examples, facts §3.2). */
export function kmsInstanceArn(regionId: string, accountId: string, instanceId: string): string {
  return `acs:kms:${regionId}:${accountId}:keystore/${instanceId}`;
}

/** KMS 3.0 objects named in responses (facts §3.2; their use in authorization is UNCONFIRMED). */
export function kmsApplicationAccessPointArn(regionId: string, accountId: string, name: string): string {
  return `acs:kms:${regionId}:${accountId}:applicationaccesspoint/${name}`;
}

export function kmsNetworkRuleArn(regionId: string, accountId: string, name: string): string {
  return `acs:kms:${regionId}:${accountId}:network/${name}`;
}

export function kmsInstancePolicyArn(regionId: string, accountId: string, name: string): string {
  return `acs:kms:${regionId}:${accountId}:policy/${name}`;
}

export function ramRootArn(accountId: string): string {
  return `acs:ram::${accountId}:root`;
}

export function ramUserArn(accountId: string, userName: string): string {
  return `acs:ram::${accountId}:user/${userName}`;
}

export function ramGroupArn(accountId: string, groupName: string): string {
  return `acs:ram::${accountId}:group/${groupName}`;
}

/** `acs:ram::<account_id>:role/<role_name>`, the RoleArn of AssumeRole (facts §7). */
export function ramRoleArn(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName}`;
}

export function ramPolicyArn(accountId: string, policyName: string): string {
  return `acs:ram::${accountId}:policy/${policyName}`;
}

/**
 * An STS session: AssumeRole answers `AssumedRoleUser.Arn` = `acs:ram::<uid>:role/<role>/<session>`
 * (facts §7). The AWS-like `assumed-role/` form was not found for RAM (facts §0), so it is not used.
 */
export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `acs:ram::${accountId}:role/${roleName}/${sessionName}`;
}

export interface ParsedArn {
  readonly service: string;
  readonly regionId: string;
  readonly accountId: string;
  /** Everything after the fourth colon (may itself hold `:` and `/`). */
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  if (!arn.startsWith('acs:')) return undefined;
  const fields: string[] = [];
  let from = 4;
  for (let i = 0; i < 3; i++) {
    const colon = arn.indexOf(':', from);
    if (colon < 0) return undefined;
    fields.push(arn.slice(from, colon));
    from = colon + 1;
  }
  const [service, regionId, accountId] = fields as [string, string, string];
  if (!service) return undefined;
  return { service, regionId, accountId, resource: arn.slice(from) };
}

/**
 * Where a resource an ARN names lives: the ARN's account and region when it names another account
 * (cross-account use), else the caller's own scope (an ARN of its own account is read in its scope).
 */
export function arnScope(arn: ParsedArn, scope: { accountId: string; regionId: string }) {
  return arn.accountId && arn.regionId && arn.accountId !== scope.accountId
    ? { accountId: arn.accountId, regionId: arn.regionId }
    : scope;
}

/** The account that owns the resource an ARN names; undefined for `*` and account wildcards. */
export function arnAccountId(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.accountId === '' || parsed.accountId.includes('*')) return undefined;
  return parsed.accountId;
}
