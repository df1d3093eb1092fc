import type { ProductChecks } from '../authorizer.js';
import type { Scope, World } from '../domain/world.js';
import type { Principal } from '../protocol/credentials.js';
import { ApiError, ErrorCatalog } from '../protocol/errors.js';
import { type Params, validateParams } from './params.js';
import type { OperationSpec, ProductSpec } from './spec.js';

/**
 * A product is a value: its code and API version, its spec (operations, parameters, response models,
 * documented errors), its error catalog, the host names that name it, and its handlers. Several
 * products answer on the same listeners; the request's `Version` picks one (src/server.ts), so two
 * products may each have an operation of the same name (KMS and RAM both have `CreatePolicy`).
 * A handler takes validated parameters and returns a plain object (the response without RequestId);
 * it never sees HTTP.
 */
export interface OperationContext {
  action: string;
  requestId: string;
  principal: Principal;
  scope: Scope;
  world: World;
  /** The product that answers (its code names it in the audit journal, faults and the recorder). */
  product: Product;
  /** The caller's User-Agent: a few answers differ by SDK generation (instances.ts ZoneIds). */
  userAgent?: string;
}

export type Handler = (params: Params, ctx: OperationContext) => Record<string, unknown>;

/** How a product's host names read: `kms.<region>.aliyuncs.com`, `ram.aliyuncs.com`, … */
export interface HostRules {
  /** The host the gateway reports as having answered (an error envelope's HostId). */
  hostId(regionId: string): string;
  /** The region a Host header names for this product, if it names one. */
  regionOf(host: string): string | undefined;
  /** Whether a Host header names this product (for clients that set an endpoint per product). */
  names(host: string): boolean;
}

/**
 * A `<code>.<region>.aliyuncs.com` product (`-vpc` and `-share` forms too), or a global one
 * (`<code>.aliyuncs.com`, RAM) whose regional forms still name it.
 */
export function aliyunHosts(code: string, options: { global?: boolean } = {}): HostRules {
  const lower = code.toLowerCase();
  const regional = new RegExp(`^${lower}(?:-vpc)?\\.([a-z0-9-]+)\\.aliyuncs\\.com(?::\\d+)?$`, 'i');
  const global = new RegExp(`^${lower}(?:-vpc)?\\.aliyuncs\\.com(?::\\d+)?$`, 'i');
  return {
    hostId: (regionId) => (options.global ? `${lower}.aliyuncs.com` : `${lower}.${regionId}.aliyuncs.com`),
    regionOf: (host) => regional.exec(host)?.[1]?.toLowerCase(),
    names: (host) => regional.test(host) || global.test(host),
  };
}

export interface ProductDefinition {
  /** As the troubleshooting link names it: `Kms`, `Ram`, `Sts`. */
  code: string;
  version: string;
  spec: ProductSpec;
  hosts: HostRules;
}

export class Product {
  readonly code: string;
  readonly version: string;
  readonly spec: ProductSpec;
  readonly errors: ErrorCatalog;
  readonly hosts: HostRules;
  /**
   * The product's table of authorization checks (operation → action(s) on resource ARN(s)), beside
   * its spec; a product without one is checked as `<code>:<Operation>` on `*`.
   */
  checks?: ProductChecks;
  /**
   * Operations whose checks apply to an account's own root pair too (STS AssumeRole: the role's
   * trust policy must name the account); every other operation never evaluates a root pair.
   */
  rootChecked: ReadonlySet<string> = new Set();
  /** Whether a call names another account's resource, whose policy must then name even a root caller. */
  namesOtherAccount?: (params: Readonly<Record<string, string>>, scope: Scope, world: World) => boolean;
  /**
   * The code of an authorization denial in this product: KMS's `Forbidden.NoPermission` unless the
   * product documents another (RAM and STS: `NoPermission`, 403). Its status and message come from
   * the product's catalog (the operation's own documented status first).
   */
  denialCode = 'Forbidden.NoPermission';
  private readonly handlers = new Map<string, Handler>();

  constructor(definition: ProductDefinition) {
    this.code = definition.code;
    this.version = definition.version;
    this.spec = definition.spec;
    this.hosts = definition.hosts;
    this.errors = new ErrorCatalog(definition.spec.errorCodes);
  }

