import { KmsError } from '../../protocol/errors.js';
import { type CompiledCondition, compileConditionBlock, isPlainObject } from './conditions.js';
import { POLICY_BOUNDS, PolicyGrammarError } from './grammar-error.js';
import { compileWildcard, type WildcardPattern } from './wildcard.js';

/**
 * RAM policy documents (facts §1): `Version` fixed `"1"`; `Statement` one object or a list; each
 * statement `Effect` Allow|Deny, exactly one of `Action`/`NotAction` (`<ram-code>:<action>`, `*`/`?`
 * wildcards, case-insensitive), `Resource` (`acs:…` or `*`), optional `Condition`, and `Principal`
 * only in resource-based documents (trust, key and secret policies).
 * `NotResource` is not documented for RAM (facts §0: "likely absent"); it is accepted with AWS's
 * meaning (every resource except these) so documents written for it work, and said so here.
 *
 * Parsing and compiling are one pass: a document is refused with the code the receiving API
 * documents, or comes back as an immutable CompiledPolicy whose matchers are built once.
 */
export type PolicyDocumentKind =
  /** A custom policy (RAM CreatePolicy / CreatePolicyVersion) or a system policy. */
  | 'Identity'
  /** A role's AssumeRolePolicyDocument (RAM CreateRole / UpdateRole). */
  | 'Trust'
  /** The `Policy` of STS AssumeRole. */
  | 'Session'
  /** KMS CreateKey/SetKeyPolicy `Policy`. */
  | 'KeyPolicy'
  /** KMS CreateSecret/SetSecretPolicy `Policy`. */
  | 'SecretPolicy';

interface DocumentRules {
  maxLength: number;
  unit: 'characters' | 'bytes';
  grammarCode: string;
  grammarMessage: (reason: string) => string;
  lengthCode: string;
  lengthMessage: string;
  principal: 'required' | 'forbidden';
  /** Principal forms this kind accepts (facts §1: trust policies RAM/Service/Federated; facts §5.1: key policies RAM). */
  principalForms: readonly string[];
  resource: 'required' | 'optional' | 'star';
  /** Key and secret policies: every action must start with `kms:` (facts §5.1). */
  actionPrefix?: string;
}

const RAM_GRAMMAR = {
  // Code named for a malformed document by issue #25's bad-input list; RAM's CreatePolicy error table
  // (alibabacloud.com/help/en/resource-management/api-createpolicy) lists only the length code — UNCONFIRMED.
  grammarCode: 'MalformedPolicyDocument',
  grammarMessage: (reason: string) => `The policy document is malformed. ${reason}`,
  // RAM / Resource Management CreatePolicy error table: 400 InvalidParameter.PolicyDocument.Length.
  lengthCode: 'InvalidParameter.PolicyDocument.Length',
};

const KMS_POLICY_GRAMMAR = {
  // The KMS spec documents only the family for SetKeyPolicy/SetSecretPolicy/CreateKey: 400 InvalidParameter.
  grammarCode: 'InvalidParameter',
  grammarMessage: (reason: string) => `The specified parameter "Policy" is not valid. ${reason}`,
  lengthCode: 'InvalidParameter',
  // ≤ 32,768 bytes (facts §5.1, SetKeyPolicyRequest).
  maxLength: 32_768,
  unit: 'bytes' as const,
  lengthMessage: 'The specified parameter "Policy" is not valid. It must not exceed 32768 bytes.',
  principal: 'required' as const,
  principalForms: ['RAM'],
  resource: 'star' as const,
  actionPrefix: 'kms:',
};

