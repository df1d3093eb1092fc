import { isoSeconds } from '../domain/time.js';
import { base64Param } from './asymmetric.js';
import { defineOperations } from './registry.js';

/** The certificate manager: the 10 certificate operations of the bundled spec. */
defineOperations({
  CreateCertificate: (params, { world, scope }) => {
    const record = world.certificates.create(scope, {
      subject: params.string('Subject'),
      subjectAlternativeNames: params.optArray('SubjectAlternativeNames'),
      keySpec: params.string('KeySpec'),
      exportablePrivateKey: params.optBool('ExportablePrivateKey'),
    });
    return { CertificateId: record.certificateId, Arn: world.certificates.arn(record), Csr: record.csr };
  },

  UploadCertificate: (params, { world, scope }) => {
    world.certificates.upload(
      scope,
      params.string('CertificateId'),
      params.string('Certificate'),
      params.optString('CertificateChain'),
    );
    return {};
  },

  GetCertificate: (params, { world, scope }) => {
    const record = world.certificates.find(scope, params.string('CertificateId'));
    return {
      CertificateId: record.certificateId,
      Certificate: record.certificate ?? '',
      CertificateChain: record.certificateChain ?? '',
      Csr: record.csr,
    };
  },

  DescribeCertificate: (params, { world, scope }) => {
    const record = world.certificates.find(scope, params.string('CertificateId'));
    const details = world.certificates.details(record);
    return {
      CertificateId: record.certificateId,
      Arn: world.certificates.arn(record),
      KeySpec: record.keySpec,
      Status: record.status,
      Subject: record.subject,
      SubjectAlternativeNames: record.subjectAlternativeNames,
      ExportablePrivateKey: record.exportablePrivateKey,
      Serial: details.serial,
      Issuer: details.issuer,
      NotBefore: details.notBefore === undefined ? '' : isoSeconds(details.notBefore),
      NotAfter: details.notAfter === undefined ? '' : isoSeconds(details.notAfter),
      SignatureAlgorithm: details.signatureAlgorithm,
      SubjectKeyIdentifier: details.subjectKeyIdentifier,
      SubjectPublicKey: details.subjectPublicKey,
      // The SDK models type Tags as a map; KMS answers the Tag list inside it, as DescribeKey/DescribeSecret do.
      Tags: {
        Tag: world.tags
          .list(scope, 'certificate', record.certificateId)
          .map((t) => ({ TagKey: t.key, TagValue: t.value })),
      },
      CreatedAt: isoSeconds(record.createdAt),
      UpdatedAt: isoSeconds(record.updatedAt),
    };
  },

  UpdateCertificateStatus: (params, { world, scope }) => {
    world.certificates.setStatus(scope, params.string('CertificateId'), params.string('Status'));
    return {};
  },

  DeleteCertificate: (params, { world, scope }) => {
    world.certificates.delete(scope, params.string('CertificateId'));
    return {};
  },

  CertificatePrivateKeySign: (params, { world, scope }) => {
    const certificateId = params.string('CertificateId');
    const signature = world.certificates.sign(
      scope,
      certificateId,
      params.string('Algorithm'),
      params.optString('MessageType') || 'RAW',
      base64Param(params, 'Message'),
    );
    return { CertificateId: certificateId, SignatureValue: signature.toString('base64') };
  },

  CertificatePublicKeyVerify: (params, { world, scope }) => {
    const certificateId = params.string('CertificateId');
    const valid = world.certificates.verify(
      scope,
      certificateId,
      params.string('Algorithm'),
      params.optString('MessageType') || 'RAW',
      base64Param(params, 'Message'),
      base64Param(params, 'SignatureValue'),
    );
    return { CertificateId: certificateId, SignatureValid: valid };
  },

  CertificatePublicKeyEncrypt: (params, { world, scope }) => {
    const certificateId = params.string('CertificateId');
    const ciphertext = world.certificates.encrypt(
      scope,
      certificateId,
      params.string('Algorithm'),
      base64Param(params, 'Plaintext'),
    );
    return { CertificateId: certificateId, CiphertextBlob: ciphertext.toString('base64') };
  },

  CertificatePrivateKeyDecrypt: (params, { world, scope }) => {
    const certificateId = params.string('CertificateId');
    const plaintext = world.certificates.decrypt(
      scope,
      certificateId,
      params.string('Algorithm'),
      base64Param(params, 'CiphertextBlob'),
    );
    return { CertificateId: certificateId, Plaintext: plaintext.toString('base64') };
  },
});
