import 'reflect-metadata';
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Name as AsnName,
  Certificate,
  Extension,
  Extensions,
  id_ce_subjectKeyIdentifier,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from '@peculiar/asn1-x509';
import { Name } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * The certificate manager through the official pop-core client. A test CA (OpenSSL keys, certificates
 * built with @peculiar/asn1-x509) issues the certificate for the emulator's CSR; OpenSSL checks the
 * CSR's signature, the signatures CertificatePrivateKeySign makes, and encrypts what
 * CertificatePrivateKeyDecrypt must decrypt.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
const caName = AsnConvert.parse(new Name('CN=Test CA,O=kms-emulator,C=CN').toArrayBuffer(), AsnName);

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** The CA signs a certificate for a subject and public key (sha256WithRSAEncryption). */
function certify(subject: AsnName, spki: SubjectPublicKeyInfo, serial: number): string {
  const tbs = new TBSCertificate({
    version: 2,
    // DER: the minimal two's-complement bytes (serials here stay below 0x80000000).
    serialNumber: new Uint8Array(
      Buffer.from(
        serial.toString(16).padStart(serial.toString(16).length + (serial.toString(16).length % 2), '0'),
        'hex',
      ),
    ).buffer,
    signature: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null }),
    issuer: caName,
    validity: new Validity({
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
    }),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      new Extension({
        extnID: id_ce_subjectKeyIdentifier,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(new SubjectKeyIdentifier(skiOf(spki)))),
      }),
    ]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), ca.privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null }),
    signatureValue: new Uint8Array(signature).buffer,
  });
  const b64 = Buffer.from(AsnConvert.serialize(cert)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function skiOf(spki: SubjectPublicKeyInfo): Buffer {
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

/** The CA issues a certificate for the emulator's CSR. */
function issue(csrPem: string, serial = 0x1234abcd): string {
  const info = AsnConvert.parse(pemToDer(csrPem), CertificationRequest).certificationRequestInfo;
  return certify(info.subject, info.subjectPKInfo, serial);
}

/** The CA's own (self-issued) certificate, for the chain. */
function caCertificate(): string {
  return certify(
    caName,
    AsnConvert.parse(ca.publicKey.export({ format: 'der', type: 'spki' }), SubjectPublicKeyInfo),
    1,
  );
}

async function createAndUpload(keySpec: string, sans?: string[]) {
  const created = await kms.call('CreateCertificate', {
    Subject: 'CN=orders.example.com,OU=payments,O=Example,C=CN',
    KeySpec: keySpec,
    ...(sans ? { SubjectAlternativeNames: JSON.stringify(sans) } : {}),
    ExportablePrivateKey: false,
  });
  expect(created.Arn).toBe(
    `acs:kms:cn-hangzhou:${created.Arn.split(':')[3]}:certificate/${created.CertificateId}`,
  );
  const certificate = issue(created.Csr);
  await kms.call('UploadCertificate', {
    CertificateId: created.CertificateId,
    Certificate: certificate,
    CertificateChain: caCertificate(),
  });
  return { id: created.CertificateId as string, csr: created.Csr as string, certificate };
}

describe('CreateCertificate', () => {
  for (const keySpec of ['RSA_2048', 'EC_P256'] as const) {
    it(`${keySpec}: a PKCS#10 request whose signature OpenSSL verifies, with the subject and SANs asked for`, async () => {
      const created = await kms.call('CreateCertificate', {
        Subject: 'CN=api.example.com,O=Example,C=CN',
        KeySpec: keySpec,
        SubjectAlternativeNames: JSON.stringify(['api.example.com', 'www.example.com']),
      });
      expect(created.Csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
      const csr = AsnConvert.parse(pemToDer(created.Csr), CertificationRequest);
      const info = Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo));
      const publicKey = createPublicKey({
        key: Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo.subjectPKInfo)),
        format: 'der',
        type: 'spki',
      });
      expect(verify('sha256', info, publicKey, Buffer.from(csr.signature))).toBe(true);
      expect(new Name(AsnConvert.serialize(csr.certificationRequestInfo.subject)).toString()).toBe(
        'CN=api.example.com, O=Example, C=CN',
      );
      expect(info.includes(Buffer.from('www.example.com'))).toBe(true);
      const described = await kms.call('DescribeCertificate', { CertificateId: created.CertificateId });
      expect(described).toMatchObject({
        CertificateId: created.CertificateId,
        Status: 'PENDING',
        KeySpec: keySpec,
        Subject: 'CN=api.example.com,O=Example,C=CN',
        SubjectAlternativeNames: ['api.example.com', 'www.example.com'],
        ExportablePrivateKey: true,
      });
      expect(described.SubjectPublicKey).toBe(publicKey.export({ format: 'pem', type: 'spki' }));
    });
  }

  it('EC_SM2: a request with the SM2-with-SM3 signature algorithm', async () => {
    const created = await kms.call('CreateCertificate', {
      Subject: 'CN=sm2.example.com,C=CN',
      KeySpec: 'EC_SM2',
    });
    const csr = AsnConvert.parse(pemToDer(created.Csr), CertificationRequest);
    expect(csr.signatureAlgorithm.algorithm).toBe('1.2.156.10197.1.501');
    expect(Buffer.from(csr.signature)[0]).toBe(0x30);
  });

  it('refuses bad subjects, key specs and SAN lists', async () => {
    expect(await kms.fails('CreateCertificate', { Subject: 'O=Example', KeySpec: 'RSA_2048' })).toBe(
      'InvalidParameter',
    );
    expect(await kms.fails('CreateCertificate', { Subject: 'CN=a,C=CN', KeySpec: 'RSA_3072' })).toBe(
      'InvalidParameter',
    );
    expect(
      await kms.fails('CreateCertificate', {
        Subject: 'CN=a,C=CN',
        KeySpec: 'EC_P256',
        SubjectAlternativeNames: JSON.stringify(Array.from({ length: 11 }, (_, i) => `h${i}.example.com`)),
      }),
    ).toBe('InvalidParameter');
    expect(await kms.fails('CreateCertificate', { Subject: 'CN=a,C=CN' })).toBe('MissingParameter');
  });
});

