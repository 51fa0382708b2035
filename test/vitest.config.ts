import { defineConfig } from 'vitest/config';

// Integration tests: a real Temporal dev server (started once, in global setup)
// and a fresh real PostgreSQL database per test file.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A failing test is a failure: never retried into a pass.
    retry: 0,
  },
});
