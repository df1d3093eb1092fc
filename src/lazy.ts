import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A library loaded on its first use, synchronously (handlers are synchronous). Start-up loads only
 * what the first signed request needs; the X.509, ASN.1, SM2 and EC libraries (which only some
 * operations use) load when one of those operations first runs. `test/cold-start.test.ts` checks
 * that start-up and a first signed request load none of them.
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load(id) as T;
    return loaded;
  };
}
