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
    // A worker keeps its process and modules from one file to the next (as the unit tier does): a fresh process per
    // file loaded the Temporal worker, Prisma and the packages again and ran them cold. Each file still has its own
    // database, task queue and worker. src/api alone: 140 s and 190 s of CPU isolated, 46 s and 51 s not (7 Dec 2026).
    isolate: false,
    // Three files at a time on two cores: about a third of the tier's file time is waiting (deadlines, heartbeat and
    // workflow-task timeouts after a SIGKILL, server restarts), when the machine sat idle. Same commit, same AMD machine
    // (7 Dec 2026): the tier took 1,125-1,208 s in three runs with two, 977-1,047 s in two runs with three.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A failing test is a failure: never retried into a pass.
    retry: 0,
  },
});
