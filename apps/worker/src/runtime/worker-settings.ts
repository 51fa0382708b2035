import { readFileSync } from 'node:fs';
import { demoTools, type ToolDefinition } from '@airlock/activities';
import { createBuiltinTools, loadToolsModule, type CircuitBreakers } from '@airlock/tools';
import type { SandboxResult } from '@airlock/sandbox';
import { dataConverterFor, type Keyring } from '@airlock/codec';
import { DEFAULT_POLICY_FILE, PolicyStore, watchPolicy } from '@airlock/policy/files';
import type { DataConverter } from '@temporalio/common';
import { toolHeaderEnvironment } from '../env.js';

export interface WorkerSettings {
  policy: PolicyStore;
  /** The policy file the store reads. */
  policyFile: string;
  dataConverter: DataConverter;
  /** Built-in tools (shell, http, sql, fs, declared HTTP tools) the tools config enables, then the tools module's. */
  tools: ToolDefinition[];
  /** Their circuit breakers, for metrics; undefined without a tools config. */
  breakers: CircuitBreakers | undefined;
  /** Stops watching the policy file. */
  stop(): void;
}

interface WorkerSettingsEnv {
  AIRLOCK_POLICY_FILE?: string | undefined;
  AIRLOCK_PAYLOAD_KEYS?: Keyring | undefined;
  AIRLOCK_TOOLS_CONFIG?: string | undefined;
  AIRLOCK_TOOLS_MODULE?: string | undefined;
}

/**
 * The policy store (reloaded when the file changes; a bad edit keeps the last good
 * policy and is reported), the payload codec the clients must share, and the
 * built-in tools with their sandbox, self-tested at start-up.
 */
export async function workerSettings(
  env: WorkerSettingsEnv,
  log: (line: string) => void,
  observers: { onSandboxRun?: (result: SandboxResult) => void; onPolicyReload?: (result: ReturnType<PolicyStore['reload']>) => void } = {},
): Promise<WorkerSettings> {
  const file = env.AIRLOCK_POLICY_FILE ?? DEFAULT_POLICY_FILE;
  const policy = new PolicyStore(file);
  log(`policy ${file} version ${policy.current().version}`);
  const stop = watchPolicy(policy, file, (result) => {
    log(result.ok ? `policy reloaded: version ${result.version}` : `policy NOT reloaded, version ${result.activeVersion} stays active: ${result.error.message}`);
    observers.onPolicyReload?.(result);
  });
  try {
    const builtins = await builtinToolsFrom(env.AIRLOCK_TOOLS_CONFIG, log, observers);
    const tools = builtins?.tools ?? [];
    if (env.AIRLOCK_TOOLS_MODULE) {
      // A broken pack stops the worker here, its message naming the module and the tool.
      const own = await loadToolsModule(
        env.AIRLOCK_TOOLS_MODULE,
        [...demoTools, ...tools].map((t) => t.name),
      );
      log(`tools module ${env.AIRLOCK_TOOLS_MODULE}: ${own.map((t) => t.name).join(', ') || 'no tools'}`);
      tools.push(...own);
    }
    return { policy, policyFile: file, dataConverter: dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS), tools, breakers: builtins?.breakers, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

async function builtinToolsFrom(
  configFile: string | undefined,
  log: (line: string) => void,
  observers: { onSandboxRun?: (result: SandboxResult) => void },
): Promise<(Pick<WorkerSettings, 'tools'> & { breakers: CircuitBreakers }) | undefined> {
  if (!configFile) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (error) {
    throw new Error(`AIRLOCK_TOOLS_CONFIG ${configFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let builtins: ReturnType<typeof createBuiltinTools>;
  try {
    builtins = createBuiltinTools(raw as Parameters<typeof createBuiltinTools>[0], { ...observers, env: toolHeaderEnvironment() });
  } catch (error) {
    throw new Error(`AIRLOCK_TOOLS_CONFIG ${configFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  log(`built-in tools: ${builtins.tools.map((t) => t.name).join(', ') || 'none enabled'}`);
  if (builtins.tools.some((t) => t.name === 'shell.exec')) {
    // Loud but not fatal: an unavailable sandbox makes shell.exec refuse every run (fail closed).
    const { capabilities } = await builtins.sandbox();
    log(
      capabilities.available
        ? `sandbox ready (limits by ${capabilities.limiter ?? 'none'}, seccomp ${capabilities.seccomp ? 'on' : 'off'}, scratch and /tmp in sized tmpfs)`
        : `SANDBOX UNAVAILABLE, shell.exec will refuse to run: ${capabilities.reason ?? 'unknown reason'}`,
    );
  }
  return { tools: builtins.tools, breakers: builtins.breakers };
}
