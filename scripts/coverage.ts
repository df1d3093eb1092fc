// Writes docs/coverage.md from the operation registry, the source, the tests and docs/conformance.json
// (the same report as GET /_emulator/coverage). `--check` writes nothing and exits 1 when the file
// is stale, so CI fails until it is regenerated.
//
//   npm run coverage            regenerate docs/coverage.md
//   npm run coverage -- --check fail when docs/coverage.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCoverage, coverageMarkdown } from '../src/control/coverage-report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'docs', 'coverage.md');
const report = buildCoverage(root);
const text = coverageMarkdown(report);
const s = report.summary;
const figures = `${s.implemented}/${s.operations} operations implemented; documented codes: ${s.tested} tested, ${s.producible} producible, ${s.notProduced} not produced, ${s.notImplemented} on operations not implemented`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error('docs/coverage.md is stale: run `npm run coverage` and commit the result.');
    process.exit(1);
  }
  console.log(`docs/coverage.md is up to date (${figures}).`);
} else {
  writeFileSync(target, text);
  console.log(`wrote docs/coverage.md (${figures}).`);
}
