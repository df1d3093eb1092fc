import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Table } from '../store/store.js';
import { unwrapMaterial, wrapMaterial } from './crypto.js';
import { generateMaterial } from './key-specs.js';
import type { Random } from './random.js';
import { type Issuer, issueCertificate } from './x509.js';

/**
 * Certificate authorities of KMS instances. One emulator root signs one CA per instance;
 * GetKmsInstance answers the instance CA and the root as CaCertificateChainPem, which the KMS
 * Instance SDKs take as their trust file. The gateway's TLS certificates come from here:
 * `<kst-id>.cryptoservice.kms.aliyuncs.com` (by SNI) is issued by that instance's CA; a connection
 * that names no instance (an IP address, localhost) gets a loopback certificate issued by the root,
 * which every instance's chain therefore verifies. CA keys are sealed at rest under the master key.
 * Validity is fixed and wide (2020–2099): TLS clients check it on the wall clock, and the virtual
 * clock may be anywhere.
 */
const NOT_BEFORE = Date.UTC(2020, 0, 1);
const NOT_AFTER = Date.UTC(2099, 11, 31);
const ORGANIZATION = 'Alibaba Cloud KMS (emulator)';
const PARTITION = 'all';
export const INSTANCE_HOST_SUFFIX = '.cryptoservice.kms.aliyuncs.com';
const LOOPBACK_NAMES = ['localhost'];
const LOOPBACK_IPS = ['127.0.0.1', '::1'];

interface StoredAuthority {
  certificatePem: string;
  /** PKCS#8 PEM, wrapped under the master key. */
  wrappedKey: string;
}

export interface TlsIdentity {
  key: string;
  /** Leaf certificate followed by its issuing CA. */
  cert: string;
}

export class InstanceCertificates {
  private readonly table: Table<StoredAuthority>;
  private readonly leaves = new Map<string, TlsIdentity>();

  constructor(
    store: { table<T>(name: string): Table<T> },
    private readonly random: Random,
    private readonly masterKey: Buffer,
  ) {
    this.table = store.table<StoredAuthority>('instance-ca');
  }

  /** A P-256 key drawn from the injected random source: a random seed reproduces every CA key. */
  private newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
    const privateKey = createPrivateKey({
      key: generateMaterial('EC_P256', this.random),
      format: 'der',
      type: 'pkcs8',
    });
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }

  private save(id: string, certificatePem: string, privateKey: KeyObject): void {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.table.put(PARTITION, id, {
      certificatePem,
      wrappedKey: wrapMaterial(this.masterKey, Buffer.from(pem), this.random),
    });
  }

  private load(id: string): { certificatePem: string; privateKey: KeyObject } | undefined {
    const stored = this.table.get(PARTITION, id);
    if (!stored) return undefined;
    const pem = unwrapMaterial(this.masterKey, stored.wrappedKey).toString();
    return { certificatePem: stored.certificatePem, privateKey: createPrivateKey(pem) };
  }

  private authority(id: string, commonName: string, parent: Issuer | undefined): Issuer & { pem: string } {
    const existing = this.load(id);
    if (existing) {
      return {
        name: { commonName, organization: ORGANIZATION },
        privateKey: existing.privateKey,
        publicKey: createPublicKey(existing.privateKey),
        pem: existing.certificatePem,
      };
    }
    const pair = this.newKey();
    const self: Issuer = { name: { commonName, organization: ORGANIZATION }, ...pair };
    const pem = issueCertificate(
      {
        subject: self.name,
        publicKey: pair.publicKey,
        serial: this.random.bytes(16),
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        ca: true,
      },
      parent ?? self,
    );
    this.save(id, pem, pair.privateKey);
    return { ...self, pem };
  }

  private root(): Issuer & { pem: string } {
    return this.authority('root', 'KMS emulator root CA', undefined);
  }

  private instanceAuthority(instanceId: string): Issuer & { pem: string } {
    return this.authority(`instance:${instanceId}`, `${instanceId} CA`, this.root());
  }

  /** CaCertificateChainPem of GetKmsInstance: the instance CA, then the root. */
  chainPem(instanceId: string): string {
    return `${this.instanceAuthority(instanceId).pem}${this.root().pem}`;
  }

  /** The root certificate: it verifies every gateway certificate. */
  rootPem(): string {
    return this.root().pem;
  }

  /** The TLS key and certificate chain for an instance's host name, or (no instance) for loopback. */
  tlsIdentity(instanceId?: string): TlsIdentity {
    const root = this.root();
    const issuer = instanceId ? this.instanceAuthority(instanceId) : root;
    const cacheKey = `${createHash('sha256').update(root.pem).digest('hex')}:${instanceId ?? ''}`;
    const cached = this.leaves.get(cacheKey);
    if (cached) return cached;
    const pair = this.newKey();
    const host = instanceId ? `${instanceId}${INSTANCE_HOST_SUFFIX}` : 'localhost';
    const leaf = issueCertificate(
      {
        subject: { commonName: host, organization: ORGANIZATION },
        publicKey: pair.publicKey,
        serial: this.random.bytes(16),
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        ca: false,
        dnsNames: instanceId ? [host, ...LOOPBACK_NAMES] : LOOPBACK_NAMES,
        ipAddresses: LOOPBACK_IPS,
      },
      issuer,
    );
    const identity: TlsIdentity = {
      key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      cert: instanceId ? `${leaf}${issuer.pem}` : leaf,
    };
    this.leaves.set(cacheKey, identity);
    return identity;
  }
}
