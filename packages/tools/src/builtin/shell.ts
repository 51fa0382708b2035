import { shellExecSpec } from '@airlock/core';
import { SandboxLaunchError, type Sandbox, type SandboxResult } from '@airlock/sandbox';
import { defineTool } from '../define.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { ToolRefusedError, type ShellConfig } from './config.js';

/**
 * `shell.exec`: argv in a fresh sandbox. Repeating a run is harmless (its only
 * writable place is a scratch directory that is gone afterwards), so a retry
 * after a worker crash simply runs it again. Fails closed when the host cannot sandbox.
 */
export function shellExecTool(config: ShellConfig, sandbox: () => Promise<Sandbox>, breakers: CircuitBreakers) {
  return defineTool({
    ...shellExecSpec,
    execute: async ({ command, script, timeoutMs, stdin }, { signal }): Promise<SandboxResult> => {
      if (script !== undefined && !config.allowScript) {
        throw new ToolRefusedError('shell.exec: scripts are disabled on this worker; pass argv as `command`');
      }
      const argv = script !== undefined ? ['/bin/sh', '-c', script] : (command ?? []);
      const program = argv[0] ?? '';
      if (config.allowedCommands && !config.allowedCommands.includes(program)) {
        throw new ToolRefusedError(`shell.exec: ${JSON.stringify(program)} is not an allowed command (allowed: ${config.allowedCommands.join(', ')})`);
      }
      if (timeoutMs > config.maxTimeoutMs) throw new ToolRefusedError(`shell.exec: timeoutMs ${timeoutMs} is over this worker's cap of ${config.maxTimeoutMs}`);
      const box = await sandbox();
      const result = await breakers.run(
        'shell.exec',
        () => box.run({ command: argv, timeoutMs, signal, limits: config.limits, ...(stdin !== undefined ? { stdin } : {}) }),
        // Only the sandbox failing to start says something about this tool's health, not the command's exit code.
        ({ error }) => error instanceof SandboxLaunchError,
      );
      // Cancellation must surface as a failure so the run is recorded as cancelled, not succeeded.
      if (result.killedBy === 'cancel') throw new Error('shell.exec: cancelled; the sandbox was killed');
      return result;
    },
  });
}
