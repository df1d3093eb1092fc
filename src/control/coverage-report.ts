import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { kms } from '../api/index.js';
import type { Product } from '../api/product.js';
import { knownError } from '../protocol/errors.js';
import { parseYaml } from '../testkit/yaml.js';

/**
 * The coverage report: for every operation of the API, whether the emulator implements it, every
 * error code the spec documents for it and whether the emulator can produce it, and the conformance
 * rows and clients that exercise it. Nothing here is typed by hand: it is read off the operation
 * registry, the source (every `new KmsError('Code'…)`, plus the family rewriting of
 * `Product.run`), the tests (a code asserted next to a call of the operation, and the scenario
 * files' `call`/`expect.code` pairs) and docs/conformance.json.
 */
export type CodeStatus = 'tested' | 'producible' | 'not-produced' | 'not-implemented';

export interface CodeCoverage {
  code: string;
  status: number;
  coverage: CodeStatus;
  /** Where the emulator throws it: source files, or `InvalidParameter.TagKey → InvalidParameter`. */
  producedBy: string[];
  /** Test files that assert this operation answers this code. */
  tests: string[];
}

export interface OperationCoverage {
  name: string;
  implemented: boolean;
  errors: CodeCoverage[];
  /** Codes tests assert for this operation that its documentation does not list (gateway codes aside). */
  undocumented: { code: string; tests: string[] }[];
  conformance: { rows: string[]; clients: string[] };
}

export interface CoverageReport {
  /** The product reported on. */
  product: { code: string; version: string };
  sources: { code: 'src' | 'dist' | 'none'; tests: boolean; conformance: boolean };
  summary: {
    operations: number;
    implemented: number;
    documentedCodes: number;
    tested: number;
    producible: number;
    notProduced: number;
    notImplemented: number;
  };
  /** Codes the gateway and parameter layer answer for any operation. */
  gateway: { code: string; producedBy: string[]; tests: string[] }[];
  operations: OperationCoverage[];
}

/** Files that answer for every operation (signatures, intake, parameter validation). */
const NOT_API = /^(control|testkit)\//;
const GATEWAY_FILES = /^(protocol\/|server\.|pipeline\.|api\/params\.|api\/registry\.|api\/product\.)/;

/** One product's coverage (KMS's unless another is named): its operations, codes, tests and clients. */
export function buildCoverage(root: string, product: Product = kms): CoverageReport {
  const { operations } = product;
  const implemented = new Set(product.implementedOperations());
  const names = [...operations.keys()].sort();
  const codeDir = existsSync(join(root, 'src')) ? 'src' : existsSync(join(root, 'dist')) ? 'dist' : undefined;
  const thrown = codeDir ? thrownCodes(join(root, codeDir)) : new Map<string, Set<string>>();
  const isCode = (text: string) => thrown.has(text) || knownError(text) !== undefined;
  const testDir = join(root, 'test');
  const hasTests = existsSync(testDir);
  const asserted = hasTests ? assertedCodes(root, new Set(names), isCode) : new Map<string, Set<string>>();
  const conformance = conformanceOf(root, new Set(names));

  const gatewayCodes = [...thrown.entries()]
    .filter(([, files]) => [...files].some((f) => GATEWAY_FILES.test(f)))
    .map(([code]) => code)
    .sort();
  const gatewaySet = new Set(gatewayCodes);
  const testsFor = (op: string, code: string) => [...(asserted.get(`${op} ${code}`) ?? [])].sort();

  const report: OperationCoverage[] = names.map((name) => {
    const spec = operations.get(name);
    const documented = [...(spec?.errors ?? new Map<string, number>()).entries()].sort(([a], [b]) =>
      a.localeCompare(b),
    );
    const isImplemented = implemented.has(name);
    const errors = documented.map(([code, status]): CodeCoverage => {
      const producedBy = [...(thrown.get(code) ?? [])].sort();
      // Product.run answers a refined code by its family when the operation documents only that.
      for (const refined of [...thrown.keys()].sort()) {
        if (refined.startsWith(`${code}.`) && !spec?.errors.has(refined))
          producedBy.push(`${refined} → ${code}`);
      }
      const tests = testsFor(name, code);
      const coverage: CodeStatus = !isImplemented
        ? 'not-implemented'
        : tests.length > 0
          ? 'tested'
          : producedBy.length > 0
            ? 'producible'
            : 'not-produced';
      return { code, status, coverage, producedBy, tests };
    });
    const undocumented = [...asserted.keys()]
      .filter((key) => key.startsWith(`${name} `))
      .map((key) => key.slice(name.length + 1))
      .filter((code) => !spec?.errors.has(code) && !gatewaySet.has(code))
      .sort()
      .map((code) => ({ code, tests: testsFor(name, code) }));
    return {
      name,
      implemented: isImplemented,
      errors,
      undocumented,
      conformance: conformance.get(name) ?? { rows: [], clients: [] },
    };
  });

  const all = report.flatMap((op) => op.errors);
  const count = (status: CodeStatus) => all.filter((e) => e.coverage === status).length;
  return {
    product: { code: product.code, version: product.version },
    sources: {
      code: codeDir ?? 'none',
      tests: hasTests,
      conformance: existsSync(join(root, 'docs', 'conformance.json')),
    },
    summary: {
      operations: names.length,
      implemented: implemented.size,
      documentedCodes: all.length,
      tested: count('tested'),
      producible: count('producible'),
      notProduced: count('not-produced'),
      notImplemented: count('not-implemented'),
    },
    gateway: gatewayCodes.map((code) => ({
      code,
      producedBy: [...(thrown.get(code) ?? [])].sort(),
      tests: [...new Set(names.flatMap((op) => testsFor(op, code)))].sort(),
    })),
    operations: report,
  };
}

