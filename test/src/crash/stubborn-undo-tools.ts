import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { ToolsModuleKit } from '@airlock/tools';

/** The file whose presence lets `demo.stubborn_undo`'s undo work (the world fixed by hand). */
export const FIXED_FILE = 'fixed';
/** One line per run and per undo attempt of `demo.stubborn_undo`: `ran`, `undo failed`, `undone`. */
export const RUNS_FILE = 'runs.log';

/**
 * A tools module for the standalone worker (AIRLOCK_TOOLS_MODULE) of the crash suites: `demo.stubborn_undo`, a
 * reversible step whose undo fails until `<dir>/fixed` exists, so a plan's rollback waits for a person's
 * answer (resolveCompensation). It lives in another process than the test: what it did is in `<dir>/runs.log`.
 */
export default ({ z, defineTool }: ToolsModuleKit) => [
  defineTool({
    name: 'demo.stubborn_undo',
    description: 'crash tests: a step whose undo fails until <dir>/fixed exists',
    args: z.object({ dir: z.string() }).strict(),
    execute: async ({ dir }) => {
      await appendFile(path.join(dir, RUNS_FILE), 'ran\n');
      return { dir };
    },
    compensate: async ({ dir }) => {
      const fixed = existsSync(path.join(dir, FIXED_FILE));
      await appendFile(path.join(dir, RUNS_FILE), fixed ? 'undone\n' : 'undo failed\n');
      if (!fixed) throw new Error('cannot be undone until someone fixes it by hand');
    },
  }),
];
