/**
 * What is wrong with a policy document, before it is told in the code of the API that received it
 * (policy-document.ts picks the code per kind of document). `path` names the element, JSON-path
 * style (`Statement[2].Condition.IpAddress`), so a user can find it.
 */
export class PolicyGrammarError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'PolicyGrammarError';
  }
}

/** Emulator bounds on what one document may hold (the size limits of facts §1/§5.1 come first). */
export const POLICY_BOUNDS = {
  /** A 6,144-character RAM policy cannot hold more than a few hundred; a 32 KB key policy ~500. */
  statements: 512,
  /** Values in one Action/NotAction/Resource/NotResource/Principal list or one condition key. */
  valuesPerElement: 256,
  /** Characters in one action, resource, principal or condition value. */
  valueLength: 1024,
  /** Operators in one Condition block, keys under one operator. */
  conditionEntries: 64,
} as const;
