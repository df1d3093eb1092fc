import { POLICY_BOUNDS, PolicyGrammarError } from './grammar-error.js';
import { blockContains, type IpBlock, parseIpAddress, parseIpBlock } from './ip.js';
import { compileWildcard } from './wildcard.js';

/**
 * The `Condition` element (facts §1, "Condition semantics" and "Operators"):
 * - five operator families: String (6), Numeric (6), Date (6), `Bool`, `IpAddress`/`NotIpAddress`;
 * - values of one key OR; keys under one operator AND; operators of the block AND;
 * - condition keys are matched case-insensitively (`acs:SourceIp` = `acs:sourceip`).
 * Not documented for RAM, so refused as unknown operators: `…IfExists`, `Null`, `Arn*`,
 * `ForAnyValue:`/`ForAllValues:` (facts §1: "UNCONFIRMED either way"; refusing keeps a policy that
 * would behave differently in the cloud from being accepted silently).
 * A key the request does not carry: a positive operator is false, a negated one (`StringNot…`,
 * `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`) is true — AWS's documented rule, since RAM
 * documents none (facts §1, "Missing-key semantics … UNCONFIRMED").
 */

/** Request values by lower-cased condition key. */
export type ConditionContext = ReadonlyMap<string, readonly string[]>;

export type ConditionFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'IpAddress';

export interface CompiledCondition {
  readonly operator: string;
  readonly family: ConditionFamily;
  /** The key as written, and lower-cased for the lookup. */
  readonly key: string;
  readonly lookup: string;
  readonly negated: boolean;
  /** Whether one request value satisfies the positive form; undefined when it is not of the type. */
  test(requestValue: string): boolean | undefined;
}

export type ConditionOutcome = true | false | { unevaluated: string };

type ValueTest = (requestValue: string) => boolean | undefined;

interface OperatorDefinition {
  name: string;
  family: ConditionFamily;
  negated: boolean;
  compile(values: readonly string[], path: string): ValueTest;
}

const OPERATORS = new Map<string, OperatorDefinition>();

function define(
  names: [positive: string, negated?: string],
  family: ConditionFamily,
  compile: OperatorDefinition['compile'],
): void {
  const [positive, negated] = names;
  OPERATORS.set(positive.toLowerCase(), { name: positive, family, negated: false, compile });
  if (negated) OPERATORS.set(negated.toLowerCase(), { name: negated, family, negated: true, compile });
}

// String: Equals/Like case-sensitive, …IgnoreCase not (facts §1).
define(['StringEquals', 'StringNotEquals'], 'String', (values) => {
  const set = new Set(values);
  return (v) => set.has(v);
});
define(['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'], 'String', (values) => {
  const set = new Set(values.map((v) => v.toLowerCase()));
  return (v) => set.has(v.toLowerCase());
});
define(['StringLike', 'StringNotLike'], 'String', (values) => {
  const patterns = values.map((v) => compileWildcard(v));
  return (v) => patterns.some((p) => p.matches(v));
});

// Numeric.
const numericComparisons: [string, string | undefined, (a: number, b: number) => boolean][] = [
  ['NumericEquals', 'NumericNotEquals', (a, b) => a === b],
  ['NumericLessThan', undefined, (a, b) => a < b],
  ['NumericLessThanEquals', undefined, (a, b) => a <= b],
  ['NumericGreaterThan', undefined, (a, b) => a > b],
  ['NumericGreaterThanEquals', undefined, (a, b) => a >= b],
];
for (const [positive, negated, compare] of numericComparisons) {
  define([positive, negated], 'Numeric', (values, path) => {
    const bounds = values.map((v) => {
      const n = parseNumber(v);
      if (n === undefined) throw new PolicyGrammarError(path, `"${v}" is not a number.`);
      return n;
    });
    return (v) => {
      const n = parseNumber(v);
      return n === undefined ? undefined : bounds.some((b) => compare(n, b));
    };
  });
}

// Date: ISO 8601 (facts §1: `2012-11-11T23:59:59Z`) or epoch seconds (AWS's other form).
const dateComparisons: [string, string | undefined, (a: number, b: number) => boolean][] = [
  ['DateEquals', 'DateNotEquals', (a, b) => a === b],
  ['DateLessThan', undefined, (a, b) => a < b],
  ['DateLessThanEquals', undefined, (a, b) => a <= b],
  ['DateGreaterThan', undefined, (a, b) => a > b],
  ['DateGreaterThanEquals', undefined, (a, b) => a >= b],
];
for (const [positive, negated, compare] of dateComparisons) {
  define([positive, negated], 'Date', (values, path) => {
    const bounds = values.map((v) => {
      const ms = parseDate(v);
      if (ms === undefined)
        throw new PolicyGrammarError(path, `"${v}" is not an ISO 8601 date or epoch time.`);
      return ms;
    });
    return (v) => {
      const ms = parseDate(v);
      return ms === undefined ? undefined : bounds.some((b) => compare(ms, b));
    };
  });
}

// Bool: one value (RAM's policy check: "Invalid condition multiple Boolean", facts §1 / permission-policy-check).
define(['Bool'], 'Bool', (values, path) => {
  if (values.length !== 1) throw new PolicyGrammarError(path, 'Bool takes exactly one value.');
  const expected = (values[0] as string).toLowerCase();
  if (expected !== 'true' && expected !== 'false')
    throw new PolicyGrammarError(path, `"${values[0]}" is not true or false.`);
  return (v) => {
    const actual = v.toLowerCase();
    return actual === 'true' || actual === 'false' ? actual === expected : undefined;
  };
});

