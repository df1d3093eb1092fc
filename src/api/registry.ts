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

export async function invoke(
  spec: OperationSpec,
  raw: Record<string, string>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const params = validateParams(spec, raw);
  const handler = handlers.get(spec.name);
  if (!handler) {
    throw new KmsError('UnsupportedOperation', `The emulator does not implement ${spec.name} yet.`);
  }
  try {
    // One request, one unit of work: a handler that fails leaves no partial writes behind.
    return ctx.world.store.transaction(() => handler(params, ctx));
  } catch (error) {
    throw asDocumented(spec, error);
  }
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
