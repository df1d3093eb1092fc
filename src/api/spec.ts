import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.js';

/**
 * Two facts files per product, both shipped with the package, are the source of truth (KMS's:
 * - spec/sdk-models.json: the request and response models of the newest official SDK
 *   (alibabacloud_kms20160120), written by scripts/sdk-models.py: operation names, every parameter
 *   the SDK sends (name, type, required, serialisation style) and every response field and type.
 * - spec/kms-2016-01-20.api-docs.json: Alibaba's API metadata of June 2024: documented error codes,
 *   enums, and the operations and parameters older clients still send.)
 * Where both describe a parameter, the SDK decides name, requiredness and style (the client wins);
 * the metadata adds its enum and a stricter scalar type (integer, boolean) when the SDK says string.
 */
export type ParamType = 'string' | 'integer' | 'boolean' | 'object' | 'array';

export interface ParamSpec {
  name: string;
  type: ParamType;
  required: boolean;
  /** `json`: an object or array sent as a JSON string; `repeatList`: `Name.1`, `Name.1.Key` … (or JSON). */
  style?: 'json' | 'repeatList' | 'flat';
  enum?: string[];
  itemType?: ParamType;
}

export interface OperationSpec {
  name: string;
  params: ParamSpec[];
  /** Documented error codes: code → HTTP status. */
  errors: Map<string, number>;
  /** Top-level response field names (the SDK's response model, else the metadata's). */
  responseFields: string[];
  /** The SDK's response body model, when the SDK has the operation. */
  response?: Record<string, SdkType>;
}

/** A type in spec/sdk-models.json. */
export interface SdkType {
  type: 'string' | 'integer' | 'boolean' | 'number' | 'array' | 'map' | 'object' | 'any';
  items?: SdkType;
  model?: string;
  properties?: Record<string, SdkType>;
}

interface SdkParam extends SdkType {
  name: string;
  position: 'Query' | 'Body';
  required: boolean;
  style?: string;
}

interface SdkModels {
  source: { package: string; version: string };
  operations: Record<string, { request: SdkParam[]; response: Record<string, SdkType> }>;
}

interface RawParam {
  name: string;
  style?: string;
  schema: { type: string; required?: boolean; enum?: string[]; items?: { type?: string } };
}

interface RawApi {
  parameters?: RawParam[];
  errorCodes?: Record<string, { errorCode: string; errorMessage: string }[]>;
  responses?: { '200'?: { schema?: { properties?: Record<string, unknown> } } };
}

interface RawSpec {
  apis: Record<string, RawApi>;
  endpoints: { regionId: string; endpoint: string }[];
}

function toParam(p: RawParam): ParamSpec {
  const type = (
    ['integer', 'boolean', 'object', 'array'].includes(p.schema.type) ? p.schema.type : 'string'
  ) as ParamType;
  const enumValues = p.schema.enum?.map((v) => v.trim());
  return {
    name: p.name,
    type,
    required: p.schema.required === true,
    style: p.style === 'json' || p.style === 'repeatList' || p.style === 'flat' ? p.style : undefined,
    enum: enumValues,
    itemType: p.schema.items?.type as ParamType | undefined,
  };
}

function toOperation(name: string, api: RawApi): OperationSpec {
  const errors = new Map<string, number>();
  for (const [status, list] of Object.entries(api.errorCodes ?? {})) {
    for (const e of list) if (!errors.has(e.errorCode)) errors.set(e.errorCode, Number(status));
  }
  return {
    name,
    params: (api.parameters ?? []).map(toParam),
    errors,
    responseFields: Object.keys(api.responses?.['200']?.schema?.properties ?? {}),
  };
}

const SDK_SCALAR: Record<SdkType['type'], ParamType> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  number: 'string',
  array: 'array',
  map: 'object',
  object: 'object',
  any: 'string',
};

/** The SDK's view of an operation, with the metadata's enums and error codes where it has them. */
function fromSdk(
  name: string,
  model: SdkModels['operations'][string],
  api: RawApi | undefined,
): OperationSpec {
  const documented = api ? toOperation(name, api) : undefined;
  const older = new Map((documented?.params ?? []).map((p) => [p.name, p]));
  const params: ParamSpec[] = model.request.map((p) => {
    const old = older.get(p.name);
    older.delete(p.name);
    let type = SDK_SCALAR[p.type];
    if (type === 'string' && old && (old.type === 'integer' || old.type === 'boolean')) type = old.type;
    const style = p.style === 'json' || p.style === 'repeatList' || p.style === 'flat' ? p.style : old?.style;
    return {
      name: p.name,
      type,
      required: p.required,
      style,
      enum: old?.enum,
      itemType: p.items ? SDK_SCALAR[p.items.type] : old?.itemType,
    };
  });
  // Parameters only older clients send stay accepted, never required of the newest SDK.
  for (const old of older.values()) params.push({ ...old, required: false });
  return {
    name,
    params,
    errors: documented?.errors ?? new Map(),
    responseFields: Object.keys(model.response),
    response: model.response,
  };
}

/** What a product's two facts files say: its operations, endpoints, SDK release and documented errors. */
export interface ProductSpec {
  operations: ReadonlyMap<string, OperationSpec>;
  endpoints: readonly { regionId: string; endpoint: string }[];
  /** The SDK release the models were generated from. */
  sdkSource: Readonly<{ package: string; version: string }>;
  /** Every documented error code with its documented status and message (first documented wins). */
  errorCodes: [string, { status: number; message: string }][];
}

/**
 * Reads a product's spec: the SDK's models (`sdkModels`, written by scripts/sdk-models.py) merged
 * with Alibaba's API metadata (`apiDocs`, optional: documented errors, enums, older parameters).
 * Files are named relative to the package's spec/ folder.
 */
export function loadSpec(files: { sdkModels: string; apiDocs?: string }): ProductSpec {
  const raw: RawSpec = files.apiDocs
    ? (JSON.parse(readFileSync(packagePath('spec', files.apiDocs), 'utf8')) as RawSpec)
    : { apis: {}, endpoints: [] };
  const sdk = JSON.parse(readFileSync(packagePath('spec', files.sdkModels), 'utf8')) as SdkModels;
  const operations = new Map([
    ...Object.entries(raw.apis).map(([name, api]) => [name, toOperation(name, api)] as const),
    ...Object.entries(sdk.operations).map(
      ([name, model]) => [name, fromSdk(name, model, raw.apis[name])] as const,
    ),
  ]);
  const errorCodes = Object.values(raw.apis).flatMap((api) =>
    Object.entries(api.errorCodes ?? {}).flatMap(([status, list]) =>
      list.map(
        (e) =>
          [e.errorCode, { status: Number(status), message: e.errorMessage }] as [
            string,
            { status: number; message: string },
          ],
      ),
    ),
  );
  return { operations, endpoints: raw.endpoints ?? [], sdkSource: sdk.source, errorCodes };
}
