/**
 * The one error type: an official error code with its HTTP status and message. Handlers throw it;
 * the envelope renders it. Status and message default to what the service documents for the code
 * (the gateway table of FACTS §4, then the spec's errorCodes), so a caller usually names only the code.
 */
export class KmsError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The writes made before this error stand (see Store.transaction); normally they are undone. */
  keepChanges = false;

  constructor(
    readonly code: string,
    message?: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    const known = catalog.get(code);
    super(message ?? known?.message ?? code);
    this.name = 'KmsError';
    this.status = options.status ?? known?.status ?? 400;
    this.headers = options.headers ?? {};
  }
}

interface KnownError {
  status: number;
  message: string;
}

const catalog = new Map<string, KnownError>();

/** Adds codes to the catalog without overriding earlier (more authoritative) entries. */
export function registerErrorCodes(entries: Iterable<[string, KnownError]>): void {
  for (const [code, known] of entries) if (!catalog.has(code)) catalog.set(code, known);
}

export function knownError(code: string): KnownError | undefined {
  return catalog.get(code);
}

/** Gateway errors (not per operation), FACTS §4. Registered first, so they win over the spec. */
registerErrorCodes(
  Object.entries({
    SignatureDoesNotMatch: {
      status: 400,
      message: 'Specified signature is not matched with our calculation.',
    },
    IncompleteSignature: {
      status: 400,
      message: 'The request signature does not conform to Alibaba Cloud standards.',
    },
    'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
    'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
    IllegalTimestamp: {
      status: 400,
      message:
        'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.',
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
  }),
);

export function missingParameter(name: string): KmsError {
  return new KmsError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

export function invalidParameter(name: string, why?: string): KmsError {
  return new KmsError(
    'InvalidParameter',
    `The specified parameter "${name}" is not valid.${why ? ` ${why}` : ''}`,
  );
}
