import { createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { lazyModule } from '../lazy.js';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { isoSeconds } from './time.js';
import type { Scope, World } from './world.js';
import { issueCertificate } from './x509.js';

const nodeForge = lazyModule<typeof import('node-forge')>('node-forge');

/**
 * Client keys (`KAAP.<uuid>`): the credential of an application access point. CreateClientKey
 * answers the private key and its certificate once, in a PKCS#12 protected by the caller's password
 * (what the console's client key file holds); the emulator keeps only the certificate. Validity
 * (NotBefore/NotAfter) is read on the virtual clock.
 */
export interface ClientKey {
  clientKeyId: string;
  accountId: string;
  regionId: string;
  aapName: string;
  /** The public half: an X.509 certificate (PEM) whose key verifies the gateway signatures. */
  certificatePem: string;
  keyAlgorithm: 'RSA_2048';
  keyOrigin: 'KMS_PROVIDED';
  notBefore: number;
  notAfter: number;
  createTime: number;
}

const FIVE_YEARS_MS = 5 * 365 * 86400_000;
const PASSWORD_CHARS = /^[0-9A-Za-z~!@#$%^&*?_-]{8,64}$/;
/** Client keys are found by ID alone (the gateway's x-kms-acccesskeyid names no account). */
const PARTITION = 'all';

export function checkPassword(password: string): void {
  const kinds = [/[0-9]/, /[a-z]/, /[A-Z]/, /[~!@#$%^&*?_-]/].filter((re) => re.test(password)).length;
  if (!PASSWORD_CHARS.test(password) || kinds < 2) {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "Password" is not valid. Use 8 to 64 characters: digits, letters and ~!@#$%^&*?_-, of at least two kinds.',
    );
  }
}

function parseTime(name: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new KmsError(
      'InvalidParameter',
      `The specified parameter "${name}" is not valid. Use YYYY-MM-DDThh:mm:ssZ (UTC).`,
    );
  }
  return ms;
}

/**
 * The client key file's PrivateKeyData: PKCS#12 (3DES, SHA-1 MAC — readable by every SDK's PKCS#12
 * reader, Go's included) holding the RSA key and its certificate, base64.
 */
function pkcs12(privateKeyPem: string, certificatePem: string, password: string): string {
  // PKCS#12 through node-forge, loaded on the first client key made, not at start-up.
  const forge = nodeForge();
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.certificateFromPem(certificatePem);
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' });
  return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}

export class ClientKeys {
  private readonly table: Table<ClientKey>;

  constructor(private readonly world: World) {
    this.table = world.store.table<ClientKey>('client-keys');
  }

  create(
    scope: Scope,
    input: { aapName: string; password: string; notBefore?: string; notAfter?: string },
  ): { key: ClientKey; privateKeyData: string } {
    this.world.accessPoints.accessPoint(scope, input.aapName);
    checkPassword(input.password);
    if ((input.notBefore === undefined) !== (input.notAfter === undefined)) {
      throw new KmsError(
        'InvalidParameter',
        'The specified parameters "NotBefore" and "NotAfter" must be given together.',
      );
    }
    const now = this.world.now();
    const notBefore = input.notBefore ? parseTime('NotBefore', input.notBefore) : now;
    const notAfter = input.notAfter ? parseTime('NotAfter', input.notAfter) : now + FIVE_YEARS_MS;
    if (notAfter <= notBefore) {
      throw new KmsError('InvalidParameter', 'The specified parameter "NotAfter" must be after NotBefore.');
    }
    const clientKeyId = `KAAP.${this.world.ids.uuid()}`;
    // RSA generation draws from the operating system (it cannot use the injected random source);
    // seeds that need fixed material declare the certificate of a key they hold (see seed sections).
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Self-signed by its own key, valid NotBefore–NotAfter.
    const name = { commonName: clientKeyId, organization: 'Alibaba Cloud KMS (emulator)' };
    const certificatePem = issueCertificate(
      {
        subject: name,
        publicKey: pair.publicKey,
        serial: this.world.random.bytes(16),
        notBefore,
        notAfter,
        ca: false,
      },
      { name, ...pair },
    );
    const key = this.register(scope, {
      clientKeyId,
      aapName: input.aapName,
      certificatePem,
      notBefore,
      notAfter,
    });
    return { key, privateKeyData: pkcs12(privateKeyPem, certificatePem, input.password) };
  }

  /** A client key whose certificate the caller brings (seeds). */
  register(
    scope: Scope,
    input: {
      clientKeyId: string;
      aapName: string;
      certificatePem: string;
      notBefore?: number;
      notAfter?: number;
    },
  ): ClientKey {
    this.world.accessPoints.accessPoint(scope, input.aapName);
    if (!/^KAAP\.[0-9a-zA-Z-]+$/.test(input.clientKeyId)) {
      throw new KmsError('InvalidParameter', `${input.clientKeyId} is not a client key ID (KAAP.<uuid>).`);
    }
    if (this.table.get(PARTITION, input.clientKeyId)) throw new KmsError('Rejected.ResourceExist');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(input.certificatePem);
    } catch {
      throw new KmsError(
        'InvalidParameter',
        `The certificate of ${input.clientKeyId} is not a PEM X.509 certificate.`,
      );
    }
    if (cert.publicKey.asymmetricKeyType !== 'rsa') {
      throw new KmsError(
        'InvalidParameter',
        `The certificate of ${input.clientKeyId} does not hold an RSA key.`,
      );
    }
    const key: ClientKey = {
      clientKeyId: input.clientKeyId,
      accountId: scope.accountId,
      regionId: scope.regionId,
      aapName: input.aapName,
      certificatePem: cert.toString(),
      keyAlgorithm: 'RSA_2048',
      keyOrigin: 'KMS_PROVIDED',
      notBefore: input.notBefore ?? Date.parse(cert.validFrom),
      notAfter: input.notAfter ?? Date.parse(cert.validTo),
      createTime: this.world.now(),
    };
    this.table.put(PARTITION, key.clientKeyId, key);
    return key;
  }

  /** By ID in the caller's account-region (OpenAPI). */
  get(scope: Scope, clientKeyId: string): ClientKey {
    const key = this.table.get(PARTITION, clientKeyId);
    if (!key || key.accountId !== scope.accountId || key.regionId !== scope.regionId) {
      throw new KmsError('Forbidden.ResourceNotFound', `The client key ${clientKeyId} is not found.`, {
        status: 404,
      });
    }
    return key;
  }

  /** By ID alone (the gateway). */
  find(clientKeyId: string): ClientKey | undefined {
    return this.table.get(PARTITION, clientKeyId);
  }

  list(scope: Scope, aapName?: string): ClientKey[] {
    return this.table
      .list(PARTITION)
      .filter((k) => k.accountId === scope.accountId && k.regionId === scope.regionId)
      .filter((k) => aapName === undefined || k.aapName === aapName)
      .sort((a, b) => a.createTime - b.createTime);
  }

  all(): ClientKey[] {
    return this.table.list(PARTITION).sort((a, b) => a.createTime - b.createTime);
  }

  delete(scope: Scope, clientKeyId: string): void {
    this.get(scope, clientKeyId);
    this.table.delete(PARTITION, clientKeyId);
  }

  publicKey(key: ClientKey): KeyObject {
    return createPublicKey(key.certificatePem);
  }

  view(key: ClientKey): Record<string, unknown> {
    return {
      ClientKeyId: key.clientKeyId,
      AapName: key.aapName,
      KeyAlgorithm: key.keyAlgorithm,
      KeyOrigin: key.keyOrigin,
      PublicKeyData: key.certificatePem,
      NotBefore: isoSeconds(key.notBefore),
      NotAfter: isoSeconds(key.notAfter),
      CreateTime: isoSeconds(key.createTime),
    };
  }
}
