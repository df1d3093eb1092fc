import type { Store } from '../store/store.js';
import { AccessPoints } from './access-points.js';
import { AccountDirectory } from './accounts.js';
import { AsymmetricKeys } from './asymmetric.js';
import { BackingResources } from './backing.js';
import { CertificateService } from './certificates.js';
import { ChallengeSigner } from './challenge.js';
import { ClientKeys } from './client-keys.js';
import type { VirtualClock } from './clock.js';
import { ManagedDataKeys } from './data-keys.js';
import { IdFactory } from './ids.js';
import { InstanceCertificates } from './instance-ca.js';
import { InstanceService } from './instances.js';
import { KeyImport } from './key-import.js';
import { KeyService } from './keys.js';
import { MacKeys } from './mac.js';
import { RamDirectory } from './ram/directory.js';
import { Identities } from './ram/identities.js';
import type { Random } from './random.js';
import { ManagedSecrets } from './rotation.js';
import { Scheduler } from './scheduler.js';
import { SecretService } from './secrets.js';
import { TagService } from './tags.js';

/** An account's resources in one region: the partition every regional resource lives in. */
export interface Scope {
  accountId: string;
  regionId: string;
}

export function partitionOf(scope: Scope): string {
  return `${scope.accountId}/${scope.regionId}`;
}

/**
 * The domain: every service of the emulated cloud, sharing one clock, one random source, one store
 * and one scheduler. Nothing here knows HTTP.
 */
export class World {
  readonly ids: IdFactory;
  readonly scheduler: Scheduler;
  readonly accounts: AccountDirectory;
  /** Root pairs, RAM users and their AccessKeys, STS sessions: account-wide, not regional. */
  readonly identities: Identities;
  /** RAM's groups, roles, custom policies and attachments (account-wide). */
  readonly ram: RamDirectory;
  readonly instances: InstanceService;
  readonly keys: KeyService;
  readonly keyImport: KeyImport;
  readonly asymmetric: AsymmetricKeys;
  readonly macs: MacKeys;
  readonly certificates: CertificateService;
  readonly tags: TagService;
  readonly secrets: SecretService;
  readonly backing: BackingResources;
  readonly managed: ManagedSecrets;
  readonly accessPoints: AccessPoints;
  readonly clientKeys: ClientKeys;
  readonly instanceCa: InstanceCertificates;
  readonly dataKeys: ManagedDataKeys;
  readonly challenges: ChallengeSigner;

  /** `masterKey` wraps key material at rest; without one it is drawn from `random` (in-memory state). */
  constructor(
    readonly clock: VirtualClock,
    readonly random: Random,
    readonly store: Store,
    masterKey?: Buffer,
  ) {
    this.ids = new IdFactory(random);
    this.scheduler = new Scheduler(store, clock);
    this.accounts = new AccountDirectory(store);
    this.instances = new InstanceService(this);
    this.tags = new TagService(this);
    const wrappingKey = masterKey ?? random.bytes(32);
    this.identities = new Identities(store, clock, random, wrappingKey);
    this.ram = new RamDirectory(store, clock, this.identities);
    this.keys = new KeyService(this, wrappingKey);
    this.keyImport = new KeyImport(this, wrappingKey);
    this.asymmetric = new AsymmetricKeys(this.keys, random);
    this.macs = new MacKeys(this.keys);
    this.certificates = new CertificateService(this, wrappingKey);
    this.tags.registerResourceType('key', (scope, id) => this.keys.resolve(scope, id).keyId);
    this.secrets = new SecretService(this);
    this.backing = new BackingResources(this, wrappingKey);
    this.managed = new ManagedSecrets(this, this.secrets, this.backing);
    this.accessPoints = new AccessPoints(this);
    this.clientKeys = new ClientKeys(this);
    this.instanceCa = new InstanceCertificates(store, random, wrappingKey);
    this.dataKeys = new ManagedDataKeys(this);
    this.challenges = new ChallengeSigner(store, random, wrappingKey, clock);
  }

  now(): number {
    return this.clock.now();
  }
}
