import { createHash } from 'node:crypto';
import type { Name as AsnName, Certificate } from '@peculiar/asn1-x509';
import { lazyModule } from '../lazy.js';
import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import {
  checkEncryptionAlgorithm,
  checkSigningAlgorithm,
  DIGEST_BYTES,
  decryptWith,
  encryptWith,
  publicKeyDer,
  publicKeyPem,
  signDigest,
  signMessage,
  verifyDigest,
  verifyMessage,
} from './asymmetric.js';
import { unwrapMaterial, wrapMaterial } from './crypto.js';
import { formatDistinguishedName, nameField, parseDistinguishedName } from './dn.js';
import { type AsymmetricSpec, generateMaterial } from './key-specs.js';
import { partitionOf, type Scope, type World } from './world.js';

// X.509 and PKCS#10 only for the certificate operations: loaded on first use, not at start-up.
const asn1Csr = lazyModule<typeof import('@peculiar/asn1-csr')>('@peculiar/asn1-csr');
const asn1Schema = lazyModule<typeof import('@peculiar/asn1-schema')>('@peculiar/asn1-schema');
const asn1X509 = lazyModule<typeof import('@peculiar/asn1-x509')>('@peculiar/asn1-x509');

/**
 * Certificates (the certificate manager of KMS): a key pair held by the service, a PKCS#10 request
 * for it, then the certificate and chain a CA issued, uploaded back. The private key signs and
 * decrypts; the status gates what the key may do (REVOKED: verify only).
 */
export type CertificateStatus = 'PENDING' | 'ACTIVE' | 'INACTIVE' | 'REVOKED';
export type CertificateKeySpec = 'RSA_2048' | 'EC_P256' | 'EC_SM2';
const CERTIFICATE_SPECS: CertificateKeySpec[] = ['RSA_2048', 'EC_P256', 'EC_SM2'];

export interface CertificateRecord {
  certificateId: string;
  accountId: string;
  regionId: string;
  keySpec: CertificateKeySpec;
  subject: string;
  subjectAlternativeNames: string[];
  exportablePrivateKey: boolean;
  /** PKCS#8 DER of the private key, wrapped under the master key. */
  wrappedPrivateKey: string;
  csr: string;
  certificate?: string;
  certificateChain?: string;
  status: CertificateStatus;
  createdAt: number;
  updatedAt: number;
}

const SIGNATURE_OIDS: Record<CertificateKeySpec, { oid: string; name: string; algorithm: string }> = {
  RSA_2048: { oid: '1.2.840.113549.1.1.11', name: 'RSA2048-SHA256', algorithm: 'RSA_PKCS1_SHA_256' },
  EC_P256: { oid: '1.2.840.10045.4.3.2', name: 'ECDSA-SHA256', algorithm: 'ECDSA_SHA_256' },
  EC_SM2: { oid: '1.2.156.10197.1.501', name: 'SM2-SM3', algorithm: 'SM2DSA' },
};

/** Signature algorithm names of an uploaded certificate, as DescribeCertificate gives them. */
const SIGNATURE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'RSA2048-SHA256',
  '1.2.840.10045.4.3.2': 'ECDSA-SHA256',
  '1.2.156.10197.1.501': 'SM2-SM3',
};

const MAX_RAW_MESSAGE = 4096;

function invalid(name: string, reason: string): KmsError {
  return new KmsError('InvalidParameter', `The specified parameter "${name}" is not valid: ${reason}`);
}

