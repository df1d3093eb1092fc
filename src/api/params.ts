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

/** A JSON object sent as a string, or flattened as `Name.key=value`. */
function readObject(param: ParamSpec, raw: Record<string, string>): Record<string, unknown> | undefined {
  const text = raw[param.name];
  if (text !== undefined && text !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidParameter(param.name, 'It must be a JSON object.');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter(param.name, 'It must be a JSON object.');
    }
    return parsed as Record<string, unknown>;
  }
  const prefix = `${param.name}.`;
  const flat = Object.keys(raw).filter((k) => k.startsWith(prefix));
  if (flat.length === 0) return undefined;
  return Object.fromEntries(flat.map((k) => [k.slice(prefix.length), raw[k]]));
}

/** A list sent as a JSON array string, or as `Name.1`, `Name.2` / `Name.1.Key`, `Name.1.Value`. */
function readArray(param: ParamSpec, raw: Record<string, string>): unknown[] | undefined {
  const text = raw[param.name];
  if (text !== undefined && text !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // a single plain value, handled below
    }
    if (param.itemType === 'object') throw invalidParameter(param.name, 'It must be a JSON array.');
    return [text];
  }
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
      return JSON.parse(text);
    } catch {
      throw invalidParameter(name, 'It must be valid JSON.');
    }
  }
}
