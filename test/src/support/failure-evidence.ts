import { afterEach } from 'vitest';

/**
 * What a failing test leaves behind to explain itself (the browser's pages, a server's log):
 * a test file registers a recorder while its harness runs, and every failed test calls them.
 * A flaky failure on a busy CI machine is seen once; this is what it leaves to read.
 */
type Recorder = (testName: string) => Promise<void>;

// On globalThis: this module runs once as a setup file and is imported by the test file's helpers, and both must see one set.
const KEY = Symbol.for('airlock.test.failureEvidence');
const recorders: Set<Recorder> = ((globalThis as Record<symbol, unknown>)[KEY] as Set<Recorder> | undefined) ?? new Set<Recorder>();
(globalThis as Record<symbol, unknown>)[KEY] = recorders;

/** Adds a recorder for the failures to come; the returned function removes it. */
export function recordOnFailure(recorder: Recorder): () => void {
  recorders.add(recorder);
  return () => recorders.delete(recorder);
}

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  for (const recorder of recorders) {
    try {
      await recorder(task.name);
    } catch (error) {
      // The evidence is a bonus: its own failure must not hide the test's.
      console.error(`recording evidence of "${task.name}" failed:`, error);
    }
  }
});
