import { createHash, type KeyObject, sign } from 'node:crypto';
import type { Extension, Name } from '@peculiar/asn1-x509';
import { lazyModule } from '../lazy.js';

// Loaded on the first certificate issued (instance CA, TLS, client key), not at start-up.
const asn1Schema = lazyModule<typeof import('@peculiar/asn1-schema')>('@peculiar/asn1-schema');
const asn1X509 = lazyModule<typeof import('@peculiar/asn1-x509')>('@peculiar/asn1-x509');

/**
 * Issues X.509 certificates synchronously (ECDSA or RSA issuers, SHA-256), for the KMS instance CAs,
 * the gateway's TLS certificates and the client keys' certificates: the structures come from @peculiar/asn1-x509, the signature from
 * node:crypto. Synchronous, so an API handler inside its store transaction can make an instance CA.
 */
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const RSA_SHA256 = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

export interface Issuer {
  name: { commonName: string; organization?: string };
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateRequest {
  subject: { commonName: string; organization?: string };
  publicKey: KeyObject;
  serial: Buffer;
  notBefore: number;
  notAfter: number;
  ca: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
}

function name(fields: { commonName: string; organization?: string }): Name {
  const { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } = asn1X509();
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  const parts = [rdn(COMMON_NAME, fields.commonName)];
  if (fields.organization) parts.unshift(rdn(ORGANIZATION, fields.organization));
  return new Name(parts);
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

function extension(id: string, value: unknown, critical = false): Extension {
  const { AsnConvert, OctetString } = asn1Schema();
  const { Extension } = asn1X509();
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** A fresh ArrayBuffer holding the bytes (the ASN.1 classes take ArrayBuffer, not Buffer). */
function bytes(buffer: Buffer): ArrayBuffer {
  return new Uint8Array(buffer).buffer as ArrayBuffer;
}

function toPem(der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A certificate for `request`, signed by `issuer` (self-signed when the issuer holds its own key). */
export function issueCertificate(request: CertificateRequest, issuer: Issuer): string {
  const { AsnConvert } = asn1Schema();
  const {
    AlgorithmIdentifier,
    AuthorityKeyIdentifier,
    BasicConstraints,
    Certificate,
    ExtendedKeyUsage,
    Extensions,
    GeneralName,
    id_ce_authorityKeyIdentifier,
    id_ce_basicConstraints,
    id_ce_extKeyUsage,
    id_ce_keyUsage,
    id_ce_subjectAltName,
    id_ce_subjectKeyIdentifier,
    id_kp_serverAuth,
    KeyIdentifier,
    KeyUsage,
    KeyUsageFlags,
    SubjectAlternativeName,
    SubjectKeyIdentifier,
    SubjectPublicKeyInfo,
    TBSCertificate,
    Validity,
    Version,
  } = asn1X509();
  const serial = Buffer.from(request.serial);
  // A positive INTEGER whose first byte is not zero: DER wants the minimal encoding.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const extensions = [
    extension(id_ce_basicConstraints, new BasicConstraints({ cA: request.ca }), true),
    extension(
      id_ce_keyUsage,
      new KeyUsage(
        request.ca
          ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
          : KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
      ),
      true,
    ),
    extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(keyId(request.publicKey))),
    extension(
      id_ce_authorityKeyIdentifier,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(issuer.publicKey)) }),
    ),
  ];
  const altNames = [
    ...(request.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(request.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
  ];
  if (altNames.length > 0) {
    extensions.push(extension(id_ce_subjectAltName, new SubjectAlternativeName(altNames)));
    extensions.push(extension(id_ce_extKeyUsage, new ExtendedKeyUsage([id_kp_serverAuth])));
  }
  const algorithm =
    issuer.privateKey.asymmetricKeyType === 'rsa'
      ? new AlgorithmIdentifier({ algorithm: RSA_SHA256, parameters: null })
      : new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: bytes(serial),
    signature: algorithm,
    issuer: name(issuer.name),
    validity: new Validity({ notBefore: new Date(request.notBefore), notAfter: new Date(request.notAfter) }),
    subject: name(request.subject),
    subjectPublicKeyInfo: AsnConvert.parse(
      request.publicKey.export({ type: 'spki', format: 'der' }),
      SubjectPublicKeyInfo,
    ),
    extensions: new Extensions(extensions),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), issuer.privateKey);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: bytes(signature),
  });
  return toPem(AsnConvert.serialize(certificate));
}
