/**
 * Access key pairs the emulator trusts, each belonging to an account (UID). Sources: a documented
 * default pair, the pair in ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, and the
 * principals a seed file declares.
 */
export const DEFAULT_ACCESS_KEY_ID = 'LTAIEmulatorAccessKeyId';
export const DEFAULT_ACCESS_KEY_SECRET = 'EmulatorAccessKeySecret';
export const DEFAULT_ACCOUNT_ID = '1234567890123456';

export interface Principal {
  accessKeyId: string;
  accountId: string;
  /** Display name, e.g. a RAM user declared in a seed file. */
  name?: string;
}

interface Credential extends Principal {
  secret: string;
}

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

  add(credential: Principal & { secret: string }): void {
    this.pairs.set(credential.accessKeyId, { ...credential });
  }

  remove(accessKeyId: string): void {
    this.pairs.delete(accessKeyId);
  }

  secretOf(accessKeyId: string): string | undefined {
    return this.pairs.get(accessKeyId)?.secret;
  }

  principal(accessKeyId: string): Principal | undefined {
    const found = this.pairs.get(accessKeyId);
    return found && { accessKeyId: found.accessKeyId, accountId: found.accountId, name: found.name };
  }

  list(): Principal[] {
    return [...this.pairs.values()].map(({ accessKeyId, accountId, name }) => ({
      accessKeyId,
      accountId,
      name,
    }));
  }
}
