import type { Params } from '../api/params.js';
import type { OperationContext } from '../api/product.js';
import type { SdkType } from '../api/spec.js';
import { isoSeconds } from '../domain/time.js';
import { KmsError } from '../protocol/errors.js';

/**
 * What RAM's and STS's handlers share: RAM's date format, Marker/MaxItems paging, name rules, and
 * the answer cut to the operation's SDK response model.
 */
export const date = (ms: number): string => isoSeconds(ms);

/**
 * The answer with only the fields the SDK's response model names (recursively): records carry
 * more than any one operation shows (CreateUser has no UpdateDate, GetUser has), and a field the
 * model lacks must never reach a client. Undefined fields are left out.
 */
export function answer(ctx: OperationContext, body: Record<string, unknown>): Record<string, unknown> {
  const model = ctx.product.spec.operations.get(ctx.action)?.response;
  return model ? (cut(body, model) as Record<string, unknown>) : body;
}

function cut(value: unknown, model: Record<string, SdkType>): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(model)) {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined) continue;
    out[name] = cutTyped(field, type);
  }
  return out;
}

function cutTyped(value: unknown, type: SdkType): unknown {
  if (type.type === 'array' && Array.isArray(value)) {
    const items = type.items;
    return items?.properties ? value.map((v) => cut(v, items.properties as Record<string, SdkType>)) : value;
  }
  if (type.properties) return cut(value, type.properties);
  return value;
}

/**
 * RAM's paging: `MaxItems` (1–1000, default 100) and an opaque `Marker` (here: the index of the
 * next item), answering `IsTruncated` and, when truncated, the next `Marker`.
 */
export function page<T>(
  items: readonly T[],
  params: Params,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = params.optInt('MaxItems') ?? 100;
  if (maxItems < 1 || maxItems > 1000) {
    throw new KmsError(
      'InvalidParameter.MaxItems',
      'The parameter - "MaxItems" must be between 1 and 1000.',
      {
        status: 400,
      },
    );
  }
  const marker = params.optString('Marker');
  const start = marker ? Number.parseInt(Buffer.from(marker, 'base64url').toString('utf8'), 10) : 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new KmsError('InvalidParameter.Marker', 'The parameter - "Marker" is not valid.', { status: 400 });
  }
  const slice = items.slice(start, start + maxItems);
  const next = start + slice.length;
  return next < items.length
    ? { items: slice, IsTruncated: true, Marker: Buffer.from(String(next)).toString('base64url') }
    : { items: slice, IsTruncated: false };
}

/**
 * A RAM name parameter: required, 1–`max` characters of `[A-Za-z0-9.@_-]` (RAM's UserName format;
 * groups, roles and policies use the same alphabet), else `InvalidParameter.<Name>.Length` /
 * `.InvalidChars`.
 */
export function ramName(params: Params, name: string, max = 64): string {
  const value = params.string(name);
  if (value.length < 1 || value.length > max) {
    throw new KmsError(
      `InvalidParameter.${name}.Length`,
      `The parameter - "${name}" beyond the length limit.`,
      {
        status: 400,
      },
    );
  }
  if (!/^[A-Za-z0-9.@_-]+$/.test(value)) {
    throw new KmsError(
      `InvalidParameter.${name}.InvalidChars`,
      `The parameter - "${name}" contains invalid chars.`,
      {
        status: 400,
      },
    );
  }
  return value;
}

export function accountOf(ctx: OperationContext): string {
  return ctx.principal.accountId;
}
