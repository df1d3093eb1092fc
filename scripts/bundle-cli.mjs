// Bundles the `kms-emulator` command (dist/cli.js as tsc wrote it, `npm run build` runs this next) into
// one module, so that `kms-emulator start` / `npm start` loads one file of its own instead of ~65
// (issue #16, cold start: Node's ES module loader resolves, reads and links each file separately).
// What start-up does not need stays out of it: dynamic import()s (TLS, the gateway, the control
// plane, the scenario runner, the recorder) become chunks in dist/cli-chunks/, loaded on first use;
// packages stay external (required from node_modules as before, most of them lazily — src/lazy.ts),
// except the few small ones every start loads (INLINE: argument parsing, the body reader, the store's
// file writer, IDs), whose separate resolution and loading cost more than their code.
// The programmatic API (dist/index.js and the modules beside it) is tsc's output, unbundled.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}dist/cli.js`;
const MARK = '// kms-emulator command, bundled by scripts/bundle-cli.mjs';

/** Packages bundled in (with their own small dependencies); every other package stays external. */
const INLINE = new Set(['commander', 'ms', 'nanoid', 'lowdb', 'steno']);
const packageName = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('node:') || !INLINE.has(packageName(args.path))
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

if (readFileSync(entry, 'utf8').includes(MARK)) {
  console.error('bundle-cli: dist/cli.js is already bundled; run `npm run build` (tsc first).');
  process.exit(1);
}
rmSync(`${root}dist/cli-chunks`, { recursive: true, force: true });
await build({
  entryPoints: [entry],
  outdir: `${root}dist`,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'cli-chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalPackages],
  // Bundled code may require external packages at run time (createRequire, as src/lazy.ts does).
  banner: {
    js: `${MARK}\nimport { createRequire as __kmsCreateRequire } from 'node:module';\nconst require = __kmsCreateRequire(import.meta.url);`,
  },
  logLevel: 'warning',
});
