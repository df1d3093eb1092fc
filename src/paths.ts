import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own directory (package.json, spec/, schemas/, ui/), found upward from this module:
 * the same answer from src/ (tests), from dist/ (tsc's modules) and from the bundled `kms-emulator`
 * command (dist/cli.js, scripts/bundle-cli.mjs), wherever the code that asks was bundled to.
 */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`alibaba-kms-emulator: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = packageRoot();

/** A file shipped with the package, e.g. `packagePath('spec', 'sdk-models.json')`. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
