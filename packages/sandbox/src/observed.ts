import type { Sandbox, SandboxResult } from './options.js';

/**
 * The same sandbox, reporting every finished run (a deadline, memory or output
 * kill included) to `onRun`: how the worker counts sandbox kills without the
 * sandbox knowing about metrics.
 */
export function observeSandbox(sandbox: Sandbox, onRun: (result: SandboxResult) => void): Sandbox {
  return {
    capabilities: sandbox.capabilities,
    ...(sandbox.selfTest ? { selfTest: sandbox.selfTest } : {}),
    leftovers: () => sandbox.leftovers(),
    async run(request) {
      const result = await sandbox.run(request);
      onRun(result);
      return result;
    },
  };
}
