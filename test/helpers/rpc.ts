import { randomUUID } from 'node:crypto';
import {
  percentEncode,
  sha256Hex,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from '../../src/protocol/signature.js';
import type { SignOptions } from '../../src/testkit/rpc-client.js';

export const AK = 'LTAIEmulatorAccessKeyId';
export const SK = 'EmulatorAccessKeySecret';

export type { SignOptions } from '../../src/testkit/rpc-client.js';
/** Builds a V1-signed query string for raw requests, as @alicloud/pop-core does. */
export { signedQuery as v1Query } from '../../src/testkit/rpc-client.js';

/** Headers and query for a V3 (ACS3-HMAC-SHA256) signed POST, as the Tea SDKs send it. */
export function v3Request(
  action: string,
  query: Record<string, string>,
  options: SignOptions & {
    body?: string;
    host: string;
    bodyHash?: string;
    contentType?: string;
    /** An STS session's token, sent (and signed) as x-acs-security-token. */
    securityToken?: string;
  },
): { path: string; headers: Record<string, string> } {
  const body = options.body ?? '';
  const headers: Record<string, string> = {
    host: options.host,
    'x-acs-action': action,
    'x-acs-version': options.version ?? '2016-01-20',
    'x-acs-date': options.timestamp ?? `${new Date().toISOString().slice(0, 19)}Z`,
    'x-acs-signature-nonce': options.nonce ?? randomUUID(),
    'x-acs-content-sha256': options.bodyHash ?? sha256Hex(body),
  };
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  if (options.securityToken !== undefined) headers['x-acs-security-token'] = options.securityToken;
  const signedHeaders = Object.keys(headers).sort();
  const stringToSign = v3StringToSign(
    v3CanonicalRequest({
      method: 'POST',
      path: '/',
      query,
      headers,
      signedHeaders,
      payloadHash: headers['x-acs-content-sha256'] as string,
    }),
  );
  const signature = v3Signature(options.secret ?? SK, stringToSign);
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${options.accessKeyId ?? AK},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
  const qs = Object.entries(query)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
  return { path: qs ? `/?${qs}` : '/', headers };
}
