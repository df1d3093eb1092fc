// Preload (`node --import`) for test/cold-start.test.ts: records which modules a process loads.
// ES modules through a load hook (loaded-modules-hook.mjs appends each URL to $LOADED_MODULES_FILE);
// CommonJS ones (require, createRequire) from require.cache and Node's own from process.moduleLoadList,
// written to `$LOADED_MODULES_FILE.cjs`
// on SIGUSR2 (the test's "what is loaded now?").
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.LOADED_MODULES_FILE;
if (file) {
  writeFileSync(file, '');
  register('./loaded-modules-hook.mjs', import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('SIGUSR2', () => {
    // Written whole, then renamed: the test never reads half a list.
    // Node's own modules as `node:<name>`, however they were loaded (import or require).
    const builtins = process.moduleLoadList
      .filter((m) => m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/'))
      .map((m) => `node:${m.slice('NativeModule '.length)}`);
    writeFileSync(`${file}.cjs.tmp`, [...Object.keys(require.cache), ...builtins].join('\n'));
    renameSync(`${file}.cjs.tmp`, `${file}.cjs`);
  });
}
