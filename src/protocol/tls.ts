import { webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/**
 * TLS material clients can trust without surgery: a local certificate authority (RSA 2048,
 * SHA-256), made once and kept in a directory (beside the state file), which issues the listener's
 * certificate. A client is told to trust the CA file (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, a Java
 * trust store …) once, and every certificate the emulator issues later verifies.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY = 24 * 3600 * 1000;

export interface LocalCa {
  /** PEM of the CA certificate. */
  certPem: string;
  keyPem: string;
  /** Where the CA certificate is kept (give this file to clients). */
  certPath: string;
  keyPath: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** The leaf followed by the CA, as a TLS server presents it. */
  chainPem: string;
}

export const CA_CERT_FILE = 'kms-emulator-ca.pem';
export const CA_KEY_FILE = 'kms-emulator-ca-key.pem';

/** The CA kept in `dir` (created on first use, key mode 0600). */
export async function getOrCreateLocalCa(dir: string): Promise<LocalCa> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return {
      certPem: readFileSync(certPath, 'utf8'),
      keyPem: readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
    };
  }
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kms-emulator local CA, O=alibaba-kms-emulator',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = await privateKeyPem(keys.privateKey);
  mkdirSync(dir, { recursive: true });
  writeAtomically(keyPath, keyPem, 0o600);
  writeAtomically(certPath, certPem, 0o644);
  return { certPem, keyPem, certPath, keyPath };
}

/** A server certificate for `sans` (DNS names, `*.` wildcards, IPv4/IPv6 addresses) signed by `ca`. */
export async function issueServerCert(ca: LocalCa, sans: readonly string[]): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.keyPem), ALGORITHM, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const firstName = sans.find((s) => isIP(s) === 0) ?? 'localhost';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${firstName}`,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    // Under 398 days: what browsers and Apple's TLS stack accept for a leaf.
    notAfter: new Date(now + 397 * DAY),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        sans.map((name) =>
          isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name },
        ),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return { certPem, keyPem: await privateKeyPem(keys.privateKey), chainPem: `${certPem}\n${ca.certPem}` };
}

/**
 * The names the emulator's listener answers for: loopback, the regional KMS endpoints (public and
 * VPC) of `regions`, the KMS instance endpoints, and any extra names.
 */
export function defaultServerSans(regions: readonly string[], extra: readonly string[] = []): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  for (const region of regions) {
    names.add(`kms.${region}.aliyuncs.com`);
    names.add(`kms-vpc.${region}.aliyuncs.com`);
  }
  names.add('*.cryptoservice.kms.aliyuncs.com');
  for (const name of extra) if (name && name !== '0.0.0.0' && name !== '::') names.add(name);
  return [...names];
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function writeAtomically(path: string, text: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
