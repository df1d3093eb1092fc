// Preload (`node --import`) for test/cold-start.test.ts: records which modules a process loads.
// ES modules through a load hook (loaded-modules-hook.mjs appends each URL to $LOADED_MODULES_FILE);
// CommonJS ones (require, createRequire) from require.cache, written to `$LOADED_MODULES_FILE.cjs`
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
    writeFileSync(`${file}.cjs.tmp`, Object.keys(require.cache).join('\n'));
    renameSync(`${file}.cjs.tmp`, `${file}.cjs`);
  });
}
