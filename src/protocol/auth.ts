import { timingSafeEqual } from 'node:crypto';
import {
  type Credential,
  type CredentialLookup,
  Credentials,
  DEFAULT_ACCOUNT_ID,
  type Principal,
} from './credentials.js';
import { ApiError, missingParameter } from './errors.js';
import { NonceStore } from './nonces.js';
import {
  parseV3Authorization,
  sha256Hex,
  V3_ALGORITHM,
  v1Signature,
  v1StringToSign,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from './signature.js';

/** What the gateway needs of a request to check who sent it. */
export interface SignedRequest {
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  /** Query and form body merged. */
  params: Record<string, string>;
  body: Buffer;
}

export interface AuthOptions {
  enabled: boolean;
  /** Wall time: client timestamps are real time even when the virtual clock has moved. */
  wallNow: () => number;
  windowMs?: number;
  /** Hard cap on remembered signature nonces (default 250,000). */
  maxNonces?: number;
  /** Virtual time (epoch ms): when an STS credential expires. Wall time when not given. */
  now?: () => number;
}

const WINDOW_MS = 15 * 60 * 1000;

export class Authenticator {
  private readonly nonces: NonceStore;
  private readonly windowMs: number;
  /** Who signs with an AccessKeyId: the built-in pairs, then the domain's records (src/emulator.ts). */
  private readonly lookup: CredentialLookup;

  constructor(
    credentials: CredentialLookup | Credentials,
    private readonly options: AuthOptions,
  ) {
    this.lookup = credentials instanceof Credentials ? (id) => credentials.lookup(id) : credentials;
    this.windowMs = options.windowMs ?? WINDOW_MS;
    // A timestamp may be up to one window ahead, so its request stays valid for two windows.
    this.nonces = new NonceStore({ retainMs: 2 * this.windowMs, maxEntries: options.maxNonces });
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  authenticate(request: SignedRequest): Principal {
    const authorization = request.headers.authorization;
    if (authorization?.startsWith(V3_ALGORITHM)) return this.verifyV3(request, authorization);
    if (request.params.Signature !== undefined || request.params.AccessKeyId !== undefined) {
      return this.verifyV1(request);
    }
    if (!this.options.enabled) return anonymous();
    throw new ApiError('IncompleteSignature');
  }

  private verifyV1(request: SignedRequest): Principal {
    const { params } = request;
    const accessKeyId = params.AccessKeyId;
    if (!this.options.enabled) return this.lookup(accessKeyId ?? '')?.principal ?? anonymous(accessKeyId);
    if (!accessKeyId) throw missingParameter('AccessKeyId');
    if (params.Signature === undefined) throw missingParameter('Signature');
    const method = params.SignatureMethod;
    if (method !== undefined && method !== 'HMAC-SHA1') {
      throw new ApiError('InvalidParameter', 'The specified parameter "SignatureMethod" is not valid.');
    }
    this.checkTimestamp(params.Timestamp, 'Timestamp');
    if (!params.SignatureNonce) throw missingNonce('SignatureNonce');
    const credential = this.credentialFor(accessKeyId);
    const stringToSign = v1StringToSign(request.method, params);
    if (!sameText(v1Signature(credential.secret, stringToSign), params.Signature))
      throw signatureMismatch(stringToSign);
    this.checkToken(credential, params.SecurityToken);
    this.useNonce(accessKeyId, params.SignatureNonce);
    return credential.principal;
  }

  private verifyV3(request: SignedRequest, header: string): Principal {
    const parsed = parseV3Authorization(header);
    if (!parsed) throw new ApiError('IncompleteSignature');
    if (!this.options.enabled)
      return this.lookup(parsed.accessKeyId)?.principal ?? anonymous(parsed.accessKeyId);
    this.checkTimestamp(request.headers['x-acs-date'], 'x-acs-date');
    if (!request.headers['x-acs-signature-nonce']) throw missingNonce('x-acs-signature-nonce');
    requireSignedHeaders(parsed.signedHeaders, request.body.length > 0);
    const credential = this.credentialFor(parsed.accessKeyId);
    // The canonical request hashes the body actually received, so a body changed in transit (or a
    // wrong x-acs-content-sha256) cannot match the client's signature.
    const payloadHash = sha256Hex(request.body);
    const claimed = request.headers['x-acs-content-sha256'];
    const stringToSign = v3StringToSign(
      v3CanonicalRequest({
        method: request.method,
        path: request.path,
        query: request.query,
        headers: Object.assign({}, request.headers, { 'x-acs-content-sha256': payloadHash }),
        signedHeaders: parsed.signedHeaders,
        payloadHash,
      }),
    );
    if (
      (claimed !== undefined && claimed !== payloadHash) ||
      !sameText(v3Signature(credential.secret, stringToSign), parsed.signature)
    ) {
      throw signatureMismatch(stringToSign);
    }
    this.checkToken(credential, request.headers['x-acs-security-token']);
    this.useNonce(parsed.accessKeyId, request.headers['x-acs-signature-nonce']);
    return credential.principal;
  }

  private credentialFor(accessKeyId: string): Credential {
    const credential = this.lookup(accessKeyId);
    if (credential === undefined) throw new ApiError('InvalidAccessKeyId.NotFound');
    if (credential.inactive) throw new ApiError('InvalidAccessKeyId.Inactive');
    return credential;
  }

  /**
   * An STS credential signs only with its own security token (V1 `SecurityToken`, V3
   * `x-acs-security-token`) and only until its expiry on the virtual clock. A token sent with a
   * long-term AccessKey is ignored, as the gateway does.
   */
  private checkToken(credential: Credential, token: string | undefined): void {
    if (credential.securityToken === undefined) return;
    if (!token) throw new ApiError('MissingSecurityToken');
    if (!TOKEN_SHAPE.test(token)) throw new ApiError('InvalidSecurityToken.Malformed');
    if (!sameText(token, credential.securityToken))
      throw new ApiError('InvalidSecurityToken.MismatchWithAccessKey');
    const now = this.options.now?.() ?? this.options.wallNow();
    if (credential.expiresAt !== undefined && now >= credential.expiresAt)
      throw new ApiError('InvalidSecurityToken.Expired');
  }

  private checkTimestamp(value: string | undefined, name: string): void {
    if (value === undefined || value === '') throw missingParameter(name);
    const at = Date.parse(value);
    if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) {
      throw new ApiError(
        'IllegalTimestamp',
        `The input parameter "${name}" is not in the ISO 8601 UTC format.`,
      );
    }
    if (Math.abs(this.options.wallNow() - at) > this.windowMs) throw new ApiError('InvalidTimeStamp.Expired');
  }

  /** A nonce may be used once per access key within the timestamp window. */
  private useNonce(accessKeyId: string, nonce: string | undefined): void {
    if (!nonce) return;
    if (!this.nonces.use(`${accessKeyId}\n${nonce}`, this.options.wallNow())) {
      throw new ApiError('SignatureNonceUsed');
    }
  }

  /** How many signature nonces are remembered now (bounded by `maxNonces`). */
  get rememberedNonces(): number {
    return this.nonces.size;
  }

  forgetNonces(): void {
    this.nonces.clear();
  }
}

/** Headers a V3 signature must cover, so none of them can be changed after signing. */
export const V3_REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const;

/**
 * Refuses a V3 signature whose SignedHeaders omit a header that decides what the request does:
 * the list is the client's, so trusting it would let anything unsigned be changed in transit.
 * `content-type` must be signed when there is a body (it decides how the body is read).
 */
export function requireSignedHeaders(signedHeaders: readonly string[], hasBody: boolean): void {
  const signed = new Set(signedHeaders.map((h) => h.toLowerCase()));
  const required: string[] = [...V3_REQUIRED_SIGNED_HEADERS];
  if (hasBody) required.push('content-type');
  const unsigned = required.filter((name) => !signed.has(name));
  if (unsigned.length > 0) {
    throw new ApiError(
      'IncompleteSignature',
      `The request signature does not conform to Alibaba Cloud standards. SignedHeaders must include ${unsigned.join(', ')}.`,
    );
  }
}

/**
 * The gateway's documented answer for a missing common parameter: `Missing{ParameterName}`,
 * "{ParameterName} is mandatory for this action.", 400 (Alibaba Cloud's POP client error codes).
 */
function missingNonce(name: string): ApiError {
  return new ApiError('MissingSignatureNonce', `${name} is mandatory for this action.`, { status: 400 });
}

/** A security token as STS issues them: `CAIS` then base64 (what the emulator's sessions carry). */
const TOKEN_SHAPE = /^CAIS[A-Za-z0-9+/]+=*$/;

function anonymous(accessKeyId = 'anonymous'): Principal {
  return { accessKeyId, accountId: DEFAULT_ACCOUNT_ID, type: 'Root' };
}

function signatureMismatch(stringToSign: string): ApiError {
  return new ApiError(
    'SignatureDoesNotMatch',
    `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
