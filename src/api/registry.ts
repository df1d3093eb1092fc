import type { Scope, World } from '../domain/world.js';
import type { Principal } from '../protocol/credentials.js';
import { KmsError } from '../protocol/errors.js';
import { type Params, validateParams } from './params.js';
import { type OperationSpec, operations } from './spec.js';

/**
 * The operation registry. The spec declares every operation's name and parameters; an area module
 * declares its handler once with `defineOperations`. A handler takes validated parameters and returns
 * a plain object (the response without RequestId); it never sees HTTP.
 */
export interface OperationContext {
  action: string;
  requestId: string;
  principal: Principal;
  scope: Scope;
  world: World;
  /** The caller's User-Agent: a few answers differ by SDK generation (instances.ts ZoneIds). */
  userAgent?: string;
}

export type Handler = (params: Params, ctx: OperationContext) => Record<string, unknown>;

const handlers = new Map<string, Handler>();

export function defineOperations(definitions: Record<string, Handler>): void {
  for (const [name, handler] of Object.entries(definitions)) {
    if (!operations.has(name)) throw new Error(`${name} is not an operation of KMS 2016-01-20`);
    if (handlers.has(name)) throw new Error(`${name} is defined twice`);
    handlers.set(name, handler);
  }
}

export function isImplemented(action: string): boolean {
  return handlers.has(action);
}

export function implementedOperations(): string[] {
  return [...handlers.keys()].sort();
}

/** Finds the operation, or fails as the gateway does for an unknown name. */
export function findOperation(action: string): OperationSpec {
  const spec = operations.get(action);
  if (!spec) throw new KmsError('InvalidAction.NotFound');
  return spec;
}

/** `run` as a promise: a failure is a rejection. */
export async function invoke(
  spec: OperationSpec,
  raw: Record<string, string>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  return run(spec, raw, ctx);
}

/**
 * Validates the parameters and runs the operation's handler in one store transaction. Handlers
 * are synchronous, so the answer (or the error) comes back at once: the HTTP path awaits nothing
 * between reading a request and writing its answer unless a write must reach the disk.
 */
export function run(
  spec: OperationSpec,
  raw: Record<string, string>,
  ctx: OperationContext,
): Record<string, unknown> {
  const dryRun = takesParam(spec, 'DryRun') && raw.DryRun?.trim().toLowerCase() === 'true';
  let params: Params;
  try {
    params = validateParams(spec, raw);
  } catch (error) {
    throw dryRun ? asValidationError(error) : error;
  }
  const handler = handlers.get(spec.name);
  if (!handler) {
    throw new KmsError('UnsupportedOperation', `The emulator does not implement ${spec.name} yet.`);
  }
  refuseRecipient(spec, params);
  if (dryRun) return dryRunOf(spec, handler, params, ctx);
  try {
    // One request, one unit of work: a handler that fails leaves no partial writes behind.
    return ctx.world.store.transaction(() => handler(params, ctx));
  } catch (error) {
    throw asDocumented(spec, error);
  }
}

function takesParam(spec: OperationSpec, name: string): boolean {
  let names = paramNames.get(spec);
  if (!names) {
    names = new Set(spec.params.map((p) => p.name));
    paramNames.set(spec, names);
  }
  return names.has(name);
}
const paramNames = new WeakMap<OperationSpec, Set<string>>();

/**
 * `DryRun=true` (the newest SDK's parameter): the call is checked as it would run — parameters,
 * resources, key states — and always fails, doing nothing: `DryRunOperationError` when it would
 * have succeeded, `ValidationError` for a bad parameter, else the error the call would give. The
 * handler runs in a transaction that is always undone, and its answer (a secret value, a data key)
 * never leaves.
 */
class DryRunPassed extends Error {}

function dryRunOf(spec: OperationSpec, handler: Handler, params: Params, ctx: OperationContext): never {
  try {
    ctx.world.store.transaction(() => {
      try {
        handler(params, ctx);
      } catch (error) {
        // Not even a failure's trace (a rotation marking a secret Invalid) stays after a dry run.
        if (error instanceof KmsError) error.keepChanges = false;
        throw error;
      }
      throw new DryRunPassed();
    });
  } catch (error) {
    if (!(error instanceof DryRunPassed)) throw asValidationError(asDocumented(spec, error));
  }
  throw new KmsError('DryRunOperationError', 'Request validation has been passed with DryRun flag set.', {
    status: 400,
  });
}

function asValidationError(error: unknown): unknown {
  if (!(error instanceof KmsError)) return error;
  if (!/^(MissingParameter|InvalidParameter)/.test(error.code)) return error;
  return new KmsError('ValidationError', error.message, { status: 400, headers: error.headers });
}

/**
 * `Recipient` asks KMS to seal the plaintext for an attested enclave (CiphertextForRecipient). The
 * emulator has no enclave attestation to check, so it refuses the call rather than return the
 * plaintext in clear to a caller who asked for it sealed.
 */
function refuseRecipient(spec: OperationSpec, params: Params): void {
  if (!takesParam(spec, 'Recipient') || !params.optString('Recipient')) return;
  throw new KmsError(
    'UnsupportedOperation',
    `The emulator does not emulate Recipient (CiphertextForRecipient for an attested enclave) on ${spec.name}; call it without Recipient.`,
    { status: 400 },
  );
}

/**
 * A domain rule may raise a refined code (InvalidParameter.TagKey) that one operation documents
 * (TagResources) and another does not (TagResource, which documents only InvalidParameter). Each
 * operation answers the code its own documentation names: the refined one when documented, else
 * its documented family.
 */
function asDocumented(spec: OperationSpec, error: unknown): unknown {
  if (!(error instanceof KmsError) || spec.errors.size === 0 || spec.errors.has(error.code)) return error;
  const family = error.code.split('.')[0] as string;
  if (family === error.code || !spec.errors.has(family)) return error;
  return new KmsError(family, error.message, { status: error.status, headers: error.headers });
}