function pem(label: string, der: ArrayBuffer | Buffer): string {
  const body = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  return `-----BEGIN ${label}-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

function pemBlocks(text: string, label: string): Buffer[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map((m) => Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64'));
}

/** "CN=a,C=CN" (RFC 4514) → a DER Name; CN and C are required. */
function parseSubject(subject: string): AsnName {
  let name: AsnName;
  try {
    name = parseDistinguishedName(subject);
  } catch {
    throw invalid('Subject', 'it must be a distinguished name such as CN=name,C=CN.');
  }
  if (nameField(name, 'CN').length === 0 || nameField(name, 'C').length === 0) {
    throw invalid('Subject', 'CN and C are required.');
  }
  return name;
}

export class CertificateService {
  private readonly table: Table<CertificateRecord>;

  constructor(
    private readonly world: World,
    private readonly masterKey: Buffer,
  ) {
    this.table = world.store.table<CertificateRecord>('certificates');
    world.tags.registerResourceType('certificate', (scope, id) => this.find(scope, id).certificateId);
  }

  arn(record: CertificateRecord): string {
    return `acs:kms:${record.regionId}:${record.accountId}:certificate/${record.certificateId}`;
  }

  create(
    scope: Scope,
    options: {
      subject: string;
      subjectAlternativeNames?: unknown[];
      keySpec: string;
      exportablePrivateKey?: boolean;
    },
  ): CertificateRecord {
    if (!CERTIFICATE_SPECS.includes(options.keySpec as CertificateKeySpec)) {
      throw invalid('KeySpec', CERTIFICATE_SPECS.join(', '));
    }
    const keySpec = options.keySpec as CertificateKeySpec;
    const sans = (options.subjectAlternativeNames ?? []).map(String);
    if (sans.length > 10) throw invalid('SubjectAlternativeNames', 'at most 10 domain names.');
    if (sans.some((s) => !/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(s))) {
      throw invalid('SubjectAlternativeNames', 'a JSON array of domain names.');
    }
    const subject = parseSubject(options.subject);
    const pkcs8 = generateMaterial(keySpec, this.world.random);
    const now = this.world.now();
    const record: CertificateRecord = {
      certificateId: this.world.ids.uuid(),
      accountId: scope.accountId,
      regionId: scope.regionId,
      keySpec,
      subject: formatDistinguishedName(subject),
      subjectAlternativeNames: sans,
      exportablePrivateKey: options.exportablePrivateKey ?? true,
      wrappedPrivateKey: wrapMaterial(this.masterKey, pkcs8, this.world.random),
      csr: this.csr(keySpec, pkcs8, subject, sans),
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
    };
    this.table.put(partitionOf(scope), record.certificateId, record);
    return record;
  }

  /** PKCS#10, signed by the certificate's own private key. */
  private csr(spec: CertificateKeySpec, pkcs8: Buffer, subject: AsnName, sans: string[]): string {
    const { Attributes, CertificationRequest, CertificationRequestInfo } = asn1Csr();
    const { AsnConvert, OctetString } = asn1Schema();
    const {
      AlgorithmIdentifier,
      Attribute,
      Extension,
      Extensions,
      GeneralName,
      id_ce_subjectAltName,
      SubjectAlternativeName,
      SubjectPublicKeyInfo,
    } = asn1X509();
    const attributes = new Attributes();
    if (sans.length > 0) {
      const extensions = new Extensions([
        new Extension({
          extnID: id_ce_subjectAltName,
          critical: false,
          extnValue: new OctetString(
            AsnConvert.serialize(
              new SubjectAlternativeName(sans.map((dNSName) => new GeneralName({ dNSName }))),
            ),
          ),
        }),
      ]);
      attributes.push(
        new Attribute({ type: '1.2.840.113549.1.9.14', values: [AsnConvert.serialize(extensions)] }),
      );
    }
    const info = new CertificationRequestInfo({
      version: 0,
      subject,
      subjectPKInfo: AsnConvert.parse(publicKeyDer(pkcs8), SubjectPublicKeyInfo),
      attributes,
    });
    const tbs = Buffer.from(AsnConvert.serialize(info));
    const { oid, algorithm } = SIGNATURE_OIDS[spec];
    const signature = signMessage(spec, pkcs8, algorithm, tbs, this.world.random);
    const request = new CertificationRequest({
      certificationRequestInfo: info,
      signatureAlgorithm: new AlgorithmIdentifier({
        algorithm: oid,
        parameters: spec === 'RSA_2048' ? null : undefined,
      }),
      signature: new Uint8Array(signature).buffer,
    });
    return pem('CERTIFICATE REQUEST', AsnConvert.serialize(request));
  }

  find(scope: Scope, certificateId: string): CertificateRecord {
    const record = this.table.get(partitionOf(scope), certificateId);
    if (!record) throw new KmsError('Certificate.NotFound', undefined, { status: 404 });
    return record;
  }

  private save(record: CertificateRecord): void {
    record.updatedAt = this.world.now();
    this.table.put(partitionOf(record), record.certificateId, record);
  }

  private privateKey(record: CertificateRecord): Buffer {
    return unwrapMaterial(this.masterKey, record.wrappedPrivateKey);
  }

  /** Imports the issued certificate: it must certify this certificate's key pair. */
  upload(scope: Scope, certificateId: string, certificatePem: string, chainPem?: string): void {
    const record = this.find(scope, certificateId);
    const [der, ...extra] = pemBlocks(certificatePem, 'CERTIFICATE');
    if (!der || extra.length > 0) throw invalid('Certificate', 'one PEM certificate.');
    const { AsnConvert } = asn1Schema();
    const { Certificate } = asn1X509();
    let certificate: Certificate;
    try {
      certificate = AsnConvert.parse(der, Certificate);
    } catch {
      throw invalid('Certificate', 'it is not an X.509 certificate.');
    }
    const certified = Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
    if (!certified.equals(publicKeyDer(this.privateKey(record)))) {
      throw invalid('Certificate', "its public key is not this certificate's key pair.");
    }
    let chain = '';
    if (chainPem?.trim()) {
      const blocks = pemBlocks(chainPem, 'CERTIFICATE');
      if (blocks.length === 0) throw invalid('CertificateChain', 'PEM certificates.');
      for (const block of blocks) {
        try {
          AsnConvert.parse(block, Certificate);
        } catch {
          throw invalid('CertificateChain', 'it holds something that is not an X.509 certificate.');
        }
      }
      chain = blocks.map((b) => pem('CERTIFICATE', b)).join('');
    }
    record.certificate = pem('CERTIFICATE', der);
    record.certificateChain = chain;
    if (record.status === 'PENDING') record.status = 'ACTIVE';
    this.save(record);
  }

  setStatus(scope: Scope, certificateId: string, status: string): void {
    const record = this.find(scope, certificateId);
    if (!['ACTIVE', 'INACTIVE', 'REVOKED'].includes(status))
      throw invalid('Status', 'ACTIVE, INACTIVE or REVOKED.');
    if (record.status === 'PENDING') {
      throw new KmsError('InvalidParameter', 'The certificate is PENDING: upload its certificate first.');
    }
    if (record.status === 'REVOKED' && status !== 'REVOKED') {
      throw new KmsError('InvalidParameter', 'A revoked certificate stays revoked.');
    }
    record.status = status as CertificateStatus;
    this.save(record);
  }

  delete(scope: Scope, certificateId: string): void {
    this.find(scope, certificateId);
    this.world.tags.forget(scope, 'certificate', certificateId);
    this.table.delete(partitionOf(scope), certificateId);
  }

  private usable(record: CertificateRecord, allowed: CertificateStatus[], what: string): void {
    if (!allowed.includes(record.status)) {
      throw new KmsError('InvalidParameter', `The certificate is ${record.status}: it cannot ${what}.`);
    }
  }

  private message(spec: AsymmetricSpec, algorithm: string, messageType: string, message: Buffer) {
    checkSigningAlgorithm(spec, algorithm);
    if (messageType === 'RAW') {
      if (message.length >= MAX_RAW_MESSAGE) throw invalid('Message', 'a RAW message is less than 4 KB.');
      return 'RAW';
    }
    if (messageType === 'DIGEST') {
      if (message.length !== DIGEST_BYTES) throw invalid('Message', `a ${algorithm} digest is 32 bytes.`);
      return 'DIGEST';
    }
    throw invalid('MessageType', 'RAW or DIGEST.');
  }

  sign(scope: Scope, certificateId: string, algorithm: string, messageType: string, message: Buffer): Buffer {
    const record = this.find(scope, certificateId);
    const type = this.message(record.keySpec, algorithm, messageType, message);
    this.usable(record, ['ACTIVE'], 'sign');
    const pkcs8 = this.privateKey(record);
    return type === 'RAW'
      ? signMessage(record.keySpec, pkcs8, algorithm, message, this.world.random)
      : signDigest(record.keySpec, pkcs8, algorithm, message, this.world.random);
  }

  verify(
    scope: Scope,
    certificateId: string,
    algorithm: string,
    messageType: string,
    message: Buffer,
    signature: Buffer,
  ): boolean {
    const record = this.find(scope, certificateId);
    const type = this.message(record.keySpec, algorithm, messageType, message);
    this.usable(record, ['ACTIVE', 'REVOKED'], 'verify');
    const spki = publicKeyDer(this.privateKey(record));
    return type === 'RAW'
      ? verifyMessage(record.keySpec, spki, algorithm, message, signature)
      : verifyDigest(record.keySpec, spki, algorithm, message, signature);
  }

  encrypt(scope: Scope, certificateId: string, algorithm: string, plaintext: Buffer): Buffer {
    const record = this.find(scope, certificateId);
    checkEncryptionAlgorithm(record.keySpec, algorithm);
    this.usable(record, ['ACTIVE'], 'encrypt');
    return encryptWith(
      record.keySpec,
      publicKeyDer(this.privateKey(record)),
      algorithm,
      plaintext,
      this.world.random,
    );
  }

  decrypt(scope: Scope, certificateId: string, algorithm: string, ciphertext: Buffer): Buffer {
    const record = this.find(scope, certificateId);
    checkEncryptionAlgorithm(record.keySpec, algorithm);
    this.usable(record, ['ACTIVE'], 'decrypt');
    return decryptWith(record.keySpec, this.privateKey(record), algorithm, ciphertext);
  }

  /** What DescribeCertificate reads from the uploaded certificate (empty while PENDING). */
  details(record: CertificateRecord): {
    serial: string;
    issuer: string;
    notBefore?: number;
    notAfter?: number;
    signatureAlgorithm: string;
    subjectKeyIdentifier: string;
    subjectPublicKey: string;
  } {
    const pkcs8 = this.privateKey(record);
    const base = {
      serial: '',
      issuer: '',
      signatureAlgorithm: SIGNATURE_OIDS[record.keySpec].name,
      subjectKeyIdentifier: '',
      subjectPublicKey: publicKeyPem(pkcs8),
    };
    const der = record.certificate ? pemBlocks(record.certificate, 'CERTIFICATE')[0] : undefined;
    if (!der) return base;
    const { AsnConvert } = asn1Schema();
    const { Certificate, id_ce_subjectKeyIdentifier, SubjectKeyIdentifier } = asn1X509();
    const certificate = AsnConvert.parse(der, Certificate);
    const tbs = certificate.tbsCertificate;
    const skiExtension = tbs.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
    const ski = skiExtension
      ? Buffer.from(AsnConvert.parse(skiExtension.extnValue.buffer, SubjectKeyIdentifier).buffer)
      : createHash('sha1').update(Buffer.from(tbs.subjectPublicKeyInfo.subjectPublicKey)).digest();
    const serialBytes = Buffer.from(tbs.serialNumber);
    return {
      serial: (serialBytes[0] === 0 && serialBytes.length > 1
        ? serialBytes.subarray(1)
        : serialBytes
      ).toString('hex'),
      issuer: formatDistinguishedName(tbs.issuer),
      notBefore: tbs.validity.notBefore.getTime().getTime(),
      notAfter: tbs.validity.notAfter.getTime().getTime(),
      signatureAlgorithm:
        SIGNATURE_NAMES[certificate.signatureAlgorithm.algorithm] ?? certificate.signatureAlgorithm.algorithm,
      subjectKeyIdentifier: [...ski].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '),
      subjectPublicKey: base.subjectPublicKey,
    };
  }
}
