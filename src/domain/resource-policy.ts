import { KmsError } from '../protocol/errors.js';
import type { Scope, World } from './world.js';

/**
 * Resource policies of keys and secrets (FACTS ram-authorization §5.1): the default document a key
 * or secret gets when CreateKey/CreateSecret name none, the rules a document must follow
 * (SetKeyPolicy, SetSecretPolicy, CreateKey, CreateSecret), and the stored policy of a key or
 * secret. Whatever reads or writes a resource policy goes through here.
 */
export type PolicyKind = 'key' | 'secret';

/** `Policy` is at most 32,768 bytes (the spec, for SetKeyPolicy, SetSecretPolicy, CreateKey and CreateSecret). */
export const MAX_POLICY_BYTES = 32_768;

/** One statement of a policy document, as the service writes it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: { RAM: string | string[] };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

const DEFAULT_SID: Record<PolicyKind, string> = {
  key: 'kms default key policy',
  secret: 'kms default secret policy',
};

/** The policy a key or secret of `accountId` gets when none is given: every RAM identity of the account, every action. */
export function defaultPolicy(kind: PolicyKind, accountId: string): string {
  const document: PolicyDocument = {
    Version: '1',
    Statement: [
      {
        Sid: DEFAULT_SID[kind],
        Effect: 'Allow',
        Principal: { RAM: [`acs:ram::${accountId}:*`] },
        Action: ['kms:*'],
        Resource: ['*'],
      },
    ],
  };
  return JSON.stringify(document);
}

/**
 * Checks a policy document for a key or a secret (the same rules for both): JSON, and at most
 * 32,768 bytes. Returns the text as given (stored as is); InvalidParameter otherwise.
 */
export function validatePolicy(kind: PolicyKind, text: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw new KmsError('InvalidParameter', 'The specified parameter "Policy" must be a JSON document.');
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw new KmsError('InvalidParameter', `The ${kind} policy must not exceed 32 KB.`);
  }
  return text;
}

/**
 * The parsed document of a stored policy, for readers that evaluate it; undefined when the stored
 * text is not a JSON object (a policy stored before the rules were checked).
 */
export function parsePolicy(text: string): Partial<PolicyDocument> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Partial<PolicyDocument>)
      : undefined;
  } catch {
    return undefined;
  }
}

type Services = Pick<World, 'keys' | 'secrets'>;

/**
 * The stored policy of a key (KeyId, alias or ARN; its instance must be available, as GetKeyPolicy
 * answers) or a secret (name or ARN; not in its deletion window, as GetSecretPolicy answers).
 */
export function policyOf(world: Services, scope: Scope, kind: PolicyKind, ref: string): string {
  return kind === 'key' ? world.keys.available(scope, ref).policy : world.secrets.get(scope, ref).policy;
}

/** Validates `text` and stores it as the policy of the key or secret `ref` (SetKeyPolicy, SetSecretPolicy). */
export function setPolicy(world: Services, scope: Scope, kind: PolicyKind, ref: string, text: string): void {
  if (kind === 'key') {
    const key = world.keys.available(scope, ref);
    key.policy = validatePolicy(kind, text);
    world.keys.save(key);
  } else {
    const secret = world.secrets.get(scope, ref);
    secret.policy = validatePolicy(kind, text);
    world.secrets.save(secret);
  }
}
