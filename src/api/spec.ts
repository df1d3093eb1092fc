import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerErrorCodes } from '../protocol/errors.js';

/**
 * Alibaba's own API metadata for KMS 2016-01-20 (spec/kms-2016-01-20.api-docs.json, shipped with the
 * package) is the source of truth for operation names, parameters, types and documented errors.
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
  /** Top-level response field names, in the spec's order. */
  responseFields: string[];
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

export const API_VERSION = '2016-01-20';

/** Operations published after the spec snapshot (spec/README.md): parameters only. */
const NEWER_OPERATIONS: Record<string, RawParam[]> = {
  // Parameters as the Tea SDKs (alibabacloud_kms20160120 3.x) send them: a JSON array of
  // {SecretName, VersionId?, VersionStage?, FetchExtendedConfig?}, at most 20.
  BatchGetSecretValue: [
    {
      name: 'SecretsList',
      style: 'json',
      schema: { type: 'array', items: { type: 'object' }, required: true },
    },
  ],
  // GenerateMac / VerifyMac as alibabacloud_kms20160120 3.3.1 sends them (all in the query; DryRun
  // typed as a string there).
  GenerateMac: [
    { name: 'KeyId', schema: { type: 'string', required: true } },
    { name: 'Algorithm', schema: { type: 'string', required: true } },
    { name: 'Message', schema: { type: 'string', required: true } },
    { name: 'DryRun', schema: { type: 'string', required: false } },
  ],
  VerifyMac: [
    { name: 'KeyId', schema: { type: 'string', required: true } },
    { name: 'Algorithm', schema: { type: 'string', required: true } },
    { name: 'Message', schema: { type: 'string', required: true } },
    { name: 'Mac', schema: { type: 'string', required: true } },
    { name: 'DryRun', schema: { type: 'string', required: false } },
  ],
  GetDefaultKmsInstance: [],
  GetKmsInstanceQuotaInfos: [
    { name: 'KmsInstanceId', schema: { type: 'string', required: true } },
    { name: 'ResourceType', schema: { type: 'string', required: false } },
  ],
  ReleaseKmsInstance: [
    { name: 'KmsInstanceId', schema: { type: 'string', required: true } },
    { name: 'ForceDeleteWithoutBackup', schema: { type: 'boolean', required: false } },
  ],
};

const specPath = fileURLToPath(new URL('../../spec/kms-2016-01-20.api-docs.json', import.meta.url));
const raw = JSON.parse(readFileSync(specPath, 'utf8')) as RawSpec;

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

export const operations: ReadonlyMap<string, OperationSpec> = new Map([
  ...Object.entries(raw.apis).map(([name, api]) => [name, toOperation(name, api)] as const),
  ...Object.entries(NEWER_OPERATIONS).map(
    ([name, parameters]) => [name, toOperation(name, { parameters })] as const,
  ),
]);

// The spec types CreateCertificate's SubjectAlternativeNames as an object, but documents it (and
// its example sends it) as a JSON array of domain names.
for (const param of operations.get('CreateCertificate')?.params ?? []) {
  if (param.name === 'SubjectAlternativeNames') Object.assign(param, { type: 'array', itemType: 'string' });
}

export const endpoints: readonly { regionId: string; endpoint: string }[] = raw.endpoints;

// Every documented error code becomes known to KmsError with its documented status and message.
registerErrorCodes(
  Object.values(raw.apis).flatMap((api) =>
    Object.entries(api.errorCodes ?? {}).flatMap(([status, list]) =>
      list.map(
        (e) =>
          [e.errorCode, { status: Number(status), message: e.errorMessage }] as [
            string,
            { status: number; message: string },
          ],
      ),
    ),
  ),
);
