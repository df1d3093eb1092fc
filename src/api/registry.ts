import { kms } from '../kms/product.js';
import type { Handler } from './product.js';
import type { OperationSpec } from './spec.js';

/**
 * KMS's operations, as its area modules declare them. The registry of a product is the product
 * itself (src/api/product.ts); these are the KMS shortcuts the area modules use.
 */
export type { Handler, OperationContext } from './product.js';

export function defineOperations(definitions: Record<string, Handler>): void {
  kms.define(definitions);
}

/** KMS's operation of that name, or the gateway's `InvalidAction.NotFound`. */
export function findOperation(action: string): OperationSpec {
  return kms.find(action);
}