function filesUnder(
  dir: string,
  ext: RegExp,
  skip: RegExp = /^(node_modules|\.venv|target|dist|__pycache__)$/,
): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (skip.test(entry)) continue;
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, ext, skip));
    else if (ext.test(entry)) out.push(path);
  }
  return out;
}

const posix = (path: string) => path.split(sep).join('/');

/** Code → the source files (relative to the code directory) that throw it. */
function thrownCodes(codeDir: string): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>();
  for (const file of filesUnder(codeDir, /\.(ts|js)$/, /node_modules|\.d\.ts$|\.map$|^ui$/)) {
    const where = posix(relative(codeDir, file)).replace(/\.js$/, '.ts');
    // The control surface and seeds answer the test harness, not an API operation.
    if (NOT_API.test(where)) continue;
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const match of text.matchAll(/new\s+(?:KmsError|ApiError)\(\s*(['"`])([A-Za-z][\w.]*)\1/g)) {
      const code = match[2] as string;
      const set = codes.get(code) ?? new Set<string>();
      set.add(where);
      codes.set(code, set);
    }
  }
  return codes;
}

/** Removes // and /* *\/ comments, leaving string and template literals as they are. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const NOT_ASSERTIONS = 'coverage-report: sample text, not assertions';

/** Where a test block starts: vitest `it(`/`test(`, a Python/Go function, a conformance row. */
const BLOCK_START =
  /^\s*(it|test|describe)(\.\w+)?\s*\(|^\s*(async\s+)?def\s|^\s*func\s|^\s*async\s+['\w-]+\s*\(|^\s*(public|private|static)\s.*\)\s*(throws [\w, ]+)?\{\s*$/;

/**
 * `Operation Code` → test files asserting that the operation answers the code: in code, a code
 * literal attributed to the nearest operation named before it in the same test block (a quoted
 * name, or a typed client's `.describeKey(`); codes a fault rule of that block injects do not
 * count. In scenario files, each `call` with its `expect.code`.
 */
function assertedCodes(
  root: string,
  names: Set<string>,
  isCode: (text: string) => boolean,
): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (op: string, code: string, file: string) => {
    const key = `${op} ${code}`;
    const set = found.get(key) ?? new Set<string>();
    set.add(file);
    found.set(key, set);
  };
  const camel = new Map([...names].map((n) => [n.charAt(0).toLowerCase() + n.slice(1), n]));

  for (const file of filesUnder(join(root, 'test'), /\.(ts|mjs|js|py|go|java)$/)) {
    const rel = posix(relative(root, file));
    const source = readFileSync(file, 'utf8');
    // A file of fixtures for this scanner (codes in sample text) opts out.
    if (source.includes(NOT_ASSERTIONS)) continue;
    const lines = source.split('\n');
    let blockOps: string[] = [];
    let block: { op: string | undefined; code: string }[] = [];
    let injected = new Set<string>();
    const flush = () => {
      for (const { op, code } of block) if (op && !injected.has(code)) add(op, code, rel);
      block = [];
      blockOps = [];
      injected = new Set();
    };
    for (const line of lines) {
      if (BLOCK_START.test(line)) flush();
      const faultRule = /error\s*:\s*\{[^}]*code\s*:\s*['"]([\w.]+)['"]/.exec(line);
      if (faultRule) injected.add(faultRule[1] as string);
      for (const match of line.matchAll(/(['"])([A-Za-z][\w.]*)\1|\.([a-z]\w*)\(/g)) {
        const text = match[2] ?? match[3];
        if (!text) continue;
        const op = match[2] && names.has(text) ? text : match[3] ? camel.get(text) : undefined;
        if (op) blockOps.push(op);
        else if (match[2] && isCode(text)) block.push({ op: blockOps.at(-1), code: text });
      }
    }
    flush();
  }

  for (const file of filesUnder(join(root, 'fixtures', 'scenarios'), /\.ya?ml$/)) {
    const rel = posix(relative(root, file));
    const scenario = parseYaml(readFileSync(file, 'utf8')) as { steps?: Record<string, unknown>[] };
    for (const step of scenario?.steps ?? []) {
      const expect = step.expect as { code?: unknown } | undefined;
      if (typeof step.call === 'string' && names.has(step.call) && typeof expect?.code === 'string') {
        add(step.call, expect.code, rel);
      }
    }
  }
  return found;
}

/**
 * Operation → conformance rows that call it (read off the reference Node suite's row functions) and
 * the clients that passed those rows (docs/conformance.json).
 */
function conformanceOf(root: string, names: Set<string>): Map<string, { rows: string[]; clients: string[] }> {
  const out = new Map<string, { rows: string[]; clients: string[] }>();
  const suiteFile = join(root, 'test', 'sdk', 'node', 'suite.mjs');
  const resultsFile = join(root, 'docs', 'conformance.json');
  if (!existsSync(suiteFile) || !existsSync(resultsFile)) return out;
  const suite = readFileSync(suiteFile, 'utf8');
  const body = suite.slice(suite.indexOf('const rows = {'));
  const rowOps = new Map<string, Set<string>>();
  let row: string | undefined;
  for (const line of body.split('\n').slice(1)) {
    if (/^};/.test(line)) break;
    const head = /^ {2}async\s+'?([\w-]+)'?\s*\(/.exec(line);
    if (head) row = head[1] as string;
    if (!row) continue;
    for (const match of line.matchAll(/'([A-Za-z]\w*)'/g)) {
      if (!names.has(match[1] as string)) continue;
      const set = rowOps.get(row) ?? new Set<string>();
      set.add(match[1] as string);
      rowOps.set(row, set);
    }
  }
  const results = (
    JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      results?: { client: string; row: string; status: string }[];
    }
  ).results;
  for (const [rowName, ops] of rowOps) {
    const clients = (results ?? [])
      .filter((r) => r.row === rowName && r.status === 'pass')
      .map((r) => r.client);
    for (const op of ops) {
      const entry = out.get(op) ?? { rows: [], clients: [] };
      entry.rows = [...new Set([...entry.rows, rowName])].sort();
      entry.clients = [...new Set([...entry.clients, ...clients])].sort();
      out.set(op, entry);
    }
  }
  return out;
}

const MARK: Record<CodeStatus, string> = {
  tested: 'tested',
  producible: 'producible',
  'not-produced': '**not produced**',
  'not-implemented': 'not implemented',
};

/** A long list of files shortened for the Markdown table (the JSON keeps them all). */
const few = (list: string[], max = 4): string =>
  list.length === 0
    ? '—'
    : list.length <= max
      ? list.join(', ')
      : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;

/** docs/coverage.md: the same report as GET /_emulator/coverage, for readers of the repository. */
export function coverageMarkdown(report: CoverageReport): string {
  const s = report.summary;
  const lines: string[] = [
    '# Coverage',
    '',
    `Product: **${report.product.code} ${report.product.version}**.`,
    '',
    '<!-- Generated by `npm run coverage` (scripts/coverage.ts) from the operation registry, the',
    '     source, the tests and docs/conformance.json. Do not edit: CI fails when it is stale. -->',
    '',
    'Served live as `GET /_emulator/coverage` (JSON) and on the dashboard (`/_emulator/ui`).',
    '',
    `- Operations: **${s.implemented} of ${s.operations}** implemented.`,
    `- Documented error codes (operation × code): ${s.documentedCodes} — **${s.tested} tested**, ${s.producible} producible but not asserted by a test, ${s.notProduced} never produced, ${s.notImplemented} on operations not implemented.`,
    '',
    'How each column is found:',
    '- *tested*: a test in `test/` asserts the code next to a call of the operation (a code its own',
    '  fault rule injects does not count), or a scenario in `fixtures/scenarios/` expects it of a `call`.',
    '- *producible*: the source throws the code (`new KmsError(…)`), or a refined code that',
    '  `Product.run` answers by this family for an operation documenting only the family',
    '  (`InvalidParameter.TagKey → InvalidParameter`); no test asserts it for this operation yet.',
    '- *not produced*: nothing in the source throws it.',
    '- *Conformance*: rows of `test/sdk/*` whose calls include the operation, and the official clients',
    '  that passed those rows in `docs/conformance.json`.',
    '',
    '## Gateway codes (any operation)',
    '',
    '| code | thrown in | asserted by |',
    '|---|---|---|',
    ...report.gateway.map((g) => `| \`${g.code}\` | ${few(g.producedBy)} | ${few(g.tests)} |`),
    '',
    '## Operations',
    '',
    '| operation | implemented | documented codes | tested | producible | not produced | conformance rows | clients |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const op of report.operations) {
    const n = (status: CodeStatus) => op.errors.filter((e) => e.coverage === status).length;
    lines.push(
      `| [${op.name}](#${op.name.toLowerCase()}) | ${op.implemented ? 'yes' : 'no'} | ${op.errors.length} | ${n('tested')} | ${n('producible')} | ${n('not-produced')} | ${op.conformance.rows.join(', ') || '—'} | ${op.conformance.clients.length} |`,
    );
  }
  lines.push('', '## Error codes by operation', '');
  for (const op of report.operations) {
    lines.push(`### ${op.name}`, '');
    lines.push(op.implemented ? 'Implemented.' : 'Not implemented: answers `UnsupportedOperation`.');
    if (op.conformance.clients.length > 0) {
      lines.push(`Conformance: ${op.conformance.rows.join(', ')} — ${op.conformance.clients.join(', ')}.`);
    }
    lines.push('');
    if (op.errors.length === 0) lines.push('The spec documents no error codes for it.', '');
    else {
      lines.push('| code | HTTP | coverage | thrown in | asserted by |', '|---|---|---|---|---|');
      for (const e of op.errors) {
        lines.push(
          `| \`${e.code}\` | ${e.status} | ${MARK[e.coverage]} | ${few(e.producedBy)} | ${few(e.tests)} |`,
        );
      }
      lines.push('');
    }
    if (op.undocumented.length > 0) {
      lines.push(
        `Also answered (asserted by tests, not in the spec's list): ${op.undocumented
          .map((u) => `\`${u.code}\` (${u.tests.join(', ')})`)
          .join(', ')}.`,
        '',
      );
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
