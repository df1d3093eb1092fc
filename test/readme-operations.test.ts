import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, no type declarations
import { renderBlock, replaceBlock } from '../scripts/operations-list.mjs';
import { kms } from '../src/kms/product.js';

const { sdkSource } = kms.spec;

import { implementedOperations, operations } from '../src/index.js';

describe('README', () => {
  it('lists the operations the registry knows and implements (node scripts/operations-list.mjs)', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = renderBlock({
      known: [...operations.keys()].sort(),
      implemented: implementedOperations(),
      sdk: sdkSource,
    });
    expect(replaceBlock(readme, block), 'README.md is stale: run `node scripts/operations-list.mjs`').toBe(
      readme,
    );
  });
});
