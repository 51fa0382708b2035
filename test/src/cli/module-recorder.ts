import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

// Preloaded into a CLI process (`--import`, after tsx's loader) by startup-modules.test.ts: every
// module the process loads, one file URL or path a line, appended to MODULE_LOG. ES modules (the
// workspace's TypeScript, ESM packages) are seen by a load hook; CommonJS ones, required from
// each other where no ESM hook runs, are read from require's cache when the process exits.
const log = process.env.MODULE_LOG;
if (log) {
  register('./module-recorder-hooks.ts', { parentURL: import.meta.url, data: { log } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () =>
    appendFileSync(
      log,
      Object.keys(cache)
        .map((file) => `${file}\n`)
        .join(''),
    ),
  );
}
