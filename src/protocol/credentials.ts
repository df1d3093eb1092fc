/**
 * Who signed a request, and the built-in access key pairs the emulator trusts before any record:
 * the documented default pair and the pair in ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, both the root
 * of the default account. RAM users, their AccessKeys, seeded root pairs and STS sessions are
 * records of the domain (src/domain/ram/identities.ts); the authenticator asks a lookup function
 * that reads the built-in pairs first, then those records.
 */
export const DEFAULT_ACCESS_KEY_ID = 'LTAIEmulatorAccessKeyId';
export const DEFAULT_ACCESS_KEY_SECRET = 'EmulatorAccessKeySecret';
export const DEFAULT_ACCOUNT_ID = '1234567890123456';

/** As RAM's AccessDeniedDetail names them: an account's root, a RAM user, an STS session of a role. */
export type PrincipalType = 'Root' | 'SubUser' | 'AssumedRoleUser';

export interface Principal {
  accessKeyId: string;
  accountId: string;
  /**
   * Every principal the authenticator makes has one. Optional only for the instance gateway's
   * application access point (src/gateway/operations.ts builds its own, outside this module's
   * reach for now): read it through `principalType`.
   */
  type?: PrincipalType;
  /** Display name: a RAM user's DisplayName, `<role>/<session>`, or the name a seed gives a root pair. */
  name?: string;
  /** A RAM user (SubUser). */
  userName?: string;
  userId?: string;
  /** An STS session (AssumedRoleUser). */
  roleName?: string;
  roleId?: string;
  sessionName?: string;
}

/** A principal without a type is its account's (see `Principal.type`). */
export function principalType(principal: Principal): PrincipalType {
  return principal.type ?? 'Root';
}

/** What the authenticator needs to check a signature made with one AccessKeyId. */
export interface Credential {
  secret: string;
  principal: Principal;
  /** An AccessKey set Inactive (UpdateAccessKey) is refused at once. */
  inactive?: boolean;
  /** An STS credential: the token the request must carry, and when it stops working (virtual ms). */
  securityToken?: string;
  expiresAt?: number;
}

export type CredentialLookup = (accessKeyId: string) => Credential | undefined;

/** Built-in root pairs (configuration, not records): they survive a reset and are never exported. */
export class Credentials {
  private readonly pairs = new Map<string, Credential>();

  constructor(env: Record<string, string | undefined> = {}) {
    this.add({
      accessKeyId: DEFAULT_ACCESS_KEY_ID,
      secret: DEFAULT_ACCESS_KEY_SECRET,
      accountId: DEFAULT_ACCOUNT_ID,
    });
    const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    if (id && secret) this.add({ accessKeyId: id, secret, accountId: DEFAULT_ACCOUNT_ID });
  }

  /** Trusts one more root pair in memory (programmatic use; seeds write records instead). */
  add(credential: { accessKeyId: string; accountId: string; name?: string; secret: string }): void {
    const principal: Principal = {
      accessKeyId: credential.accessKeyId,
      accountId: credential.accountId,
      type: 'Root',
      ...(credential.name !== undefined ? { name: credential.name } : {}),
    };
    this.pairs.set(credential.accessKeyId, { secret: credential.secret, principal });
  }

  remove(accessKeyId: string): void {
    this.pairs.delete(accessKeyId);
  }

  lookup(accessKeyId: string): Credential | undefined {
    return this.pairs.get(accessKeyId);
  }

  secretOf(accessKeyId: string): string | undefined {
    return this.pairs.get(accessKeyId)?.secret;
  }

  principal(accessKeyId: string): Principal | undefined {
    const found = this.pairs.get(accessKeyId);
    return found && { ...found.principal };
  }

  list(): Principal[] {
    return [...this.pairs.values()].map((c) => ({ ...c.principal }));
  }
}
