#!/usr/bin/env node
// The `kms-emulator` command as installed (dist/kms-emulator.cjs, copied here by
// scripts/bundle-cli.mjs). It runs the bundled command (dist/cli-bundle.cjs) with V8's code cache
// (dist/cli-bundle.cjs.cache, made by `npm run build` with the Node that built it): start-up then
// deserializes compiled code instead of parsing and compiling ~600 KB of JavaScript (issue #16,
// cold start). A cache from another Node or V8 version is rejected by V8 and the command runs
// exactly the same, compiling as usual. KMS_EMULATOR_CODE_CACHE_OUT=FILE writes the cache when the
// process exits (the build does this after one signed request); KMS_EMULATOR_CODE_CACHE=report
// prints on stderr whether the cache was used.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, 'cli-bundle.cjs');
const cacheFile = `${bundle}.cache`;
const cacheOut = process.env.KMS_EMULATOR_CODE_CACHE_OUT;
const cachedData = !cacheOut && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
const script = new vm.Script(wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (process.env.KMS_EMULATOR_CODE_CACHE === 'report') {
  const state = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`kms-emulator: code cache ${state}\n`);
}
if (cacheOut) process.on('exit', () => writeFileSync(cacheOut, script.createCachedData()));
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, __dirname);
