import type { IncomingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type getRawBodyType from 'raw-body';
import type { Product } from './api/product.js';
import { checkControlAccess, YAML_TYPES } from './control/guard.js';
import { lazyControlRoutes } from './control/lazy-routes.js';
import type { Emulator } from './emulator.js';
import { checkInstanceOfResource, refuseOffInstanceEndpoint } from './gateway/openapi.js';
import { lazyModule } from './lazy.js';
import { expressModule } from './lazy-express.js';
import { asApiError, type CallRecord, PipelineCall, runCall } from './pipeline.js';
import { AnswerBatch } from './protocol/answers.js';
import { decodeBody, mediaType, parseByteSize, parseJsonBody } from './protocol/body.js';
import type { Principal } from './protocol/credentials.js';
import { type Format, renderError, renderSuccess } from './protocol/envelope.js';
import { ApiError, missingParameter } from './protocol/errors.js';
import { guessFormat, type RpcCall, readCall, regionOf } from './protocol/intake.js';
import { parseV3Authorization } from './protocol/signature.js';

export type { CallRecord } from './pipeline.js';

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
        throw new ApiError(
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
        new ApiError('InvalidAction.NotFound'),
        emulator.options.defaultRegion,
        emulator.products.main,
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
        emulator.products.main,
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
            emulator.products.main,
          ),
        ),
    );
  };
}

/** What handleRpc reads of an HTTP request, from Express's route or the lean one alike. */
export interface RpcHttpRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  socket: Socket;
}

/**
 * A POP RPC call (the OpenAPI), on the HTTP(S) listeners or — `instanceEndpoint` set — on an
 * instance endpoint of the gateway listener, where only the business operations answer and only
 * over the keys and secrets of the instance it names (src/gateway/openapi.ts).
 */
export async function handleRpc(
  emulator: Emulator,
  req: RpcHttpRequest,
  res: ServerResponse,
  bodyLimit: number,
  instanceEndpoint?: { instanceId: string | undefined },
): Promise<void> {
  const call = new PipelineCall(emulator);
  let format: Format = guessFormat(req.url);
  let action = '';
  const outcome = await runCall(call, () => {
    const rpc = readCall({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: decodeBody(req.headers['content-encoding'], req.body, bodyLimit),
    });
    format = rpc.format;
    const { products } = emulator;
    // The request's Version picks the product; its host rules read the region from a Host header.
    const product = rpc.version ? products.forVersion(rpc.version) : undefined;
    const regionId = regionOf(rpc, emulator.options.defaultRegion, (product ?? products.main).hosts);
    call.claimed = rpc.params.AccessKeyId;
    let principal: Principal;
    try {
      principal = emulator.authenticator.authenticate(rpc);
    } catch (error) {
      // Recorded (audit), but no fault fires on a call nobody authenticated.
      call.record = unauthenticatedRecord(emulator, rpc, call.requestId, regionId, product);
      throw error;
    }
    const record: CallRecord = {
      requestId: call.requestId,
      product: (product ?? products.main).code,
      version: rpc.version ?? '',
      action: rpc.action ?? '',
      params: rpc.params,
      accessKeyId: principal.accessKeyId,
      accountId: principal.accountId,
      regionId,
      status: 200,
      code: undefined,
      durationMs: 0,
    };
    call.record = record;
    if (!rpc.version) throw missingParameter('Version');
    if (!product) throw new ApiError('InvalidVersion');
    call.product = product;
    if (!rpc.action) throw missingParameter('Action');
    const spec = product.find(rpc.action);
    action = spec.name;
    const scope = { accountId: principal.accountId, regionId };
    if (instanceEndpoint) refuseOffInstanceEndpoint(spec, scope);
    return () => {
      if (instanceEndpoint)
        checkInstanceOfResource(emulator.world, scope, spec, rpc.params, instanceEndpoint.instanceId);
      // Nothing is evaluated for an account's root pair on its own resources (nor in mode off).
      const caller = emulator.authorizer.callerToCheck(
        principal,
        product,
        spec.name,
        rpc.params,
        regionId,
        emulator.world,
      );
      if (caller) {
        const decision = emulator.authorizer.authorize({
          caller,
          requestId: call.requestId,
          product,
          spec,
          params: rpc.params,
          accessKeyId: principal.accessKeyId,
          scope,
          world: emulator.world,
          context: {
            sourceIp: emulator.options.sourceIp ?? req.socket.remoteAddress,
            secureTransport: (req.socket as { encrypted?: boolean }).encrypted === true,
          },
          dryRun: rpc.params.DryRun?.trim().toLowerCase() === 'true',
        });
        if (decision && decision.decision !== 'Allow') record.denied = decision.decision;
      }
      const result = product.run(spec, rpc.params, {
        action: spec.name,
        requestId: call.requestId,
        principal,
        scope,
        world: emulator.world,
        product,
        userAgent: req.headers['user-agent'],
      });
      record.result = result;
      return result;
    };
  });
  if (outcome.kind === 'dropped') {
    req.socket.destroy();
    return;
  }
  const product = call.product ?? emulator.products.main;
  answers.send(
    res,
    outcome.kind === 'answer'
      ? renderSuccess(format, action, call.requestId, outcome.value)
      : renderError(
          format,
          call.requestId,
          outcome.error,
          call.record?.regionId ?? emulator.options.defaultRegion,
          product,
        ),
  );
}

/** A call that failed authentication, attributed to the AccessKeyId it claimed (if any). */
function unauthenticatedRecord(
  emulator: Emulator,
  call: RpcCall,
  requestId: string,
  regionId: string,
  product: Product | undefined,
): CallRecord {
  const authorization = call.headers.authorization;
  const claimed =
    call.params.AccessKeyId || (authorization ? parseV3Authorization(authorization)?.accessKeyId : undefined);
  return {
    requestId,
    product: (product ?? emulator.products.main).code,
    version: call.version ?? '',
    action: call.action ?? '',
    params: call.params,
    accessKeyId: claimed || undefined,
    accountId: claimed ? emulator.credentialOf(claimed)?.principal.accountId : undefined,
    regionId,
    status: 200,
    code: undefined,
    durationMs: 0,
    authFailed: true,
  };
}

/** A client's mistake keeps its code; anything unexpected is InternalFailure with the stack in the log. */
function asKmsError(error: unknown, emulator: Emulator, url: string): ApiError {
  return asApiError(error, emulator, url.split('?')[0]);
}

/** Every control endpoint takes a JSON object (or nothing). */
function controlJson(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('InvalidParameter', 'The request body must be a JSON object.');
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

/** Every answer of the process goes through one batch (see AnswerBatch). */
export const answers = new AnswerBatch();