// IpAddress: addresses or CIDR blocks, IPv4 and IPv6.
define(['IpAddress', 'NotIpAddress'], 'IpAddress', (values, path) => {
  const blocks: IpBlock[] = values.map((v) => {
    const block = parseIpBlock(v);
    if (!block) throw new PolicyGrammarError(path, `"${v}" is not an IP address or CIDR block.`);
    return block;
  });
  return (v) => {
    const address = parseIpAddress(v);
    return address === undefined ? undefined : blocks.some((b) => blockContains(b, address));
  };
});

/** The operator names RAM documents, as written (for documentation and tests). */
export const CONDITION_OPERATORS: readonly string[] = [
  ...new Set([...OPERATORS.values()].map((o) => o.name)),
];

/** Validates and compiles a `Condition` block; throws PolicyGrammarError. */
export function compileConditionBlock(raw: unknown, path: string): CompiledCondition[] {
  if (!isPlainObject(raw)) throw new PolicyGrammarError(path, 'Condition must be an object.');
  const entries = Object.entries(raw);
  if (entries.length > POLICY_BOUNDS.conditionEntries)
    throw new PolicyGrammarError(path, `at most ${POLICY_BOUNDS.conditionEntries} operators.`);
  const compiled: CompiledCondition[] = [];
  for (const [operatorName, keys] of entries) {
    const operatorPath = `${path}.${operatorName}`;
    const operator = OPERATORS.get(operatorName.toLowerCase());
    if (!operator)
      throw new PolicyGrammarError(operatorPath, `unknown condition operator "${operatorName}".`);
    if (!isPlainObject(keys))
      throw new PolicyGrammarError(operatorPath, 'must map condition keys to values.');
    const keyEntries = Object.entries(keys);
    if (keyEntries.length === 0) throw new PolicyGrammarError(operatorPath, 'names no condition key.');
    if (keyEntries.length > POLICY_BOUNDS.conditionEntries)
      throw new PolicyGrammarError(operatorPath, `at most ${POLICY_BOUNDS.conditionEntries} keys.`);
    for (const [key, rawValues] of keyEntries) {
      const keyPath = `${operatorPath}.${key}`;
      // RAM's policy check: "Invalid condition key format … <ram-code>:<condition-key>" (facts §1).
      if (!/^[A-Za-z0-9-]+:[^\s]+$/.test(key) || key.length > POLICY_BOUNDS.valueLength)
        throw new PolicyGrammarError(keyPath, 'a condition key is written <service>:<key>.');
      const values = conditionValues(rawValues, keyPath);
      compiled.push({
        operator: operator.name,
        family: operator.family,
        key,
        lookup: key.toLowerCase(),
        negated: operator.negated,
        test: operator.compile(values, keyPath),
      });
    }
  }
  return compiled;
}

function conditionValues(raw: unknown, path: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyGrammarError(path, 'needs at least one value.');
  if (list.length > POLICY_BOUNDS.valuesPerElement)
    throw new PolicyGrammarError(path, `at most ${POLICY_BOUNDS.valuesPerElement} values.`);
  return list.map((value) => {
    // Numbers and booleans are written bare in policies (`"NumericLessThan": {"x": 5}`, `"Bool": {"acs:SecureTransport": true}`).
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return String(value);
    if (typeof value !== 'string')
      throw new PolicyGrammarError(path, 'values are strings, numbers or booleans.');
    if (value.length > POLICY_BOUNDS.valueLength)
      throw new PolicyGrammarError(path, `a value is at most ${POLICY_BOUNDS.valueLength} characters.`);
    return value;
  });
}

/** All conditions of a statement against the request (AND of all, OR of values within one). */
export function evaluateConditions(
  conditions: readonly CompiledCondition[],
  context: ConditionContext,
): ConditionOutcome {
  for (const condition of conditions) {
    const values = context.get(condition.lookup);
    if (values === undefined || values.length === 0) {
      if (condition.negated) continue;
      return false;
    }
    let positive = false;
    let typed = false;
    for (const value of values) {
      const result = condition.test(value);
      if (result === undefined) continue;
      typed = true;
      if (result) {
        positive = true;
        break;
      }
    }
    if (!typed) {
      return {
        unevaluated: `${condition.operator} on ${condition.key}: the request value ${JSON.stringify(values[0])} is not a ${condition.family === 'IpAddress' ? 'IP address' : condition.family.toLowerCase()} value`,
      };
    }
    if (positive === condition.negated) return false;
  }
  return true;
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 64) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date (UTC unless it says otherwise) or of epoch seconds; else undefined. */
export function parseDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,12}$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!ISO_8601.test(trimmed)) return undefined;
  let normal = trimmed;
  // Date.parse reads a date-time without offset as local time: the policy means UTC.
  if (normal.includes('T') && !/(Z|[+-]\d{2}:?\d{2})$/.test(normal)) normal += 'Z';
  const zone = /([+-])(\d{2})(\d{2})$/.exec(normal);
  if (zone && normal.includes('T')) normal = `${normal.slice(0, -4)}${zone[2]}:${zone[3]}`;
  const ms = Date.parse(normal);
  return Number.isFinite(ms) ? ms : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
