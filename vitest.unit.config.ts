import { defineConfig } from 'vitest/config';

// Unit tests: pure code beside the code it tests (`src/**/*.unit.test.ts` in every workspace but test/).
// No global setup, no Temporal, no PostgreSQL, no child processes: this tier runs in seconds and needs
// nothing but Node. Anything that starts a service belongs to the integration tier (test/vitest.config.ts).
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['{packages/*,workflows,activities,prisma,apps/*,bench}/src/**/*.unit.test.ts'],
    exclude: ['**/node_modules/**', '**/.next/**'],
    pool: 'threads',
    maxWorkers: 2,
    // Pure tests share no state, so a worker keeps its loaded modules between files: imports
    // (zod, Temporal's payload types, the policy engine) were most of the tier's time.
    isolate: false,
    // The integration tier's bound: the property tests take seconds, ten times that on a loaded machine.
    testTimeout: 60_000,
    retry: 0,
  },
});
