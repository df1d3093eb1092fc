import 'reflect-metadata';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name as AsnName } from '@peculiar/asn1-x509';
import { Name as PeculiarName } from '@peculiar/x509';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { formatDistinguishedName, nameField, parseDistinguishedName } from '../src/domain/dn.js';

/**
 * The certificate operations' distinguished names (Subject of CreateCertificate, Subject and Issuer
 * of DescribeCertificate), checked against two other implementations: @peculiar/x509's Name (which
 * the emulator used before) and node-forge's ASN.1 reader.
 */
const der = (name: AsnName) => Buffer.from(AsnConvert.serialize(name));

describe('distinguished names', () => {
  const plain = [
    'CN=orders.example.com,OU=payments,O=Example,C=CN',
    'CN=a,C=CN',
    'CN=api.example.com, O=Example, L=Hangzhou, ST=Zhejiang, C=CN',
    'E=ops@example.com,DC=example,DC=com,CN=mail,C=CN',
    'CN=杭州测试,O=示例公司,C=CN',
    'CN=a+OU=b,C=CN',
    '2.5.4.3=by-oid,C=CN',
    'CN=under_score & more!,C=CN',
  ];

  it('encodes the DER Name @peculiar/x509 encodes, string types included', () => {
    for (const text of plain) {
      expect(der(parseDistinguishedName(text)).toString('hex'), text).toBe(
        Buffer.from(new PeculiarName(text).toArrayBuffer()).toString('hex'),
      );
    }
  });

  it('reads back as forge reads the DER: the same attributes, in order, with their values', () => {
    const asn = forge.asn1.fromDer(
      forge.util.createBuffer(
        der(parseDistinguishedName('CN=杭州测试,OU=a+O=b,E=x@y.z,C=CN')).toString('binary'),
      ),
    );
    const read = (asn.value as forge.asn1.Asn1[]).map((rdn) =>
      (rdn.value as forge.asn1.Asn1[]).map((atv) => {
        const [oid, value] = atv.value as forge.asn1.Asn1[];
        return [
          forge.asn1.derToOid((oid as forge.asn1.Asn1).value as string),
          (value as forge.asn1.Asn1).type,
          forge.util.decodeUtf8((value as forge.asn1.Asn1).value as string),
        ];
      }),
    );
    expect(read).toEqual([
      [['2.5.4.3', forge.asn1.Type.UTF8, '杭州测试']],
      [
        ['2.5.4.11', forge.asn1.Type.PRINTABLESTRING, 'a'],
        ['2.5.4.10', forge.asn1.Type.PRINTABLESTRING, 'b'],
      ],
      [['1.2.840.113549.1.9.1', forge.asn1.Type.IA5STRING, 'x@y.z']],
      [['2.5.4.6', forge.asn1.Type.PRINTABLESTRING, 'CN']],
    ]);
  });

  it('formats as @peculiar/x509 does (with "," between RDNs), escaping what RFC 4514 requires', () => {
    for (const text of plain) {
      const asn = AsnConvert.parse(new PeculiarName(text).toArrayBuffer(), AsnName);
      expect(formatDistinguishedName(asn), text).toBe(new PeculiarName(asn).toString().replace(/, /g, ','));
    }
    const tricky = parseDistinguishedName('CN=Example\\, Inc.,O=\\#1 \\+ more\\;,OU="quoted, value",C=CN');
    expect(nameField(tricky, 'CN')).toEqual(['Example, Inc.']);
    expect(nameField(tricky, 'O')).toEqual(['#1 + more;']);
    expect(nameField(tricky, 'OU')).toEqual(['quoted, value']);
    expect(formatDistinguishedName(tricky)).toBe(
      'CN=Example\\, Inc.,O=\\#1 \\+ more\\;,OU=quoted\\, value,C=CN',
    );
    // The text form reads back to the same DER.
    expect(der(parseDistinguishedName(formatDistinguishedName(tricky)))).toEqual(der(tricky));
    // Hex escapes are UTF-8 bytes; #hex is a DER value kept as it is.
    expect(nameField(parseDistinguishedName('CN=caf\\C3\\A9,C=CN'), 'CN')).toEqual(['café']);
    const hex = parseDistinguishedName('CN=#0c0161,C=CN');
    expect(formatDistinguishedName(hex)).toBe('CN=#0c0161,C=CN');
  });

  it('refuses what is not a distinguished name', () => {
    for (const text of ['', 'CN', 'XX=a,C=CN', 'CN=a,', 'CN="open,C=CN', 'CN=#zz,C=CN', 'CN=a;;C=CN']) {
      expect(() => parseDistinguishedName(text), text).toThrow();
    }
  });
});
