import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, implementedOperations, operations, startEmulator } from '../src/index.js';
import { signedQuery } from '../src/testkit/rpc-client.js';
import {
  checkBody,
  installedSdkModels,
  modelPaths,
  type SdkModels,
  xmlPaths,
} from './contract/model-check.js';
import { type Body, type Caller, neverAnswered, type Params, recipes } from './contract/recipes.js';

/**
 * The contract: every implemented operation, called in the states that produce its conditional
 * fields (test/contract/recipes.ts), answers exactly the response model of the newest official SDK
 * (alibabacloud_kms20160120), as derived now from the installed package by scripts/sdk-models.py:
 * (for an operation it dropped, the last release that had it: `retired` in spec/sdk-models.json):
 * no extra field, no wrong JSON type, and every model field answered by some recipe (or listed in
 * `neverAnswered` with the reason). The same in XML (names and nesting). And the request side:
 * every parameter the SDK can send is declared by the registry.
 */
const committed = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '..', 'spec', 'sdk-models.json'), 'utf8'),
) as SdkModels;
let sdk: SdkModels;
let sdkFrom = '';

beforeAll(() => {
  ({ models: sdk, from: sdkFrom } = installedSdkModels());
}, 180_000);

function caller(emulator: Emulator, format: 'JSON' | 'XML' = 'JSON') {
  const raw = async (action: string, params: Params = {}) => {
    const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const res = await fetch(`${emulator.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: signedQuery(action, { ...text, Format: format }, { method: 'POST' }),
    });
    return { status: res.status, text: await res.text() };
  };
  const c: Caller = {
    async call(action, params = {}) {
      const { status, text } = await raw(action, params);
      if (status !== 200) throw new Error(`${action} ${JSON.stringify(params)}: HTTP ${status} ${text}`);
      return JSON.parse(text) as Body;
    },
    async control(method, path, body) {
      const res = await fetch(`${emulator.url}/_emulator/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Body;
    },
  };
  return { c, raw };
}

describe('contract with the newest official SDK models', () => {
  it('spec/sdk-models.json is what scripts/sdk-models.py derives from the installed SDK', () => {
    expect(sdk.source.version, `derived from ${sdkFrom}`).toBe(committed.source.version);
    expect(sdk.operations).toEqual(committed.operations);
    expect(sdk.retired).toEqual(committed.retired);
  });

  it('every operation of the SDK is known, with every parameter the SDK sends', () => {
    const problems: string[] = [];
    for (const [name, model] of Object.entries(sdk.operations)) {
      const spec = operations.get(name);
      if (!spec) {
        problems.push(`${name}: unknown`);
        continue;
      }
      const declared = new Map(spec.params.map((p) => [p.name, p]));
      for (const param of model.request) {
        const got = declared.get(param.name);
        if (!got) problems.push(`${name}.${param.name}: not declared`);
        else if (got.required !== param.required)
          problems.push(`${name}.${param.name}: required ${got.required}, the SDK says ${param.required}`);
      }
      for (const p of spec.params)
        if (p.required && !model.request.some((r) => r.name === p.name))
          problems.push(`${name}.${p.name}: required but the SDK never sends it`);
    }
    expect(problems).toEqual([]);
  });

  it('every implemented operation has a recipe', () => {
    const missing = implementedOperations().filter((name) => !recipes[name]?.length);
    expect(missing, 'add recipes in test/contract/recipes.ts').toEqual([]);
  });

  describe.each(['JSON', 'XML'] as const)('%s responses', (format) => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator();
    });
    afterAll(() => emulator?.close());

    it.each(implementedOperations())('%s answers its SDK response model exactly', async (name) => {
      // An operation the newest release dropped (the certificate operations): its last release's model.
      const model = (sdk.operations[name] ?? sdk.retired?.operations[name])?.response;
      expect(model, `${name} is not an operation of the SDK`).toBeDefined();
      if (!model) return;
      const setup = caller(emulator, 'JSON').c;
      const { raw } = caller(emulator, format);
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const recipe of recipes[name] ?? []) {
        const params = await recipe.params(setup);
        const { status, text } = await raw(name, params);
        if (status !== 200) {
          problems.push(`[${recipe.state}] HTTP ${status}: ${text}`);
          continue;
        }
        if (format === 'JSON') {
          const result = checkBody(JSON.parse(text) as Record<string, unknown>, model);
          problems.push(...result.problems.map((p) => `[${recipe.state}] ${p}`));
          for (const path of result.seen) seen.add(path);
        } else {
          const parsed = new XMLParser({ parseTagValue: false }).parse(text) as Record<string, unknown>;
          const rootName = `${name}Response`;
          if (!(rootName in parsed))
            problems.push(`[${recipe.state}] root is not <${rootName}>: ${text.slice(0, 120)}`);
          const { paths, extra } = xmlPaths(parsed[rootName], model);
          problems.push(...extra.map((p) => `[${recipe.state}] ${p}: not in the SDK model (extra element)`));
          for (const path of paths) seen.add(path);
        }
      }
      const excused = neverAnswered[name] ?? {};
      const missing = modelPaths(model).filter(
        (path) =>
          !seen.has(path) &&
          !Object.keys(excused).some(
            (e) => path === e || path.startsWith(`${e}.`) || path.startsWith(`${e}[]`),
          ),
      );
      if (format === 'XML') {
        // XML has no empty lists: a list path is answered only by a non-empty list.
        problems.push(...missing.filter((p) => !p.includes('[]')).map((p) => `never answered: ${p}`));
      } else problems.push(...missing.map((p) => `never answered: ${p}`));
      expect(problems).toEqual([]);
    });
  });
});