  get operations(): ReadonlyMap<string, OperationSpec> {
    return this.spec.operations;
  }

  /** Declares handlers of this product's operations (each once). */
  define(definitions: Record<string, Handler>): void {
    for (const [name, handler] of Object.entries(definitions)) {
      if (!this.spec.operations.has(name)) throw new Error(`${name} is not an operation of ${this.label}`);
      if (this.handlers.has(name)) throw new Error(`${name} of ${this.label} is defined twice`);
      this.handlers.set(name, handler);
    }
  }

  get label(): string {
    return `${this.code} ${this.version}`;
  }

  isImplemented(action: string): boolean {
    return this.handlers.has(action);
  }

  implementedOperations(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Finds the operation, or fails as the gateway does for an unknown name. */
  find(action: string): OperationSpec {
    const spec = this.spec.operations.get(action);
    if (!spec) throw new ApiError('InvalidAction.NotFound');
    return spec;
  }

  /**
   * Validates the parameters and runs the operation's handler in one store transaction. Handlers
   * are synchronous, so the answer (or the error) comes back at once: the HTTP path awaits nothing
   * between reading a request and writing its answer unless a write must reach the disk.
   */
  run(spec: OperationSpec, raw: Record<string, string>, ctx: OperationContext): Record<string, unknown> {
    const dryRun = takesParam(spec, 'DryRun') && raw.DryRun?.trim().toLowerCase() === 'true';
    let params: Params;
    try {
      params = validateParams(spec, raw);
    } catch (error) {
      throw dryRun ? asValidationError(error) : error;
    }
    const handler = this.handlers.get(spec.name);
    if (!handler) {
      throw new ApiError('UnsupportedOperation', `The emulator does not implement ${spec.name} yet.`);
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
}

/** The products one emulator serves, found by API version or by host name. */
export class ProductSet {
  private readonly byVersion = new Map<string, Product>();

  constructor(readonly list: readonly Product[]) {
    if (list.length === 0) throw new Error('An emulator serves at least one product.');
    for (const product of list) {
      if (this.byVersion.has(product.version)) {
        throw new Error(`Two products answer version ${product.version}.`);
      }
      this.byVersion.set(product.version, product);
    }
  }

  /** The first product (KMS): what answers an error before the request names a product. */
  get main(): Product {
    return this.list[0] as Product;
  }

  forVersion(version: string): Product | undefined {
    return this.byVersion.get(version);
  }

  forHost(host: string): Product | undefined {
    return host ? this.list.find((p) => p.hosts.names(host)) : undefined;
  }

  byCode(code: string): Product | undefined {
    const lower = code.toLowerCase();
    return this.list.find((p) => p.code.toLowerCase() === lower);
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
        if (error instanceof ApiError) error.keepChanges = false;
        throw error;
      }
      throw new DryRunPassed();
    });
  } catch (error) {
    if (!(error instanceof DryRunPassed)) throw asValidationError(asDocumented(spec, error));
  }
  throw new ApiError('DryRunOperationError', 'Request validation has been passed with DryRun flag set.', {
    status: 400,
  });
}

function asValidationError(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (!/^(MissingParameter|InvalidParameter)/.test(error.code)) return error;
  return new ApiError('ValidationError', error.message, { status: 400, headers: error.headers });
}

/**
 * `Recipient` asks KMS to seal the plaintext for an attested enclave (CiphertextForRecipient). The
 * emulator has no enclave attestation to check, so it refuses the call rather than return the
 * plaintext in clear to a caller who asked for it sealed.
 */
function refuseRecipient(spec: OperationSpec, params: Params): void {
  if (!takesParam(spec, 'Recipient') || !params.optString('Recipient')) return;
  throw new ApiError(
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
  if (!(error instanceof ApiError) || spec.errors.size === 0 || spec.errors.has(error.code)) return error;
  const family = error.code.split('.')[0] as string;
  if (family === error.code || !spec.errors.has(family)) return error;
  return new ApiError(family, error.message, { status: error.status, headers: error.headers });
}
