import { DefaultLogger, Runtime } from '@temporalio/worker';

/** Worker logs at WARN in tests; installed once per process (a second install throws). */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process by another test file.
  }
}
