import { type CompiledPolicy, compilePolicy, type PolicyDocumentKind } from './policy-document.js';

/**
 * Compiled documents by kind and text, so a policy is parsed once however often it is evaluated
 * (issue #25, Performance). Bounded: the least recently used entry leaves first.
 */
export class CompiledPolicyCache {
  private readonly entries = new Map<string, CompiledPolicy>();

  constructor(private readonly capacity = 1024) {}

  compile(text: string, kind: PolicyDocumentKind): CompiledPolicy {
    const cacheKey = `${kind}\u0000${text}`;
    const hit = this.entries.get(cacheKey);
    if (hit) {
      this.entries.delete(cacheKey);
      this.entries.set(cacheKey, hit);
      return hit;
    }
    const compiled = compilePolicy(text, kind);
    this.entries.set(cacheKey, compiled);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return compiled;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
