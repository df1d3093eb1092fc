import type { Product } from './api/product.js';
import type { Emulator } from './emulator.js';
import { ApiError } from './protocol/errors.js';
import { DroppedConnection } from './testkit/faults.js';

/** What observers (audit, recording, faults) see of each API call, from either front end. */
export interface CallRecord {
  requestId: string;
  /** The product that answered (`Kms`, …): its code, as a fault rule or audit filter names it. */
  product: string;
  /** Its API version (`2016-01-20`), or what the request named when no product answers it. */
  version: string;
  action: string;
  params: Record<string, string>;
  accessKeyId: string | undefined;
  /** A KMS Instance API call: the application access point of the client key `accessKeyId` names. */
  applicationAccessPoint?: string;
  /** The front end that took the call: the KMS Instance API (the OpenAPI when absent). */
  via?: 'instance-api';
  accountId: string | undefined;
  regionId: string;
  status: number;
  code: string | undefined;
  result?: Record<string, unknown>;
  durationMs: number;
  /**
   * Authorization denied the call (`ExplicitDeny` | `ImplicitDeny`), or — in audit mode — would have:
   * the explanation is the authorizer's (GET /_emulator/authorize/denials, the audit journal).
   */
  denied?: 'ExplicitDeny' | 'ImplicitDeny';
  /**
   * The call failed authentication: `accessKeyId` is only what the request claimed. Observers'
   * `before` hooks (faults) never see such a call; `after` hooks do (the audit journal records it).
   */
  authFailed?: boolean;
}

/** How a call ended: an answer to render, an error to render, or a connection a fault cut. */
export type CallOutcome<T> =
  | { kind: 'answer'; value: T }
  | { kind: 'error'; error: ApiError }
  | { kind: 'dropped' };

/**
 * One API call on its way through the emulator, whichever front end took it (the OpenAPI on the
 * HTTP(S) listeners, the KMS Instance API on the gateway listener). The front end reads its request,
 * authenticates the caller and fills in `record` and `product`; the pipeline does the rest, the same
 * for both.
 */
export class PipelineCall {
  readonly requestId: string;
  readonly started = performance.now();
  record: CallRecord | undefined;
  /** The product that answers, once the request named one: it resolves error codes and the envelope. */
  product: Product | undefined;
  /** The AccessKeyId (or client key) a request claimed, for the log line when no record was made. */
  claimed: string | undefined;

  /**
   * The RequestId comes from the world's ids (seeded runs repeat it) for both front ends, in each
   * one's form: the OpenAPI's upper-case UUID, the Instance API's lower-case one.
   */
  constructor(
    readonly emulator: Emulator,
    frontEnd: 'openapi' | 'instance-api' = 'openapi',
  ) {
    this.requestId = frontEnd === 'openapi' ? emulator.world.ids.requestId() : emulator.world.ids.uuid();
  }
}

/**
 * The call pipeline: admit (the front end reads and authenticates the request, and returns the work)
 * → observers before (faults) → due jobs → the work (in a store transaction) → commit (answer only
 * what is durable) → observers after (audit, recorder) → the log line. A client's mistake is an
 * ApiError with its product's documented status and message; anything unexpected is InternalFailure
 * with the stack in the log, never the detail in the answer.
 */
export async function runCall<T>(
  call: PipelineCall,
  admit: (call: PipelineCall) => () => T | Promise<T>,
): Promise<CallOutcome<T>> {
  const { emulator } = call;
  const world = emulator.world;
  let outcome: CallOutcome<T>;
  try {
    const work = admit(call);
    const record = call.record as CallRecord;
    const observing = emulator.observers.before(record);
    if (observing) await observing;
    world.scheduler.runDue();
    const value = work();
    // The OpenAPI's handlers answer at once; an Instance API operation may answer a promise.
    outcome = { kind: 'answer', value: value instanceof Promise ? await value : value };
  } catch (error) {
    if (error instanceof DroppedConnection) {
      emulator.logger.info({ action: call.record?.action, fault: 'drop' }, 'connection dropped');
      const record = call.record;
      if (record) {
        // No answer was sent: status 0.
        record.status = 0;
        record.code = 'ConnectionDropped';
        record.durationMs = elapsed(call);
        emulator.observers.after(record);
      }
      return { kind: 'dropped' };
    }
    outcome = { kind: 'error', error: failureOf(call, error) };
  }
  // Acknowledge only what is durable. A call that wrote nothing, with no write of another call
  // still on its way to the disk, is answered without waiting (no await: the same turn).
  if (!world.store.durable) {
    try {
      await world.store.commit();
    } catch (error) {
      outcome = { kind: 'error', error: failureOf(call, error) };
    }
  }
  const durationMs = elapsed(call);
  const record = call.record;
  if (record) {
    if (outcome.kind === 'error') {
      record.status = outcome.error.status;
      record.code = outcome.error.code;
      const detail = outcome.error.details?.AccessDeniedDetail as { NoPermissionType?: string } | undefined;
      if (detail?.NoPermissionType === 'ExplicitDeny' || detail?.NoPermissionType === 'ImplicitDeny')
        record.denied = detail.NoPermissionType;
    }
    record.durationMs = durationMs;
    emulator.observers.after(record);
  }
  if (emulator.logger.isLevelEnabled('info')) {
    const failed = outcome.kind === 'error' ? outcome.error : undefined;
    const line: Record<string, unknown> = {
      action: record?.action,
      accessKeyId: record?.accessKeyId ?? call.claimed,
      status: failed ? failed.status : 200,
      code: failed?.code,
      ms: durationMs,
    };
    if (call.product && call.product !== emulator.products.main) line.product = call.product.code;
    if (record?.via) line.via = record.via;
    if (record?.applicationAccessPoint) line.aap = record.applicationAccessPoint;
    emulator.logger.info(line, 'request');
  }
  return outcome;
}

function elapsed(call: PipelineCall): number {
  return Math.round((performance.now() - call.started) * 100) / 100;
}

function failureOf(call: PipelineCall, error: unknown): ApiError {
  const failure = asApiError(error, call.emulator, call.record?.action);
  return call.product ? call.product.errors.resolve(failure) : failure;
}

/** A client's mistake keeps its code; anything unexpected is InternalFailure with the stack in the log. */
export function asApiError(error: unknown, emulator: Emulator, where?: string): ApiError {
  if (error instanceof ApiError) return error;
  const httpError = error as { type?: string; status?: number; limit?: number };
  if (httpError?.type === 'entity.too.large') {
    return new ApiError(
      'RequestEntityTooLarge',
      `The request body is larger than the emulator's limit of ${emulator.options.bodyLimit}.`,
    );
  }
  if (httpError?.type === 'entity.parse.failed')
    return new ApiError('InvalidParameter', 'The request body is not valid JSON.');
  // Any other client error the HTTP layer found (bad percent-encoding in a path, an unsupported
  // charset or encoding, an aborted body): its 4xx, never a 500.
  const status = httpError?.status ?? (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status === 415 ? 'UnsupportedMediaType' : 'InvalidParameter', errorText(error), {
      status,
    });
  }
  if (error instanceof URIError) return new ApiError('InvalidParameter', 'The request path is not valid.');
  emulator.logger.error({ err: error, where }, 'internal failure');
  return new ApiError('InternalFailure');
}

function errorText(error: unknown): string {
  const message = (error as Error)?.message;
  return typeof message === 'string' && message.length < 200 ? message : 'The request is not valid.';
}
