import type { IncomingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type getRawBodyType from 'raw-body';
import { API_VERSION, findOperation, run } from './api/index.js';
import { checkControlAccess, YAML_TYPES } from './control/guard.js';
import { lazyControlRoutes } from './control/lazy-routes.js';
import type { Emulator } from './emulator.js';
import { lazyModule } from './lazy.js';
import { expressModule } from './lazy-express.js';
import { AnswerBatch } from './protocol/answers.js';
import { decodeBody, mediaType, parseByteSize, parseJsonBody } from './protocol/body.js';
import type { Principal } from './protocol/credentials.js';
import { type Format, type Rendered, renderError, renderSuccess } from './protocol/envelope.js';
import { KmsError } from './protocol/errors.js';
import { guessFormat, type RpcCall, readCall, regionOf } from './protocol/intake.js';
import { parseV3Authorization } from './protocol/signature.js';
import { DroppedConnection } from './testkit/faults.js';

/** What observers (audit, recording, faults) see of each API call. */
export interface CallRecord {
  requestId: string;
  action: string;
  params: Record<string, string>;
  accessKeyId: string | undefined;
  /** A KMS Instance API call: the application access point of the client key `accessKeyId` names. */
  applicationAccessPoint?: string;
  accountId: string | undefined;
  regionId: string;
  status: number;
  code: string | undefined;
  result?: Record<string, unknown>;
  durationMs: number;
  /**
   * The call failed authentication: `accessKeyId` is only what the request claimed. Observers'
   * `before` hooks (faults) never see such a call; `after` hooks do (the audit journal records it).
   */
  authFailed?: boolean;
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * raw-body (with iconv-lite, ~15 ms to load) reads request bodies. A GET has none, so it loads on
 * the first request that sends one, not at start-up.
 */
const rawBody = lazyModule<typeof getRawBodyType>('raw-body');

/** Seeds can be large; everything else on the control plane is small. */
const CONTROL_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * The HTTP face of the emulator: POP RPC on `/` (GET or POST), test control under `/_emulator/`.
 * This file wires protocol to operations; it knows no operation by name.
 */
export function createApp(emulator: Emulator): express.Express {
  const app = expressModule()();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  const bodyLimit = parseByteSize(emulator.options.bodyLimit);
  // Bodies are read raw, whatever their Content-Encoding: decoding is the protocol's (src/protocol/body.ts).
  const rawBody = readRawBody(bodyLimit);
  const controlBody = readRawBody(CONTROL_BODY_LIMIT);
  app.use('/_emulator', controlBody, (req, res, next) => {
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      checkControlAccess(
        { method: req.method, path: req.path, headers: req.headers, hasBody: raw.length > 0 },
        emulator.controlPolicy,
      );
      const body = decodeBody(req.headers['content-encoding'], raw, CONTROL_BODY_LIMIT);
      const yaml = YAML_TYPES.has(mediaType(req.headers['content-type']).type);
      if (yaml && req.path !== '/seed') {
        throw new KmsError(
          'UnsupportedMediaType',
          'Only /_emulator/seed takes YAML; send application/json.',
          {
            status: 415,
          },
        );
      }
      req.body = yaml ? body.toString('utf8') : controlJson(parseJsonBody(req.headers['content-type'], body));
      next();
    } catch (error) {
      const failure = asKmsError(error, emulator, req.url);
      res.status(failure.status).json({ error: failure.code, message: failure.message });
    }
  });
  app.use('/_emulator', lazyControlRoutes(emulator));

  app.all('/', rawBody, (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { method, originalUrl: url, headers, socket } = req;
    void handleRpc(emulator, { method, url, headers, body, socket }, res, bodyLimit);
  });

  app.use((req, res) => {
    answers.send(
      res,
      renderError(
        guessFormat(req.url),
        emulator.world.ids.requestId(),
        new KmsError('InvalidAction.NotFound'),
        emulator.options.defaultRegion,
      ),
    );
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const failure = asKmsError(error, emulator, req.url);
    answers.send(
      res,
      renderError(
        guessFormat(req.url),
        emulator.world.ids.requestId(),
        failure,
        emulator.options.defaultRegion,
      ),
    );
  });

  return app;
}

/**
 * The listener the HTTP(S) servers use. The signed API (path `/`) takes a lean route on node:http:
 * the body read as by Express's route, then the very same `handleRpc` (protocol, registry,
 * observers), answered with one write. Everything else (/_emulator/, unknown paths) is Express's.
 */
export function createListener(emulator: Emulator, app: () => express.Express): RequestListener {
  const bodyLimit = parseByteSize(emulator.options.bodyLimit);
  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    if ((queryAt === -1 ? url : url.slice(0, queryAt)) !== '/') {
      app()(req, res);
      return;
    }
    const { headers } = req;
    if (
      (headers['content-length'] === undefined || headers['content-length'] === '0') &&
      headers['transfer-encoding'] === undefined
    ) {
      // No body (a GET, as pop-core sends): nothing to read or wait for.
      req.resume();
      void handleRpc(
        emulator,
        { method: req.method ?? 'GET', url, headers, body: EMPTY_BODY, socket: req.socket },
        res,
        bodyLimit,
      );
      return;
    }
    rawBody()(req, { limit: bodyLimit }).then(
      (body) =>
        handleRpc(
          emulator,
          { method: req.method ?? 'GET', url, headers: req.headers, body, socket: req.socket },
          res,
          bodyLimit,
        ),
      (error: unknown) =>
        answers.send(
          res,
          renderError(
            guessFormat(url),
            emulator.world.ids.requestId(),
            asKmsError(error, emulator, url),
            emulator.options.defaultRegion,
          ),
        ),
    );
  };
}

