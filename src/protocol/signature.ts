import { createHash, createHmac } from 'node:crypto';
import { encodeUriComponent, updateText } from './pieces.js';

const RESERVED = /[!'()*]/;
const UNRESERVED_ONLY = /^[A-Za-z0-9_.~-]*$/;

/** RFC 3986 percent-encoding as both POP signature versions require. */
export function percentEncode(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  const encoded = encodeUriComponent(value);
  if (!RESERVED.test(encoded)) return encoded;
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** RPC V1 (HMAC-SHA1): the string to sign for the given method and parameters (Signature excluded). */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const names = sortedNames(params);
  // The canonical query (name=value pairs, each percent-encoded, joined by &) is itself
  // percent-encoded into the string to sign. Done in one pass: each part encoded twice, "=" as
  // %3D and "&" as %26, so no canonical string and no second pass over it is made.
  let out = `${method.toUpperCase()}&%2F&`;
  let first = true;
  for (const name of names) {
    if (name === 'Signature') continue;
    out += `${first ? '' : '%26'}${encodeTwice(name)}%3D${encodeTwice(params[name] ?? '')}`;
    first = false;
  }
  return out;
}

/**
 * The parameter names in code-unit order, as Array.prototype.sort orders them. An insertion sort:
 * a request has a dozen parameters, and the built-in sort allocates its own work arrays each call.
 */
function sortedNames(params: Record<string, string>): string[] {
  const names = Object.keys(params);
  for (let i = 1; i < names.length; i++) {
    const name = names[i] as string;
    let j = i - 1;
    while (j >= 0 && (names[j] as string) > name) {
      names[j + 1] = names[j] as string;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}

/** percentEncode(percentEncode(value)): after the first pass only "%" is left to encode (as %25). */
function encodeTwice(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  return percentEncode(value).replace(PERCENT, '%25');
}
const PERCENT = /%/g;

export function v1Signature(secret: string, stringToSign: string): string {
  return updateText(createHmac('sha1', `${secret}&`), stringToSign).digest('base64');
}

export function sha256Hex(data: string | Buffer): string {
  const hash = createHash('sha256');
  return (typeof data === 'string' ? updateText(hash, data) : hash.update(data)).digest('hex');
}

export interface V3Request {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function v3CanonicalRequest(request: V3Request): string {
  const query = Object.keys(request.query)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(request.query[name] ?? '')}`)
    .join('&');
  const signed = [...request.signedHeaders].map((h) => h.toLowerCase()).sort();
  const headers = signed.map((name) => `${name}:${(request.headers[name] ?? '').trim()}\n`).join('');
  return [
    request.method.toUpperCase(),
    request.path || '/',
    query,
    headers,
    signed.join(';'),
    request.payloadHash,
  ].join('\n');
}

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

export function v3StringToSign(canonicalRequest: string): string {
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function v3Signature(secret: string, stringToSign: string): string {
  return updateText(createHmac('sha256', secret), stringToSign).digest('hex');
}

export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined if malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  if (!header.startsWith(`${V3_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(V3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').filter(Boolean), signature };
}
