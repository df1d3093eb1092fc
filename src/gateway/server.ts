import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ClientKey } from '../domain/client-keys.js';
import { INSTANCE_HOST_SUFFIX, type TlsIdentity } from '../domain/instance-ca.js';
import type { Emulator } from '../emulator.js';
import { type CallRecord, PipelineCall, runCall } from '../pipeline.js';
import { renderError } from '../protocol/envelope.js';
import { ApiError, KmsError } from '../protocol/errors.js';
import { guessFormat } from '../protocol/intake.js';
import { answers, handleRpc } from '../server.js';
import { decodeRequest, encodeError, encodeResponse, type Message } from './messages.js';
import { type GatewayContext, operations } from './operations.js';
import { bodyHash, SIGNATURE_METHOD, stringToSign, verifySignature } from './signature.js';

/**
 * The KMS Instance API gateway: its own TLS listener, speaking protobuf over `POST /` as the KMS
 * Instance SDKs do. The certificate is chosen per connection: SNI `<kst-id>.cryptoservice.kms.
 * aliyuncs.com` gets one issued by that instance's CA; a connection naming no instance (an IP, as
 * with endpoint 127.0.0.1:<port>) gets the loopback certificate issued by the emulator root, which
 * every instance's CaCertificateChainPem verifies. Without an instance named (SNI or Host), a call
 * may use keys and secrets of any instance of the client key's account, as its policies allow.
 */
export const API_VERSION = 'dkms-gcs-0.2';
const DATE_WINDOW_MS = 15 * 60_000;
const BODY_LIMIT = 1024 * 1024;
const INSTANCE_HOST = new RegExp(
  `^(kst-[a-z0-9]+)${INSTANCE_HOST_SUFFIX.replace(/\./g, '\\.')}(:\\d+)?$`,
  'i',
);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const one = Array.isArray(value) ? value[0] : value;
  return one === undefined || one === '' ? undefined : one;
}

function gatewayError(code: string, message: string, status: number): KmsError {
  return new KmsError(code, message, { status });
}

/** The instance a host name names, if it exists in any account. */
function namedInstance(emulator: Emulator, host: string | undefined): string | undefined {
  const match = host ? INSTANCE_HOST.exec(host) : null;
  if (!match) return undefined;
  const id = (match[1] as string).toLowerCase();
  const instances = emulator.world.store.table<{ kmsInstanceId: string }>('instances');
  return instances.partitions().some((p) => instances.get(p, id)) ? id : undefined;
}

export function createGatewayServer(emulator: Emulator): Server {
  const contexts = new WeakMap<TlsIdentity, SecureContext>();
  const contextOf = (identity: TlsIdentity) => {
    let context = contexts.get(identity);
    if (!context) {
      context = createSecureContext(identity);
      contexts.set(identity, context);
    }
    return context;
  };
  let loopback = emulator.world.instanceCa.tlsIdentity();
  const server = createServer(
    {
      ...loopback,
      SNICallback: (servername, callback) => {
        try {
          const instanceId = namedInstance(emulator, servername);
          callback(null, contextOf(emulator.world.instanceCa.tlsIdentity(instanceId)));
        } catch (error) {
          callback(error as Error);
        }
      },
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= BODY_LIMIT) chunks.push(chunk);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (isOpenApi(req, body)) void openApi(emulator, req, res, body, size > BODY_LIMIT);
        else void handle(emulator, req, res, body, size > BODY_LIMIT);
      });
    },
  );
  // A reset or a seed makes a new world with a new root: new connections get its certificate. The
  // TLS server wraps each socket in its own 'connection' listener, with the context current then:
  // this one runs first, so the connection that notices the change already gets the new certificate.
  server.prependListener('connection', () => {
    const current = emulator.world.instanceCa.tlsIdentity();
    if (current !== loopback) {
      loopback = current;
      server.setSecureContext(current);
    }
  });
  return server;
}

/**
 * One TLS listener serves both protocols of an instance endpoint (facts: instance-endpoint.md §3):
 * a request with `x-kms-apiname` is the Instance API; one naming an OpenAPI action (`x-acs-action`,
 * or an `Action` parameter in the query or a form body) is the OpenAPI of Alibaba Cloud SDK V2.0;
 * anything else is answered as the Instance API answers a request without its headers.
 */
