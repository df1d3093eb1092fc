import type { AttributeValue, Name } from '@peculiar/asn1-x509';
import { lazyModule } from '../lazy.js';

// The ASN.1 structures of @peculiar/asn1-x509 (loaded with the first certificate operation). The
// text form is done here: @peculiar/x509, which the certificate operations used for it alone, loads
// some 200 modules (tsyringe, reflect-metadata, every extension class): ~2.5 MiB of heap for two
// functions.
const asn1X509 = lazyModule<typeof import('@peculiar/asn1-x509')>('@peculiar/asn1-x509');

/** Attribute types by the short names certificate tools write (RFC 4519, PKCS #9). */
const TYPES: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  G: '2.5.4.42',
  I: '2.5.4.43',
  DC: '0.9.2342.19200300.100.1.25',
  E: '1.2.840.113549.1.9.1',
};
const NAMES: Record<string, string> = Object.fromEntries(Object.entries(TYPES).map(([k, v]) => [v, k]));
/** Types whose values are IA5String (e-mail addresses, domain components). */
const IA5 = new Set([TYPES.E, TYPES.DC]);
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const OID = /^\d+(\.\d+)+$/;

export class DistinguishedNameError extends Error {}

/** One attribute as parsed: its type's OID and its value (text, or DER bytes given as #hex). */
interface Attribute {
  type: string;
  text?: string;
  der?: Buffer;
}

/**
 * A distinguished name in its text form (RFC 4514 syntax: `CN=a,O=Example\, Inc.,C=CN`; `+` joins
 * the attributes of one RDN; a value may be "quoted", escape `\,` or `\2C`, or `#` and DER in hex),
 * as the DER Name it denotes. The RDNs stay in the order written (certificate tools write them
 * most significant last, and so does KMS). Spaces after a separator are ignored.
 */
export function parseDistinguishedName(text: string): Name {
  const rdns: Attribute[][] = [];
  let rdn: Attribute[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new DistinguishedNameError(`${reason} at character ${i + 1}`);
  };
  while (i < text.length) {
    while (text[i] === ' ') i++;
    const equals = text.indexOf('=', i);
    if (equals === -1) fail('an attribute without "="');
    const typeText = text.slice(i, equals).trim();
    const type = OID.test(typeText) ? typeText : TYPES[typeText.toUpperCase()];
    if (type === undefined) fail(`an unknown attribute type "${typeText}"`);
    i = equals + 1;
    const attribute: Attribute = { type: type as string };
    if (text[i] === '#') {
      const end = until(text, i + 1, false);
      const hex = text.slice(i + 1, end).trim();
      if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) fail('a #value that is not hex');
      attribute.der = Buffer.from(hex, 'hex');
      i = end;
    } else if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) fail('a quoted value without its closing quote');
      attribute.text = unescapeValue(text.slice(i + 1, end));
      i = end + 1;
      while (text[i] === ' ') i++;
    } else {
      const end = until(text, i, true);
      attribute.text = unescapeValue(text.slice(i, end));
      i = end;
    }
    rdn.push(attribute);
    const separator = text[i];
    if (separator === undefined || separator === ',' || separator === ';') {
      rdns.push(rdn);
      rdn = [];
    } else if (separator !== '+') fail(`"${separator}" where "," or "+" belongs`);
    if (separator !== undefined) {
      i++;
      if (i === text.length) fail('nothing after the last separator');
    }
  }
  if (rdns.length === 0) throw new DistinguishedNameError('an empty name');
  return toAsn(rdns);
}

/** The end of an unquoted value starting at `from`: the first unescaped `,` `;` or `+`. */
function until(text: string, from: number, escapes: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (escapes && c === '\\') i += 2;
    else if (c === ',' || c === ';' || c === '+') return i;
    else i++;
  }
  return Math.min(i, text.length);
}

/** Undoes RFC 4514 escapes: `\,` and the like, and `\HH` hex pairs (UTF-8 bytes). */
function unescapeValue(value: string): string {
  if (!value.includes('\\')) return value.replace(/ +$/, '');
  const bytes: number[] = [];
  let i = 0;
  // Trailing spaces end a value unless escaped: find where the value really ends.
  let end = value.length;
  while (end > 0 && value[end - 1] === ' ' && value[end - 2] !== '\\') end--;
  while (i < end) {
    const c = value[i] as string;
    if (c === '\\' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const char = c === '\\' ? (value[i + 1] ?? '') : c;
      bytes.push(...Buffer.from(char, 'utf8'));
      i += c === '\\' ? 2 : 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function toAsn(rdns: Attribute[][]): Name {
  const { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } = asn1X509();
  return new Name(
    rdns.map(
      (attributes) =>
        new RelativeDistinguishedName(
          attributes.map(({ type, text, der }) => {
            let value: AttributeValue;
            if (der) value = new AttributeValue({ anyValue: new Uint8Array(der).buffer });
            else if (IA5.has(type)) value = new AttributeValue({ ia5String: text });
            else if (PRINTABLE.test(text ?? '')) value = new AttributeValue({ printableString: text });
            else value = new AttributeValue({ utf8String: text });
            return new AttributeTypeAndValue({ type, value });
          }),
        ),
    ),
  );
}

/** The values of one attribute type (a short name such as CN, or an OID) in a Name, as text. */
export function nameField(name: Name, type: string): string[] {
  const oid = TYPES[type.toUpperCase()] ?? type;
  return name.flatMap((rdn) => rdn.filter((a) => a.type === oid).map((a) => a.value.toString()));
}

/** A DER Name as text: `CN=a,O=Example\, Inc.,C=CN` (RFC 4514 escapes, RDNs in DER order). */
export function formatDistinguishedName(name: Name): string {
  return name
    .map((rdn) =>
      rdn
        .map((a) => {
          const type = NAMES[a.type] ?? a.type;
          const value = a.value.anyValue
            ? `#${Buffer.from(a.value.anyValue).toString('hex')}`
            : escapeValue(a.value.toString());
          return `${type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

/** Control characters, written as \\HH. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it looks for.
const CONTROL = /[\u0000-\u001f]/g;

/** RFC 4514 §2.4: the characters a value cannot hold as they are. */
function escapeValue(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, '\\$&')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ')
    .replace(CONTROL, (c) => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
