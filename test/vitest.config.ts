import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './src/support/longest-first-sequencer.js';

// Integration tests: a real Temporal dev server (started once, in global setup)
// and a fresh real PostgreSQL database per test file.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/support/global-setup.ts'],
    // A failed test records what the browser showed and the console logged (src/console/browser.ts).
    setupFiles: ['src/support/failure-evidence.ts'],
    // Longest files first (file-durations.json), so the two workers end together on a fresh clone.
    sequence: { sequencer: LongestFirstSequencer },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A failing test is a failure: never retried into a pass.
    retry: 0,
  },
});
