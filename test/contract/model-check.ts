import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** A type of spec/sdk-models.json (what scripts/sdk-models.py writes). */
export interface SdkType {
  type: 'string' | 'integer' | 'boolean' | 'number' | 'array' | 'map' | 'object' | 'any';
  items?: SdkType;
  model?: string;
  properties?: Record<string, SdkType>;
}

export interface SdkModels {
  source: { package: string; version: string };
  operations: Record<
    string,
    { request: (SdkType & { name: string; required: boolean })[]; response: Record<string, SdkType> }
  >;
  /** Operations the newest release dropped, from the last release that had them. */
  retired?: { version: string; operations: SdkModels['operations'] };
}

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The models of the SDK installed for the Python conformance suite (its venv), else of the pinned
 * release, downloaded by the same script. Derived now, from the package, not from the committed file.
 */
export function installedSdkModels(): { models: SdkModels; from: string } {
  const script = resolve(root, 'scripts', 'sdk-models.py');
  const venv = resolve(root, 'test', 'sdk', 'python', '.venv', 'bin', 'python');
  const run = (python: string, args: string[]) =>
    JSON.parse(
      execFileSync(python, [script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }),
    ) as SdkModels;
  if (existsSync(venv)) {
    try {
      return { models: run(venv, ['--installed']), from: 'the Python suite venv' };
    } catch {
      // the venv lacks the package: fall back to the pinned wheel
    }
  }
  return { models: run('python3', []), from: 'the pinned wheel' };
}

/** Every path of a model (`KeyMetadata.KeyId`, `Aliases.Alias[].AliasName`), recursively. */
export function modelPaths(fields: Record<string, SdkType>, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, type]) => {
    const path = prefix + name;
    return [path, ...typePaths(type, path)];
  });
}

function typePaths(type: SdkType, path: string): string[] {
  if (type.type === 'array' && type.items) return typePaths(type.items, `${path}[]`);
  if (type.type === 'object' && type.properties) return modelPaths(type.properties, `${path}.`);
  return [];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a raw JSON body against a response model: a field the model lacks, or a value of the
 * wrong JSON type, is a problem. Returns the problems and the paths seen.
 */
export function checkBody(
  body: Record<string, unknown>,
  model: Record<string, SdkType>,
): { problems: string[]; seen: Set<string> } {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visitObject = (value: Record<string, unknown>, fields: Record<string, SdkType>, prefix: string) => {
    for (const [name, child] of Object.entries(value)) {
      const path = prefix + name;
      const type = fields[name];
      if (!type) {
        problems.push(`${path}: not in the SDK model (extra field)`);
        continue;
      }
      visit(child, type, path);
    }
  };
  const visit = (value: unknown, type: SdkType, path: string) => {
    seen.add(path);
    const wrong = (what: string) => problems.push(`${path}: ${what}, got ${JSON.stringify(value)}`);
    switch (type.type) {
      case 'string':
        if (typeof value !== 'string') wrong('expected a string');
        return;
      case 'integer':
        if (!Number.isInteger(value)) wrong('expected an integer');
        return;
      case 'number':
        if (typeof value !== 'number') wrong('expected a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') wrong('expected a boolean');
        return;
      case 'map':
        if (!isPlainObject(value)) wrong('expected an object (map)');
        return;
      case 'any':
        return;
      case 'array':
        if (!Array.isArray(value)) return wrong('expected a list');
        for (const item of value) if (type.items) visit(item, type.items, `${path}[]`);
        return;
      case 'object':
        if (!isPlainObject(value)) return wrong(`expected an object (${type.model})`);
        if (type.properties) visitObject(value, type.properties, `${path}.`);
        return;
    }
  };
  visitObject(body, model, '');
  return { problems, seen };
}

/**
 * The element paths of an XML body as parsed by fast-xml-parser, in the model's notation: repeated
 * elements are the model's lists. Checks names only (XML carries no JSON types).
 */
export function xmlPaths(
  node: unknown,
  model: Record<string, SdkType>,
  prefix = '',
): { paths: string[]; extra: string[] } {
  const paths: string[] = [];
  const extra: string[] = [];
  if (!isPlainObject(node)) return { paths, extra };
  for (const [name, child] of Object.entries(node)) {
    const path = prefix + name;
    const type = model[name];
    if (!type) {
      extra.push(path);
      continue;
    }
    paths.push(path);
    const values = Array.isArray(child) ? child : [child];
    let inner = type;
    let innerPath = path;
    if (type.type === 'array' && type.items) {
      inner = type.items;
      innerPath = `${path}[]`;
      if (values.some((v) => v !== '')) paths.push(innerPath);
    }
    if (inner.type === 'object' && inner.properties) {
      for (const value of values) {
        const sub = xmlPaths(value, inner.properties, `${innerPath}.`);
        paths.push(...sub.paths);
        extra.push(...sub.extra);
      }
    }
  }
  return { paths, extra };
}
