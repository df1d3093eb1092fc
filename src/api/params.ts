import { parseBoundedJson } from '../protocol/body.js';
import { invalidParameter, missingParameter } from '../protocol/errors.js';
import type { OperationSpec, ParamSpec } from './spec.js';

/**
 * Checks a request's raw parameters against the operation's spec and converts them to typed values:
 * required → MissingParameter, wrong type or enum → InvalidParameter, both naming the parameter.
 */
export type ParamValue = string | number | boolean | Record<string, unknown> | unknown[];

export function validateParams(spec: OperationSpec, raw: Record<string, string>): Params {
  const values = new Map<string, ParamValue>();
  for (const param of spec.params) {
    const value = readParam(param, raw);
    if (value === undefined) {
      if (param.required) throw missingParameter(param.name);
      continue;
    }
    values.set(param.name, value);
  }
  return new Params(values);
}

const BOOLEAN_TEXT = new Map([
  ['true', true],
  ['false', false],
]);

function readParam(param: ParamSpec, raw: Record<string, string>): ParamValue | undefined {
  const text = raw[param.name];
  switch (param.type) {
    case 'integer': {
      if (text === undefined || text === '') return undefined;
      if (!/^-?\d+$/.test(text.trim())) throw invalidParameter(param.name, 'It must be an integer.');
      return Number(text.trim());
    }
    case 'boolean': {
      if (text === undefined || text === '') return undefined;
      const value = BOOLEAN_TEXT.get(text.trim().toLowerCase());
      if (value === undefined) throw invalidParameter(param.name, 'It must be true or false.');
      return value;
    }
    case 'object':
      return readObject(param, raw);
    case 'array':
      return readArray(param, raw);
    default: {
      if (text === undefined) return undefined;
      if (param.enum && text !== '' && !matchesEnum(param.enum, text)) {
        throw invalidParameter(param.name, `Valid values: ${param.enum.join(', ')}.`);
      }
      return text;
    }
  }
}

function matchesEnum(allowed: string[], value: string): boolean {
  if (allowed.includes(value)) return true;
  // Boolean-valued enums ("true"/"false") are written True/False by some clients.
  return allowed.every((v) => BOOLEAN_TEXT.has(v)) && allowed.includes(value.toLowerCase());
}

/** `Name.`: how a flattened object or list parameter's entries begin (made once per parameter). */
const prefixes = new WeakMap<ParamSpec, string>();
function flatPrefix(param: ParamSpec): string {
  let prefix = prefixes.get(param);
  if (prefix === undefined) {
    prefix = `${param.name}.`;
    prefixes.set(param, prefix);
  }
  return prefix;
}

/** Some parameter name begins with `prefix` (no array of names is made). */
function hasFlat(raw: Record<string, string>, prefix: string): boolean {
  for (const name in raw) if (name.startsWith(prefix)) return true;
  return false;
}

/** A JSON object sent as a string, or flattened as `Name.key=value`. */
function readObject(param: ParamSpec, raw: Record<string, string>): Record<string, unknown> | undefined {
  const text = raw[param.name];
  if (text !== undefined && text !== '') {
    let parsed: unknown;
    try {
      parsed = parseBoundedJson(text);
    } catch (error) {
      throw invalidParameter(param.name, jsonProblem(error, 'It must be a JSON object.'));
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter(param.name, 'It must be a JSON object.');
    }
    return parsed as Record<string, unknown>;
  }
  const prefix = flatPrefix(param);
  if (!hasFlat(raw, prefix)) return undefined;
  const flat = Object.keys(raw).filter((k) => k.startsWith(prefix));
  return Object.fromEntries(flat.map((k) => [k.slice(prefix.length), raw[k]]));
}

