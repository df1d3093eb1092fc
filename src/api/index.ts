// KMS with every operation declared (the area modules register themselves when imported).
import { kms } from '../kms/index.js';

export { findOperation } from './registry.js';
export { kms };

/** KMS's operations (the public API's names from before products were values). */
export const operations = kms.operations;
export function implementedOperations(): string[] {
  return kms.implementedOperations();
}