const RULES: Record<PolicyDocumentKind, DocumentRules> = {
  Identity: {
    ...RAM_GRAMMAR,
    // RAM limits page (alibabacloud.com/help/doc-detail/28753.htm, 2025) and CreatePolicy: 6,144
    // characters (facts §1 quotes the old 2,048).
    maxLength: 6_144,
    unit: 'characters',
    lengthMessage:
      'The maximum length of the policy document is exceeded. It must not exceed 6144 characters.',
    principal: 'forbidden',
    principalForms: [],
    resource: 'required',
  },
  Trust: {
    ...RAM_GRAMMAR,
    // No separate limit found for AssumeRolePolicyDocument: the custom-policy limit (UNCONFIRMED).
    maxLength: 6_144,
    unit: 'characters',
    lengthMessage:
      'The maximum length of the policy document is exceeded. It must not exceed 6144 characters.',
    principal: 'required',
    principalForms: ['RAM', 'Service', 'Federated'],
    // A trust policy's statements apply to the role itself; `Resource` is usually absent.
    resource: 'optional',
  },
  Session: {
    // STS AssumeRole error table (AlibabaCloudDocs/ram …/AssumeRole.md; facts §7): 400
    // InvalidParameter.PolicyGrammar / InvalidParameter.PolicySize; Policy is 1–2,048 characters.
    grammarCode: 'InvalidParameter.PolicyGrammar',
    grammarMessage: (reason: string) => `The parameter Policy has not passed grammar check. ${reason}`,
    lengthCode: 'InvalidParameter.PolicySize',
    maxLength: 2_048,
    unit: 'characters',
    lengthMessage: 'The size of Policy must be smaller than 2048 characters.',
    principal: 'forbidden',
    principalForms: [],
    resource: 'required',
  },
  KeyPolicy: KMS_POLICY_GRAMMAR,
  SecretPolicy: KMS_POLICY_GRAMMAR,
};

/** A refused document, in the code and message of the API that received it (always 400). */
export class PolicyDocumentError extends KmsError {
  constructor(
    code: string,
    message: string,
    readonly kind: PolicyDocumentKind,
    /** The element at fault (`Statement[1].Effect`), empty for the whole document. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(code, message, { status: 400 });
    this.name = 'PolicyDocumentError';
  }
}

export type Effect = 'Allow' | 'Deny';

/** A `Principal` element, compiled (facts §1 forms, facts §5.1 key-policy forms). */
export interface CompiledPrincipal {
  /** `"RAM": "*"`: anyone. */
  readonly anyone: boolean;
  /** Accounts named as such: `acs:ram::<uid>:root` or a bare account id. */
  readonly accounts: ReadonlySet<string>;
  /** `acs:ram::<uid>:*` — its meaning is the open question of facts §5.4 (see EvaluationOptions). */
  readonly accountWildcards: ReadonlySet<string>;
  /** Other RAM identity patterns (`…:user/<name>`, `…:role/<name>`, with wildcards). */
  readonly identities: readonly WildcardPattern[];
  /** `Service` names, lower-cased (`ecs.aliyuncs.com`). */
  readonly services: ReadonlySet<string>;
  /** `Federated` identity-provider ARNs. */
  readonly federated: readonly WildcardPattern[];
}

export interface CompiledStatement {
  /** Position in the document's `Statement` list, from 0. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  /** Lower-cased patterns: actions match case-insensitively (facts §1). */
  readonly actions: readonly WildcardPattern[];
  readonly notAction: boolean;
  /** Undefined when the statement has no Resource element (a trust policy's: the role itself). */
  readonly resources?: readonly WildcardPattern[];
  readonly notResource: boolean;
  readonly principal?: CompiledPrincipal;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  readonly kind: PolicyDocumentKind;
  /** The document, each element normalised to a list (what GetPolicyVersion-style answers can print). */
  readonly document: Readonly<Record<string, unknown>>;
  readonly statements: readonly CompiledStatement[];
}

const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'Condition',
]);

/**
 * Validates and compiles a policy document given as JSON text (what APIs receive) or as an already
 * parsed object (system policies, seeds). Throws PolicyDocumentError, never anything else.
 */
export function compilePolicy(input: string | object, kind: PolicyDocumentKind): CompiledPolicy {
  const rules = RULES[kind];
  let raw: unknown = input;
  if (typeof input === 'string') {
    const length = rules.unit === 'bytes' ? Buffer.byteLength(input, 'utf8') : input.length;
    if (length > rules.maxLength) {
      throw new PolicyDocumentError(
        rules.lengthCode,
        rules.lengthMessage,
        kind,
        '',
        `${length} ${rules.unit}`,
      );
    }
    try {
      raw = JSON.parse(input);
    } catch {
      throw refuse(rules, kind, new PolicyGrammarError('', 'The document is not valid JSON.'));
    }
  }
  try {
    return compileDocument(raw, kind, rules);
  } catch (error) {
    if (error instanceof PolicyGrammarError) throw refuse(rules, kind, error);
    throw error;
  }
}

function refuse(
  rules: DocumentRules,
  kind: PolicyDocumentKind,
  error: PolicyGrammarError,
): PolicyDocumentError {
  return new PolicyDocumentError(
    rules.grammarCode,
    rules.grammarMessage(error.message),
    kind,
    error.path,
    error.reason,
  );
}