/** A list sent as a JSON array string, or as `Name.1`, `Name.2` / `Name.1.Key`, `Name.1.Value`. */
function readArray(param: ParamSpec, raw: Record<string, string>): unknown[] | undefined {
  const text = raw[param.name];
  if (text !== undefined && text !== '') {
    let parsed: unknown;
    try {
      parsed = parseBoundedJson(text);
    } catch (error) {
      if (error instanceof RangeError) throw invalidParameter(param.name, error.message);
      // a single plain value, handled below
    }
    if (Array.isArray(parsed)) return checkItems(param, parsed);
    if (param.itemType === 'object') throw invalidParameter(param.name, 'It must be a JSON array.');
    return [text];
  }
  // Most calls send no such list: found without a RegExp or a copy of the parameters.
  if (!hasFlat(raw, flatPrefix(param))) return undefined;
  const pattern = new RegExp(`^${escapeRegExp(param.name)}\\.(\\d+)(?:\\.(.+))?$`);
  const items = new Map<number, unknown>();
  for (const [key, value] of Object.entries(raw)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    if (match[2] === undefined) items.set(index, value);
    else {
      const item = (items.get(index) ?? {}) as Record<string, unknown>;
      item[match[2]] = value;
      items.set(index, item);
    }
  }
  if (items.size === 0) return undefined;
  return [...items.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
}

/** Every item of a JSON list has the spec's item shape: an object for object lists, else a scalar. */
function checkItems(param: ParamSpec, list: unknown[]): unknown[] {
  const wantObject = param.itemType === 'object';
  for (const item of list) {
    if (wantObject ? !isPlainObject(item) : !isScalar(item)) {
      throw invalidParameter(
        param.name,
        wantObject ? 'Each entry must be a JSON object.' : 'Each entry must be a string.',
      );
    }
  }
  return list;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function jsonProblem(error: unknown, fallback: string): string {
  return error instanceof RangeError ? error.message : fallback;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Typed access to validated parameters. */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, ParamValue>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string {
    const value = this.optString(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  optString(name: string): string | undefined {
    const value = this.values.get(name);
    return value === undefined ? undefined : String(value);
  }

  optInt(name: string): number | undefined {
    const value = this.values.get(name);
    return typeof value === 'number' ? value : undefined;
  }

  optBool(name: string): boolean | undefined {
    const value = this.values.get(name);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') return BOOLEAN_TEXT.get(value.toLowerCase());
    return undefined;
  }

  optObject(name: string): Record<string, unknown> | undefined {
    const value = this.values.get(name);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  }

  optArray(name: string): unknown[] | undefined {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : undefined;
  }

  /** A parameter the spec types as a string but whose content is caller-written JSON (Tags, Filters …). */
  optJson(name: string): unknown {
    const text = this.optString(name);
    if (text === undefined || text === '') return undefined;
    try {
      return parseBoundedJson(text);
    } catch (error) {
      throw invalidParameter(name, jsonProblem(error, 'It must be valid JSON.'));
    }
  }

  /**
   * A caller-written JSON list (Tags, Filters, BindVpcs, TagKeys …): an array whose entries are all
   * objects (`'object'`) or all scalars (`'scalar'`), else InvalidParameter naming the parameter.
   */
  optJsonList(name: string, item: 'object'): Record<string, unknown>[] | undefined;
  optJsonList(name: string, item: 'scalar'): (string | number | boolean)[] | undefined;
  optJsonList(name: string, item: 'object' | 'scalar'): unknown[] | undefined {
    const value = this.optJson(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw invalidParameter(name, 'It must be a JSON array.');
    for (const entry of value) {
      if (item === 'object' ? !isPlainObject(entry) : !isScalar(entry)) {
        throw invalidParameter(
          name,
          item === 'object' ? 'Each entry must be a JSON object.' : 'Each entry must be a string.',
        );
      }
    }
    return value;
  }

  /** `Filters=[{"Key":"…","Values":["…"]}]`, shapes checked. */
  optFilters(name = 'Filters'): { key: string; values: string[] }[] {
    return (this.optJsonList(name, 'object') ?? []).map((filter) => {
      const values = filter.Values ?? [];
      if (!Array.isArray(values) || !values.every(isScalar)) {
        throw invalidParameter(name, 'Each filter\'s "Values" must be a list of strings.');
      }
      if (filter.Key !== undefined && !isScalar(filter.Key)) {
        throw invalidParameter(name, 'Each filter\'s "Key" must be a string.');
      }
      return { key: String(filter.Key ?? ''), values: values.map(String) };
    });
  }
}