/** What handleRpc reads of an HTTP request, from Express's route or the lean one alike. */
interface RpcHttpRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  socket: Socket;
}

async function handleRpc(
  emulator: Emulator,
  req: RpcHttpRequest,
  res: ServerResponse,
  bodyLimit: number,
): Promise<void> {
  const started = performance.now();
  const world = emulator.world;
  const requestId = world.ids.requestId();
  let format: Format = guessFormat(req.url);
  let call: RpcCall | undefined;
  let record: CallRecord | undefined;
  let rendered: Rendered;
  try {
    call = readCall({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: decodeBody(req.headers['content-encoding'], req.body, bodyLimit),
    });
    format = call.format;
    const regionId = regionOf(call, emulator.options.defaultRegion);
    let principal: Principal;
    try {
      principal = emulator.authenticator.authenticate(call);
    } catch (error) {
      // Recorded (audit), but no fault fires on a call nobody authenticated.
      record = unauthenticatedRecord(emulator, call, requestId, regionId);
      throw error;
    }
    record = {
      requestId,
      action: call.action ?? '',
      params: call.params,
      accessKeyId: principal.accessKeyId,
      accountId: principal.accountId,
      regionId,
      status: 200,
      code: undefined,
      durationMs: 0,
    };
    if (!call.version) throw new KmsError('MissingParameter', missingText('Version'));
    if (call.version !== API_VERSION) throw new KmsError('InvalidVersion');
    if (!call.action) throw new KmsError('MissingParameter', missingText('Action'));
    const spec = findOperation(call.action);
    const observing = emulator.observers.before(record);
    if (observing) await observing;
    world.scheduler.runDue();
    const result = run(spec, call.params, {
      action: spec.name,
      requestId,
      principal,
      scope: { accountId: principal.accountId, regionId },
      world,
      userAgent: req.headers['user-agent'],
    });
    record.result = result;
    rendered = renderSuccess(format, spec.name, requestId, result);
  } catch (error) {
    if (error instanceof DroppedConnection) {
      emulator.logger.info({ action: call?.action, fault: 'drop' }, 'connection dropped');
      if (record) {
        // No answer was sent: status 0.
        record.status = 0;
        record.code = 'ConnectionDropped';
        record.durationMs = Math.round((performance.now() - started) * 100) / 100;
        emulator.observers.after(record);
      }
      req.socket.destroy();
      return;
    }
    const failure = asKmsError(error, emulator, req.url);
    rendered = renderError(format, requestId, failure, record?.regionId ?? emulator.options.defaultRegion);
    if (record) {
      record.status = failure.status;
      record.code = failure.code;
    }
  }
  // Acknowledge only what is durable. A call that wrote nothing, with no write of another call
  // still on its way to the disk, is answered without waiting (no await: the same turn).
  if (!world.store.durable) {
    try {
      await world.store.commit();
    } catch (error) {
      rendered = renderError(
        format,
        requestId,
        asKmsError(error, emulator, req.url),
        record?.regionId ?? emulator.options.defaultRegion,
      );
    }
  }
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  if (record) {
    record.durationMs = durationMs;
    emulator.observers.after(record);
  }
  if (emulator.logger.isLevelEnabled('info'))
    emulator.logger.info(
      {
        action: call?.action,
        accessKeyId: record?.accessKeyId ?? call?.params.AccessKeyId,
        status: rendered.status,
        code: rendered.status >= 400 ? errorCodeOf(rendered) : undefined,
        ms: durationMs,
      },
      'request',
    );
  answers.send(res, rendered);
}