function isOpenApi(req: IncomingMessage, body: Buffer): boolean {
  if (header(req, 'x-kms-apiname') !== undefined) return false;
  if (header(req, 'x-acs-action') !== undefined) return true;
  const url = req.url ?? '/';
  if (/[?&]Action=/.test(url)) return true;
  const type = header(req, 'content-type') ?? '';
  return (
    type.startsWith('application/x-www-form-urlencoded') &&
    /(^|&)Action=/.test(body.toString('latin1', 0, 4096))
  );
}

async function openApi(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  tooLarge: boolean,
): Promise<void> {
  if (tooLarge) {
    answers.send(
      res,
      renderError(
        guessFormat(req.url ?? '/'),
        emulator.world.ids.requestId(),
        new ApiError('RequestEntityTooLarge', 'The request body is larger than 1 MB.', { status: 413 }),
        emulator.options.defaultRegion,
        emulator.products.main,
      ),
    );
    return;
  }
  const socket = req.socket as { servername?: string | false };
  const instanceId =
    namedInstance(emulator, typeof socket.servername === 'string' ? socket.servername : undefined) ??
    namedInstance(emulator, header(req, 'host'));
  await handleRpc(
    emulator,
    { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body, socket: req.socket },
    res,
    BODY_LIMIT,
    { instanceId },
  );
}

/** What faults and the audit journal see of a gateway call: no byte fields, no values. */
function recordParams(request: Message): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
}

function authenticate(emulator: Emulator, req: IncomingMessage): { apiName: string; clientKey: ClientKey } {
  const version = header(req, 'x-kms-apiversion');
  if (version !== API_VERSION) {
    throw gatewayError('InvalidApiVersion', `The ApiVersion "${version ?? ''}" is invalid.`, 400);
  }
  const apiName = header(req, 'x-kms-apiname') ?? '';
  if (!Object.hasOwn(operations, apiName)) {
    throw gatewayError('InvalidApiName', `The ApiName "${apiName}" is invalid.`, 400);
  }
  const method = header(req, 'x-kms-signaturemethod');
  if (method === undefined)
    throw gatewayError('InvalidParam', 'The Param x-kms-signaturemethod is invalid.', 400);
  if (method !== SIGNATURE_METHOD) {
    throw gatewayError(
      'InvalidParam',
      `The Param x-kms-signaturemethod is invalid. message:"${method}".`,
      400,
    );
  }
  const clientKeyId = header(req, 'x-kms-acccesskeyid');
  if (clientKeyId === undefined) {
    throw gatewayError(
      'MissingParameter',
      'Parameter x-kms-acccesskeyid does not exist in http header or body.',
      400,
    );
  }
  const date = Date.parse(header(req, 'date') ?? '');
  if (Number.isNaN(date)) throw gatewayError('InvalidParam', 'The Param Date is invalid.', 400);
  const wallNow = (emulator.options.wallClock ?? Date.now)();
  if (Math.abs(wallNow - date) > DATE_WINDOW_MS) {
    throw gatewayError('RequestTimeTooSkewed', 'Request time exceeds server time more than 15 minutes.', 400);
  }
  const clientKey = emulator.world.clientKeys.find(clientKeyId);
  if (!clientKey) {
    throw gatewayError('InvalidAccessKeyId.NotFound', `The client key ${clientKeyId} does not exist.`, 401);
  }
  return { apiName, clientKey };
}

function verify(emulator: Emulator, req: IncomingMessage, body: Buffer, clientKey: ClientKey): void {
  const bearer = /^Bearer\s+(\S+)$/.exec(header(req, 'authorization') ?? '');
  if (!bearer)
    throw gatewayError('IncompleteSignature', 'The Authorization header is not "Bearer <signature>".', 401);
  const text = stringToSign(req.method ?? 'POST', req.headers);
  const hash = header(req, 'content-sha256');
  if (
    (hash !== undefined && hash !== bodyHash(body)) ||
    !verifySignature(text, bearer[1] as string, emulator.world.clientKeys.publicKey(clientKey))
  ) {
    throw gatewayError(
      'SignatureDoesNotMatch',
      'The request signature does not match the signature the client key would make.',
      401,
    );
  }
  const now = emulator.world.now();
  if (now < clientKey.notBefore || now > clientKey.notAfter) {
    throw gatewayError(
      'InvalidAccessKeyId.Inactive',
      `The client key ${clientKey.clientKeyId} is not valid now (valid ${new Date(clientKey.notBefore).toISOString()} to ${new Date(clientKey.notAfter).toISOString()}).`,
      401,
    );
  }
}

