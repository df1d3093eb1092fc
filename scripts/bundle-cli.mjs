// Bundles the `kms-emulator` command (dist/cli.js as tsc wrote it; `npm run build` runs this next) into
// one CommonJS file, dist/cli-bundle.cjs, and makes V8's code cache for it (issue #16, cold start).
// - One file instead of ~65 ES modules: Node's ES module loader resolves, reads, compiles and links
//   each file separately before running any of them; a CommonJS script is compiled lazily, function
//   by function, and a code cache can skip even that.
// - What start-up does not need still does not run: dynamic import()s (TLS, the gateway, the control
//   plane, the scenario runner, the recorder) become modules initialised on first use, and packages
//   stay external (required from node_modules, most of them lazily — src/lazy.ts), except the few
//   small ones every start loads (INLINE: argument parsing, the body reader, the store's file writer,
//   IDs), whose separate resolution and loading cost more than their code.
// - dist/kms-emulator.cjs (scripts/cli-loader.cjs) is the installed command: it runs the bundle with
//   the cache. dist/cli.js becomes a two-line entry that loads it (`node dist/cli.js` keeps working).
// - The cache is made here, by the Node that builds: the command started once, asked one signed
//   DescribeRegions, stopped; it then holds the code start-up and a first request compile. Another
//   Node version rejects it and compiles as usual.
// The programmatic API (dist/index.js and the modules beside it) is tsc's output, unbundled.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { v1SignedQuery } from './v1-sign.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}dist/cli.js`;
const bundle = `${root}dist/cli-bundle.cjs`;
const command = `${root}dist/kms-emulator.cjs`;
const cache = `${bundle}.cache`;
const MARK = '// kms-emulator command entry, written by scripts/bundle-cli.mjs';

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
  console.error('bundle-cli: dist/cli.js is already the entry; run `npm run build` (tsc first).');
  process.exit(1);
}
// The ES module chunks an earlier build made, and a cache of an earlier bundle.
rmSync(`${root}dist/cli-chunks`, { recursive: true, force: true });
rmSync(cache, { force: true });
await build({
  entryPoints: [entry],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  plugins: [externalPackages],
  // The sources are ES modules: import.meta.url is the bundle's own URL (src/paths.ts, createRequire).
  define: { 'import.meta.url': '__kmsBundleUrl' },
  banner: { js: "const __kmsBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// The entry's #! line came along; the loader runs the bundle as a function body, where it cannot be.
writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/^#!.*\n/, ''));
copyFileSync(`${root}scripts/cli-loader.cjs`, command);
writeFileSync(
  entry,
  `#!/usr/bin/env node\n${MARK}: the command is dist/kms-emulator.cjs.\nimport { createRequire } from 'node:module';\n\ncreateRequire(import.meta.url)('./kms-emulator.cjs');\n`,
);

/** A port nobody listens on. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function get(port, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

// The code cache: one start, one signed request, one stop.
const port = await freePort();
const child = spawn(
  process.execPath,
  [command, 'start', '--port', String(port), '--state', ':memory:', '--log-level', 'silent'],
  { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KMS_EMULATOR_CODE_CACHE_OUT: cache } },
);
const exited = new Promise((resolve) => child.once('exit', resolve));
const until = Date.now() + 30_000;
let answered = false;
while (!answered && Date.now() < until && child.exitCode === null) {
  const query = v1SignedQuery('LTAIEmulatorAccessKeyId', 'EmulatorAccessKeySecret', 'DescribeRegions');
  answered = (await get(port, `/?${query}`)) === 200;
  if (!answered) await new Promise((resolve) => setTimeout(resolve, 20));
}
child.kill('SIGTERM');
await exited;
if (!answered || !existsSync(cache)) {
  // The command works without it (only slower to start); say so, never fail the build for it.
  console.error('bundle-cli: no code cache was made; kms-emulator will compile at each start.');
  rmSync(cache, { force: true });
} else if (statSync(cache).size === 0) {
  rmSync(cache, { force: true });
}