describe('UploadCertificate, GetCertificate, DescribeCertificate', () => {
  it('stores the issued certificate and chain, and describes what the certificate says', async () => {
    const { id, csr, certificate } = await createAndUpload('RSA_2048', ['orders.example.com']);
    const got = await kms.call('GetCertificate', { CertificateId: id });
    expect(got).toMatchObject({ CertificateId: id, Certificate: certificate, Csr: csr });
    expect(new X509Certificate(got.CertificateChain).subject).toContain('CN=Test CA');
    const described = await kms.call('DescribeCertificate', { CertificateId: id });
    const x509 = new X509Certificate(certificate);
    expect(described).toMatchObject({
      Status: 'ACTIVE',
      Serial: '1234abcd',
      Issuer: 'CN=Test CA,O=kms-emulator,C=CN',
      NotBefore: '2026-01-01T00:00:00Z',
      NotAfter: '2027-01-01T00:00:00Z',
      SignatureAlgorithm: 'RSA2048-SHA256',
      ExportablePrivateKey: false,
    });
    const spki = AsnConvert.parse(
      x509.publicKey.export({ format: 'der', type: 'spki' }),
      SubjectPublicKeyInfo,
    );
    const expectedSki = [...skiOf(spki)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    expect(described.SubjectKeyIdentifier).toBe(expectedSki);
    expect(x509.serialNumber.toLowerCase()).toBe(described.Serial);
  });

  it('refuses a certificate for another key, garbage, and unknown IDs', async () => {
    const a = await kms.call('CreateCertificate', { Subject: 'CN=a,C=CN', KeySpec: 'EC_P256' });
    const b = await kms.call('CreateCertificate', { Subject: 'CN=b,C=CN', KeySpec: 'EC_P256' });
    expect(
      await kms.fails('UploadCertificate', { CertificateId: a.CertificateId, Certificate: issue(b.Csr) }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('UploadCertificate', { CertificateId: a.CertificateId, Certificate: 'not a pem' }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('UploadCertificate', {
        CertificateId: a.CertificateId,
        Certificate: issue(a.Csr),
        CertificateChain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      }),
    ).toBe('InvalidParameter');
    const unknown = { CertificateId: '00000000-0000-4000-8000-000000000000' };
    expect(await kms.fails('DescribeCertificate', unknown)).toBe('Certificate.NotFound');
    expect(await kms.fails('GetCertificate', unknown)).toBe('Certificate.NotFound');
    expect(await kms.fails('DeleteCertificate', unknown)).toBe('Certificate.NotFound');
    expect(await kms.fails('UpdateCertificateStatus', { ...unknown, Status: 'ACTIVE' })).toBe(
      'Certificate.NotFound',
    );
    expect(
      await kms.fails('CertificatePrivateKeySign', {
        ...unknown,
        Algorithm: 'ECDSA_SHA_256',
        MessageType: 'RAW',
        Message: 'aGk=',
      }),
    ).toBe('Certificate.NotFound');
    expect(
      await kms.fails('CertificatePublicKeyEncrypt', {
        ...unknown,
        Algorithm: 'RSAES_OAEP_SHA_256',
        Plaintext: 'aGk=',
      }),
    ).toBe('Certificate.NotFound');
    expect(
      await kms.fails('CertificatePrivateKeyDecrypt', {
        ...unknown,
        Algorithm: 'RSAES_OAEP_SHA_256',
        CiphertextBlob: 'aGk=',
      }),
    ).toBe('Certificate.NotFound');
    // A PENDING certificate (not uploaded) cannot sign yet.
    expect(
      await kms.fails('CertificatePrivateKeySign', {
        CertificateId: b.CertificateId,
        Algorithm: 'ECDSA_SHA_256',
        MessageType: 'RAW',
        Message: 'aGk=',
      }),
    ).toBe('InvalidParameter');
  });
});

describe('certificate private-key operations', () => {
  const message = Buffer.from('contract v7, signed');
  for (const [keySpec, algorithm, options] of [
    ['RSA_2048', 'RSA_PKCS1_SHA_256', {}],
    [
      'RSA_2048',
      'RSA_PSS_SHA_256',
      { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
    ],
    ['EC_P256', 'ECDSA_SHA_256', {}],
  ] as const) {
    it(`${keySpec} ${algorithm}: OpenSSL verifies RAW and DIGEST signatures with the certificate's public key`, async () => {
      const { id, certificate } = await createAndUpload(keySpec);
      const key = new X509Certificate(certificate).publicKey;
      const raw = await kms.call('CertificatePrivateKeySign', {
        CertificateId: id,
        Algorithm: algorithm,
        MessageType: 'RAW',
        Message: message.toString('base64'),
      });
      expect(verify('sha256', message, { key, ...options }, Buffer.from(raw.SignatureValue, 'base64'))).toBe(
        true,
      );
      const digest = createHash('sha256').update(message).digest();
      const fromDigest = await kms.call('CertificatePrivateKeySign', {
        CertificateId: id,
        Algorithm: algorithm,
        MessageType: 'DIGEST',
        Message: digest.toString('base64'),
      });
      expect(
        verify('sha256', message, { key, ...options }, Buffer.from(fromDigest.SignatureValue, 'base64')),
      ).toBe(true);
      const check = (value: string, msg = message) =>
        kms.call('CertificatePublicKeyVerify', {
          CertificateId: id,
          Algorithm: algorithm,
          MessageType: 'RAW',
          Message: msg.toString('base64'),
          SignatureValue: value,
        });
      expect((await check(raw.SignatureValue)).SignatureValid).toBe(true);
      expect((await check(raw.SignatureValue, Buffer.from('contract v8'))).SignatureValid).toBe(false);

      // Revoked: verify only.
      await kms.call('UpdateCertificateStatus', { CertificateId: id, Status: 'REVOKED' });
      expect((await check(raw.SignatureValue)).SignatureValid).toBe(true);
      expect(
        await kms.fails('CertificatePrivateKeySign', {
          CertificateId: id,
          Algorithm: algorithm,
          MessageType: 'RAW',
          Message: message.toString('base64'),
        }),
      ).toBe('InvalidParameter');
      expect((await kms.call('DescribeCertificate', { CertificateId: id })).Status).toBe('REVOKED');
      expect(await kms.fails('UpdateCertificateStatus', { CertificateId: id, Status: 'ACTIVE' })).toBe(
        'InvalidParameter',
      );
    });
  }

  it('RSA: decrypts what OpenSSL encrypted to the certificate; encrypt round-trips; INACTIVE refuses', async () => {
    const { id, certificate } = await createAndUpload('RSA_2048');
    const key = new X509Certificate(certificate).publicKey;
    const secret = Buffer.from('session key 0123456789');
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_256', 'sha256'],
      ['RSAES_OAEP_SHA_1', 'sha1'],
    ] as const) {
      const foreign = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret);
      const dec = await kms.call('CertificatePrivateKeyDecrypt', {
        CertificateId: id,
        Algorithm: algorithm,
        CiphertextBlob: foreign.toString('base64'),
      });
      expect(Buffer.from(dec.Plaintext, 'base64')).toEqual(secret);
      const enc = await kms.call('CertificatePublicKeyEncrypt', {
        CertificateId: id,
        Algorithm: algorithm,
        Plaintext: secret.toString('base64'),
      });
      const back = await kms.call('CertificatePrivateKeyDecrypt', {
        CertificateId: id,
        Algorithm: algorithm,
        CiphertextBlob: enc.CiphertextBlob,
      });
      expect(back.Plaintext).toBe(secret.toString('base64'));
    }
    expect(
      await kms.fails('CertificatePublicKeyEncrypt', {
        CertificateId: id,
        Algorithm: 'SM2PKE',
        Plaintext: 'aGk=',
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CertificatePrivateKeyDecrypt', {
        CertificateId: id,
        Algorithm: 'RSAES_OAEP_SHA_256',
        CiphertextBlob: Buffer.alloc(256, 1).toString('base64'),
      }),
    ).toBe('InvalidCiphertext');
    await kms.call('UpdateCertificateStatus', { CertificateId: id, Status: 'INACTIVE' });
    expect(
      await kms.fails('CertificatePublicKeyEncrypt', {
        CertificateId: id,
        Algorithm: 'RSAES_OAEP_SHA_256',
        Plaintext: 'aGk=',
      }),
    ).toBe('InvalidParameter');
    await kms.call('UpdateCertificateStatus', { CertificateId: id, Status: 'ACTIVE' });
    await kms.call('DeleteCertificate', { CertificateId: id });
    expect(await kms.fails('GetCertificate', { CertificateId: id })).toBe('Certificate.NotFound');
  });

  it('EC_SM2: SM2DSA signs and verifies RAW messages; SM2PKE round-trips', async () => {
    const { id } = await createAndUpload('EC_SM2');
    const signed = await kms.call('CertificatePrivateKeySign', {
      CertificateId: id,
      Algorithm: 'SM2DSA',
      MessageType: 'RAW',
      Message: message.toString('base64'),
    });
    const verified = await kms.call('CertificatePublicKeyVerify', {
      CertificateId: id,
      Algorithm: 'SM2DSA',
      MessageType: 'RAW',
      Message: message.toString('base64'),
      SignatureValue: signed.SignatureValue,
    });
    expect(verified.SignatureValid).toBe(true);
    const enc = await kms.call('CertificatePublicKeyEncrypt', {
      CertificateId: id,
      Algorithm: 'SM2PKE',
      Plaintext: message.toString('base64'),
    });
    const dec = await kms.call('CertificatePrivateKeyDecrypt', {
      CertificateId: id,
      Algorithm: 'SM2PKE',
      CiphertextBlob: enc.CiphertextBlob,
    });
    expect(dec.Plaintext).toBe(message.toString('base64'));
    expect(
      await kms.fails('CertificatePrivateKeySign', {
        CertificateId: id,
        Algorithm: 'SM2DSA',
        MessageType: 'RAW',
        Message: Buffer.alloc(4096).toString('base64'),
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('CertificatePrivateKeySign', {
        CertificateId: id,
        Algorithm: 'SM2DSA',
        MessageType: 'DIGEST',
        Message: Buffer.alloc(20).toString('base64'),
      }),
    ).toBe('InvalidParameter');
  });
});
