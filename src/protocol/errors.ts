/**
 * The one error type: an official error code with its HTTP status and message. Handlers throw it;
 * the envelope renders it. Status and message default to what the service documents for the code,
 * so a caller usually names only the code: first the POP gateway's table (FACTS §4, common to every
 * product), then the catalog of the product that answers (`ErrorCatalog.resolve`, applied by the call
 * pipeline), and until then the union of every registered product's catalog.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The writes made before this error stand (see Store.transaction); normally they are undone. */
  keepChanges = false;
  /** Whether the thrower chose the message and status (a product's catalog then leaves them alone). */
  readonly explicit: { message: boolean; status: boolean };
  /** Extra fields of the error envelope (AccessDeniedDetail of a denial, say). */
  details?: Record<string, unknown>;

  constructor(
    readonly code: string,
    message?: string,
    options: { status?: number; headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    const known = gatewayCatalog.get(code) ?? anyProduct.get(code);
    super(message ?? known?.message ?? code);
    this.name = 'ApiError';
    this.status = options.status ?? known?.status ?? 400;
    this.headers = options.headers ?? {};
    this.explicit = { message: message !== undefined, status: options.status !== undefined };
    if (options.details) this.details = options.details;
  }
}

/** The name most of the code base knows the error type by (KMS was the first product). */
export const KmsError = ApiError;
export type KmsError = ApiError;

export interface KnownError {
  status: number;
  message: string;
}

/**
 * A product's documented error codes (its spec's errorCodes). The same code may mean another status
 * or message in another product; the pipeline resolves an error against the product that answers.
 */
export class ErrorCatalog {
  private readonly codes = new Map<string, KnownError>();

  constructor(entries: Iterable<[string, KnownError]> = []) {
    this.add(entries);
  }

  /** Adds codes without overriding earlier (more authoritative) entries; they also become known to ApiError. */
  add(entries: Iterable<[string, KnownError]>): void {
    for (const [code, known] of entries) {
      if (!this.codes.has(code)) this.codes.set(code, known);
      if (!anyProduct.has(code)) anyProduct.set(code, known);
    }
  }

  get(code: string): KnownError | undefined {
    return gatewayCatalog.get(code) ?? this.codes.get(code);
  }

  has(code: string): boolean {
    return this.codes.has(code);
  }

  /** The error as this product documents it: its status and message unless the thrower chose them. */
  resolve(error: ApiError): ApiError {
    if (gatewayCatalog.has(error.code)) return error;
    const known = this.codes.get(error.code);
    if (!known) return error;
    const message = error.explicit.message ? error.message : known.message;
    const status = error.explicit.status ? error.status : known.status;
    if (message === error.message && status === error.status) return error;
    const resolved = new ApiError(error.code, message, {
      status,
      headers: error.headers,
      details: error.details,
    });
    resolved.keepChanges = error.keepChanges;
    return resolved;
  }
}

const gatewayCatalog = new Map<string, KnownError>();
/** Every product's codes, first registered first: what an error knows before a product resolves it. */
const anyProduct = new Map<string, KnownError>();

/** Adds codes to the catalog of every product (first wins); kept for tools that register extra codes. */
export function registerErrorCodes(entries: Iterable<[string, KnownError]>): void {
  for (const [code, known] of entries) if (!anyProduct.has(code)) anyProduct.set(code, known);
}

export function knownError(code: string): KnownError | undefined {
  return gatewayCatalog.get(code) ?? anyProduct.get(code);
}

/** Gateway errors (not per operation or product), FACTS §4: they win over every product's spec. */
for (const [code, known] of Object.entries({
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
  },
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Alibaba Cloud standards.',
  },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  // STS credentials (#25). The facts (ram-authorization.md §0) find 400 in a gateway-style table
  // and 403 in several product tables; the gateway's 400 is used, like the other signature errors.
  'InvalidAccessKeyId.Inactive': { status: 400, message: 'Specified access key is disabled.' },
  MissingSecurityToken: { status: 400, message: 'SecurityToken is mandatory for this action.' },
  'InvalidSecurityToken.Malformed': { status: 400, message: 'Specified SecurityToken is malformed.' },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  'InvalidSecurityToken.Expired': { status: 400, message: 'Specified SecurityToken is expired.' },
  'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
  IllegalTimestamp: {
    status: 400,
    message: 'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.',
  },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
  MissingParameter: { status: 400, message: 'The parameter needed but no provided.' },
  InvalidParameter: { status: 400, message: 'The specified parameter is not valid.' },
  Throttling: { status: 400, message: 'Request was denied due to request throttling.' },
  'Rejected.Throttling': { status: 429, message: 'Request was denied due to request throttling.' },
  InternalFailure: { status: 500, message: 'Internal Failure.' },
  ServiceUnavailableTemporary: { status: 503, message: 'Service Unavailable Temporary.' },
  UnsupportedOperation: { status: 400, message: 'This action is not supported.' },
  RequestEntityTooLarge: { status: 413, message: 'The request body is too large.' },
})) {
  gatewayCatalog.set(code, known);
}

export function missingParameter(name: string): ApiError {
  return new ApiError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

export function invalidParameter(name: string, why?: string): ApiError {
  return new ApiError(
    'InvalidParameter',
    `The specified parameter "${name}" is not valid.${why ? ` ${why}` : ''}`,
  );
}