async function handle(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  tooLarge: boolean,
): Promise<void> {
  const socket = req.socket as { servername?: string | false; remoteAddress?: string };
  const call = new PipelineCall(emulator, 'instance-api');
  const { requestId } = call;
  let apiName = '';
  const outcome = await runCall(call, () => {
    if (req.method !== 'POST')
      throw gatewayError('InvalidApiName', 'The KMS Instance API answers POST / only.', 400);
    if (tooLarge) throw gatewayError('RequestEntityTooLarge', 'The request body is larger than 1 MB.', 413);
    call.claimed = header(req, 'x-kms-acccesskeyid');
    let clientKey: ClientKey;
    try {
      ({ apiName, clientKey } = authenticate(emulator, req));
    } catch (error) {
      const record = gatewayRecord(
        requestId,
        header(req, 'x-kms-apiname') ?? '',
        call.claimed,
        undefined,
        emulator,
      );
      // A client key that exists (a stale date, say) names its access point, as the OpenAPI names
      // the account of a claimed AccessKeyId.
      const known = call.claimed === undefined ? undefined : emulator.world.clientKeys.find(call.claimed);
      if (known) record.applicationAccessPoint = known.aapName;
      record.authFailed = true;
      call.record = record;
      throw error;
    }
    const scope = { accountId: clientKey.accountId, regionId: clientKey.regionId };
    const record = gatewayRecord(
      requestId,
      apiName,
      clientKey.clientKeyId,
      clientKey.accountId,
      emulator,
      clientKey.regionId,
    );
    record.applicationAccessPoint = clientKey.aapName;
    call.record = record;
    call.product = emulator.products.main;
    try {
      verify(emulator, req, body, clientKey);
    } catch (error) {
      record.authFailed = true;
      throw error;
    }
    const request = decodeRequest(apiName, body);
    record.params = recordParams(request);
    const world = emulator.world;
    const ctx: GatewayContext = {
      world,
      scope,
      clientKey,
      instanceId:
        namedInstance(emulator, typeof socket.servername === 'string' ? socket.servername : undefined) ??
        namedInstance(emulator, header(req, 'host')),
      sourceIp: emulator.options.gatewaySourceIp ?? socket.remoteAddress ?? '',
      requestId,
    };
    const operation = operations[apiName] as (typeof operations)[string];
    return async () => {
      const result = await world.store.transaction(() => operation(request, ctx));
      record.result = Object.fromEntries(
        ['KeyVersionId', 'VersionId'].filter((k) => typeof result[k] === 'string').map((k) => [k, result[k]]),
      );
      return result;
    };
  });
  if (outcome.kind === 'dropped') {
    req.socket.destroy();
    return;
  }
  let status = 200;
  let answer: Buffer;
  if (outcome.kind === 'answer') {
    // Object.assign, not `{ ...result, RequestId }` (V8's slow path for a spread then a property).
    answer = encodeResponse(apiName, Object.assign({}, outcome.value, { RequestId: requestId }));
  } else {
    const failure = outcome.error;
    status = failure.status;
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    answer = encodeError({
      StatusCode: failure.status,
      ErrorCode: failure.code,
      ErrorMessage: failure.message,
      RequestId: requestId,
    });
  }
  res.writeHead(status, { 'content-type': 'application/x-protobuf', 'x-kms-requestid': requestId });
  res.end(answer);
}

function gatewayRecord(
  requestId: string,
  action: string,
  clientKeyId: string | undefined,
  accountId: string | undefined,
  emulator: Emulator,
  regionId?: string,
): CallRecord {
  return {
    requestId,
    product: emulator.products.main.code,
    version: API_VERSION,
    via: 'instance-api',
    action,
    params: {},
    accessKeyId: clientKeyId,
    accountId,
    regionId: regionId ?? emulator.options.defaultRegion,
    status: 200,
    code: undefined,
    durationMs: 0,
  };
}