/** A call that failed authentication, attributed to the AccessKeyId it claimed (if any). */
function unauthenticatedRecord(
  emulator: Emulator,
  call: RpcCall,
  requestId: string,
  regionId: string,
): CallRecord {
  const authorization = call.headers.authorization;
  const claimed =
    call.params.AccessKeyId || (authorization ? parseV3Authorization(authorization)?.accessKeyId : undefined);
  return {
    requestId,
    action: call.action ?? '',
    params: call.params,
    accessKeyId: claimed || undefined,
    accountId: claimed ? emulator.credentials.principal(claimed)?.accountId : undefined,
    regionId,
    status: 200,
    code: undefined,
    durationMs: 0,
    authFailed: true,
  };
}

function missingText(name: string): string {
  return `The input parameter "${name}" that is mandatory for processing this request is not supplied.`;
}

function errorCodeOf(rendered: Rendered): string | undefined {
  return /"Code":"([^"]+)"|<Code>([^<]+)<\/Code>/.exec(rendered.body)?.slice(1).find(Boolean);
}

/** A client's mistake keeps its code; anything unexpected is InternalFailure with the stack in the log. */
function asKmsError(error: unknown, emulator: Emulator, url: string): KmsError {
  if (error instanceof KmsError) return error;
  const httpError = error as { type?: string; status?: number; limit?: number };
  if (httpError?.type === 'entity.too.large') {
    return new KmsError(
      'RequestEntityTooLarge',
      `The request body is larger than the emulator's limit of ${emulator.options.bodyLimit}.`,
    );
  }
  if (httpError?.type === 'entity.parse.failed')
    return new KmsError('InvalidParameter', 'The request body is not valid JSON.');
  // Any other client error the HTTP layer found (bad percent-encoding in a path, an unsupported
  // charset or encoding, an aborted body): its 4xx, never a 500.
  const status = httpError?.status ?? (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new KmsError(status === 415 ? 'UnsupportedMediaType' : 'InvalidParameter', errorText(error), {
      status,
    });
  }
  if (error instanceof URIError) return new KmsError('InvalidParameter', 'The request path is not valid.');
  emulator.logger.error({ err: error, url: url.split('?')[0] }, 'internal failure');
  return new KmsError('InternalFailure');
}

/** Every control endpoint takes a JSON object (or nothing). */
function controlJson(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new KmsError('InvalidParameter', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Middleware: the request body as a Buffer in `req.body`, at most `limit` bytes as sent. */
function readRawBody(limit: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    rawBody()(req, { limit }).then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

function errorText(error: unknown): string {
  const message = (error as Error)?.message;
  return typeof message === 'string' && message.length < 200 ? message : 'The request is not valid.';
}

/** Every answer of the process goes through one batch (see AnswerBatch). */
export const answers = new AnswerBatch();
