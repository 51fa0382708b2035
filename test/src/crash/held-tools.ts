import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ToolsModuleKit } from '@airlock/tools';

/** The file whose presence lets `demo.held` finish. */
export const RELEASE_FILE = 'released';
/** One line per run of `demo.held` and how it ended: `started <pid>`, `aborted <pid>`, `finished <pid>`. */
export const RUNS_FILE = 'runs.log';

/**
 * A tools module for the standalone worker (AIRLOCK_TOOLS_MODULE): `demo.held`, which runs until `<dir>/released`
 * exists, or throws once its attempt's signal aborts (a tool stopped mid-run). It lives in another process than
 * the test: which worker ran it, and how each run ended, is in `<dir>/runs.log`.
 */
export default ({ z, defineTool }: ToolsModuleKit) => [
  defineTool({
    name: 'demo.held',
    description: 'crash tests: runs until <dir>/released exists',
    args: z.object({ dir: z.string() }).strict(),
    execute: async ({ dir }, { signal }) => {
      const log = (line: string) => appendFile(path.join(dir, RUNS_FILE), `${line} ${process.pid}\n`);
      await log('started');
      while (!existsSync(path.join(dir, RELEASE_FILE))) {
        if (signal.aborted) {
          await log('aborted');
          throw new Error('stopped while held');
        }
        await sleep(100);
      }
      await log('finished');
      return { dir };
    },
  }),
];
