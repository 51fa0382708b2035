import { defineConfig } from 'vitest/config';

// Unit tests: pure code beside the code it tests (`src/**/*.unit.test.ts` in every workspace but test/).
// No global setup, no Temporal, no PostgreSQL, no child processes: this tier runs in seconds and needs
// nothing but Node. Anything that starts a service belongs to the integration tier (test/vitest.config.ts).
const include = ['{packages/*,workflows,activities,prisma,apps/*,bench}/src/**/*.unit.test.ts'];
const exclude = ['**/node_modules/**', '**/.next/**'];

// Files that replace a module with vi.mock. A worker that keeps its modules between files (below) keeps the
// first file's stand-in bound into every module that imported it, so another file's vi.mock of the same module
// never takes effect: these run in a fresh module graph each. Add a file here when it calls vi.mock.
const moduleMocks = ['apps/console/src/api/route-body.unit.test.ts', 'apps/console/src/api/route-access.unit.test.ts'];

export default defineConfig({
  test: {
    root: import.meta.dirname,
    pool: 'threads',
    maxWorkers: 2,
    // The integration tier's bound: the property tests take seconds, ten times that on a loaded machine.
    testTimeout: 60_000,
    retry: 0,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include,
          exclude: [...exclude, ...moduleMocks],
          // Pure tests share no state, so a worker keeps its loaded modules between files: imports
          // (zod, Temporal's payload types, the policy engine) were most of the tier's time.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'unit (module mocks)', include: moduleMocks, exclude, isolate: true } },
    ],
  },
});