function compileDocument(raw: unknown, kind: PolicyDocumentKind, rules: DocumentRules): CompiledPolicy {
  if (!isPlainObject(raw)) throw new PolicyGrammarError('', 'The document must be a JSON object.');
  for (const element of Object.keys(raw)) {
    if (element !== 'Version' && element !== 'Statement')
      throw new PolicyGrammarError(element, `unknown policy element "${element}".`);
  }
  if (raw.Version !== '1') throw new PolicyGrammarError('Version', 'Version must be "1".');
  const rawStatements = raw.Statement;
  if (rawStatements === undefined) throw new PolicyGrammarError('Statement', 'Statement is required.');
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (list.length === 0) throw new PolicyGrammarError('Statement', 'Statement must not be empty.');
  if (list.length > POLICY_BOUNDS.statements)
    throw new PolicyGrammarError('Statement', `at most ${POLICY_BOUNDS.statements} statements.`);
  const statements: CompiledStatement[] = [];
  const normalised: Record<string, unknown>[] = [];
  list.forEach((statement, index) => {
    const [compiled, written] = compileStatement(statement, index, rules);
    statements.push(compiled);
    normalised.push(written);
  });
  return deepFreeze({
    kind,
    document: { Version: '1', Statement: normalised },
    statements,
  });
}

function compileStatement(
  raw: unknown,
  index: number,
  rules: DocumentRules,
): [CompiledStatement, Record<string, unknown>] {
  const path = `Statement[${index}]`;
  if (!isPlainObject(raw)) throw new PolicyGrammarError(path, 'a statement must be an object.');
  for (const element of Object.keys(raw)) {
    if (!STATEMENT_ELEMENTS.has(element))
      throw new PolicyGrammarError(`${path}.${element}`, `unknown statement element "${element}".`);
  }
  const written: Record<string, unknown> = {};

  let sid: string | undefined;
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== 'string' || raw.Sid.length > 128)
      throw new PolicyGrammarError(`${path}.Sid`, 'Sid is a string of at most 128 characters.');
    // Key/secret policies: `[A-Za-z0-9 _/+=.@-]` (facts §5.1).
    if (rules.actionPrefix && !/^[A-Za-z0-9 _/+=.@-]*$/.test(raw.Sid))
      throw new PolicyGrammarError(`${path}.Sid`, 'Sid may hold letters, digits, spaces and _/+=.@- only.');
    sid = raw.Sid;
    written.Sid = sid;
  }

  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')
    throw new PolicyGrammarError(`${path}.Effect`, 'Effect must be Allow or Deny.');
  const effect: Effect = raw.Effect;
  written.Effect = effect;

  if (rules.principal === 'forbidden' && raw.Principal !== undefined)
    throw new PolicyGrammarError(`${path}.Principal`, 'Principal belongs only in resource-based policies.');
  if (rules.principal === 'required' && raw.Principal === undefined)
    throw new PolicyGrammarError(`${path}.Principal`, 'Principal is required.');
  let principal: CompiledPrincipal | undefined;
  if (raw.Principal !== undefined) {
    const [compiled, normal] = compilePrincipal(raw.Principal, `${path}.Principal`, rules);
    principal = compiled;
    written.Principal = normal;
  }

  if ((raw.Action === undefined) === (raw.NotAction === undefined))
    throw new PolicyGrammarError(path, 'a statement has exactly one of Action and NotAction.');
  const notAction = raw.NotAction !== undefined;
  const actionElement = notAction ? 'NotAction' : 'Action';
  const actionValues = stringList(raw[actionElement], `${path}.${actionElement}`);
  for (const action of actionValues) {
    const actionPath = `${path}.${actionElement}`;
    if (rules.actionPrefix) {
      if (!action.toLowerCase().startsWith(rules.actionPrefix))
        throw new PolicyGrammarError(actionPath, `every action must start with ${rules.actionPrefix}`);
    } else if (action !== '*' && !/^[A-Za-z0-9-]+:[^\s:]+$/.test(action)) {
      // RAM's policy check: "Invalid action format … <ram-code>:<action-name>" (facts §1).
      throw new PolicyGrammarError(actionPath, `"${action}" is not <ram-code>:<action-name>.`);
    }
  }
  written[actionElement] = actionValues;

  const hasResource = raw.Resource !== undefined;
  const hasNotResource = raw.NotResource !== undefined;
  if (hasResource && hasNotResource)
    throw new PolicyGrammarError(path, 'a statement has at most one of Resource and NotResource.');
  let resources: WildcardPattern[] | undefined;
  const notResource = hasNotResource;
  if (hasResource || hasNotResource) {
    const element = notResource ? 'NotResource' : 'Resource';
    const values = stringList(raw[element], `${path}.${element}`);
    for (const value of values) {
      if (rules.resource === 'star' && value !== '*')
        // Key and secret policies: Resource may only be `*` (= this key/secret, facts §5.1).
        throw new PolicyGrammarError(`${path}.${element}`, 'Resource may only be "*".');
      if (value !== '*' && !value.startsWith('acs:'))
        // RAM's policy check: "Invalid ARN prefix … acs" (facts §1).
        throw new PolicyGrammarError(`${path}.${element}`, `"${value}" does not start with acs:.`);
    }
    if (rules.resource === 'star' && notResource)
      throw new PolicyGrammarError(`${path}.NotResource`, 'key and secret policies take Resource "*".');
    resources = values.map((value) => compileWildcard(value));
    written[element] = values;
  } else if (rules.resource !== 'optional') {
    throw new PolicyGrammarError(`${path}.Resource`, 'Resource is required.');
  }

  let conditions: CompiledCondition[] = [];
  if (raw.Condition !== undefined) {
    conditions = compileConditionBlock(raw.Condition, `${path}.Condition`);
    written.Condition = structuredClone(raw.Condition);
  }

  return [
    {
      index,
      ...(sid !== undefined ? { sid } : {}),
      effect,
      actions: actionValues.map((action) => compileWildcard(action, { ignoreCase: true })),
      notAction,
      ...(resources ? { resources } : {}),
      notResource,
      ...(principal ? { principal } : {}),
      conditions,
    },
    written,
  ];
}

