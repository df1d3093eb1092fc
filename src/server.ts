import express, { type NextFunction, type Request, type Response } from 'express';
import { API_VERSION, findOperation, invoke } from './api/index.js';
import { controlRoutes } from './control/routes.js';
import type { Emulator } from './emulator.js';
import { DroppedConnection } from './fixtures/faults.js';
import type { Principal } from './protocol/credentials.js';
import { type Format, type Rendered, renderError, renderSuccess } from './protocol/envelope.js';
import { KmsError } from './protocol/errors.js';
import { guessFormat, type RpcCall, readCall, regionOf } from './protocol/intake.js';
import { parseV3Authorization } from './protocol/signature.js';

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

/**
 * The HTTP face of the emulator: POP RPC on `/` (GET or POST), test control under `/_emulator/`.
 * This file wires protocol to operations; it knows no operation by name.
 */
export function createApp(emulator: Emulator): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  app.use('/_emulator', express.json({ limit: emulator.options.bodyLimit }), controlRoutes(emulator));

  app.all('/', express.raw({ type: () => true, limit: emulator.options.bodyLimit }), (req, res) => {
    void handleRpc(emulator, req, res);
  });

  app.use((req, res) => {
    send(
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
    send(
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

async function handleRpc(emulator: Emulator, req: Request, res: Response): Promise<void> {
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
      url: req.originalUrl,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
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
    await emulator.observers.before(record);
    world.scheduler.runDue();
    const result = await invoke(spec, call.params, {
      action: spec.name,
      requestId,
      principal,
      scope: { accountId: principal.accountId, regionId },
      world,
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
  try {
    // Acknowledge only what is durable.
    await world.store.commit();
  } catch (error) {
    rendered = renderError(
      format,
      requestId,
      asKmsError(error, emulator, req.url),
      record?.regionId ?? emulator.options.defaultRegion,
    );
  }
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  if (record) {
    record.durationMs = durationMs;
    emulator.observers.after(record);
  }
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
  send(res, rendered);
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
  emulator.logger.error({ err: error, url: url.split('?')[0] }, 'internal failure');
  return new KmsError('InternalFailure');
}

function send(res: Response, rendered: Rendered): void {
  res.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers)) res.setHeader(name, value);
  // Exactly this header: some official clients compare it verbatim.
  res.setHeader('Content-Type', rendered.contentType);
  res.end(rendered.body);
}