function compilePrincipal(
  raw: unknown,
  path: string,
  rules: DocumentRules,
): [CompiledPrincipal, Record<string, string[]>] {
  if (!isPlainObject(raw))
    throw new PolicyGrammarError(path, 'Principal is an object such as {"RAM": [...]}.');
  const forms = Object.keys(raw);
  if (forms.length === 0) throw new PolicyGrammarError(path, 'Principal names no one.');
  const accounts = new Set<string>();
  const accountWildcards = new Set<string>();
  const identities: WildcardPattern[] = [];
  const services = new Set<string>();
  const federated: WildcardPattern[] = [];
  let anyone = false;
  const normal: Record<string, string[]> = {};
  for (const form of forms) {
    if (!rules.principalForms.includes(form))
      throw new PolicyGrammarError(`${path}.${form}`, `principal type "${form}" is not accepted here.`);
    const values = stringList(raw[form], `${path}.${form}`);
    normal[form] = values;
    for (const value of values) {
      if (form === 'Service') {
        services.add(value.toLowerCase());
      } else if (form === 'Federated') {
        federated.push(compileWildcard(value));
      } else if (value === '*') {
        anyone = true;
      } else if (/^\d+$/.test(value)) {
        accounts.add(value);
      } else {
        const account = /^acs:ram::([^:]+):(root|\*)$/.exec(value);
        if (account && !account[1]?.includes('*')) {
          (account[2] === 'root' ? accounts : accountWildcards).add(account[1] as string);
        } else if (value.startsWith('acs:ram::')) {
          identities.push(compileWildcard(value));
        } else {
          throw new PolicyGrammarError(`${path}.RAM`, `"${value}" is not an account id or acs:ram:: ARN.`);
        }
      }
    }
  }
  return [{ anyone, accounts, accountWildcards, identities, services, federated }, normal];
}

function stringList(raw: unknown, path: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyGrammarError(path, 'must not be empty.');
  if (list.length > POLICY_BOUNDS.valuesPerElement)
    throw new PolicyGrammarError(path, `at most ${POLICY_BOUNDS.valuesPerElement} values.`);
  for (const value of list) {
    if (typeof value !== 'string' || value.length === 0)
      throw new PolicyGrammarError(path, 'values must be non-empty strings.');
    if (value.length > POLICY_BOUNDS.valueLength)
      throw new PolicyGrammarError(path, `a value is at most ${POLICY_BOUNDS.valueLength} characters.`);
  }
  return [...list] as string[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    // Sets of a compiled principal stay as they are (ReadonlySet in the type); everything else freezes.
    if (value instanceof Set || value instanceof Map) return value;
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
