import { formatZodError } from '@airlock/core';
import { createSandbox, observeSandbox, type Sandbox, type SandboxResult } from '@airlock/sandbox';
import type { ToolDefinition } from '../define.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { BuiltinToolsConfig, type BuiltinToolsConfigInput } from './config.js';
import { fsTools } from './fs.js';
import { declaredHttpTools } from './http-tools.js';
import { httpRequestTool, systemResolver, type HostResolver } from './http.js';
import { shellExecTool } from './shell.js';
import { sqlQueryTool } from './sql.js';

/** Parts a test or a worker may supply instead of the defaults. */
export interface BuiltinToolsDeps {
  /** The sandbox for shell.exec; default: created from `shell.sandbox` on first use (detected and self-tested once). */
  sandbox?: Sandbox | Promise<Sandbox>;
  breakers?: CircuitBreakers;
  /** DNS for http.request; default: the system resolver. */
  resolveHost?: HostResolver;
  /** Where declared HTTP tools read their header variables (the worker passes its environment); default: none. */
  env?: Record<string, string | undefined>;
  /** Told of every finished sandbox run (kills included), e.g. for metrics. */
  onSandboxRun?: (result: SandboxResult) => void;
}

export interface BuiltinTools {
  tools: ToolDefinition[];
  /** Circuit state per tool/endpoint, for metrics. */
  breakers: CircuitBreakers;
  /** The shell sandbox (created on first call); its capabilities and self-test report are health data. */
  sandbox(): Promise<Sandbox>;
}

/** Validates the config (a clear error naming the field) and builds the tools whose sections are present. */
export function createBuiltinTools(input: BuiltinToolsConfigInput, deps: BuiltinToolsDeps = {}): BuiltinTools {
  const parsed = BuiltinToolsConfig.safeParse(input);
  if (!parsed.success) throw new Error(`invalid built-in tools config: ${formatZodError(parsed.error)}`);
  const config = parsed.data;
  const breakers = deps.breakers ?? new CircuitBreakers(config.circuitBreaker);
  const observe = (box: Sandbox) => (deps.onSandboxRun ? observeSandbox(box, deps.onSandboxRun) : box);
  let sandbox: Promise<Sandbox> | undefined = deps.sandbox ? Promise.resolve(deps.sandbox).then(observe) : undefined;
  const getSandbox = () => (sandbox ??= createSandbox(config.shell?.sandbox ?? {}).then(observe));

  const tools: ToolDefinition[] = [];
  if (config.shell) tools.push(shellExecTool(config.shell, getSandbox, breakers));
  if (config.http) tools.push(httpRequestTool(config.http, deps.resolveHost ?? systemResolver, breakers));
  if (config.sql) tools.push(sqlQueryTool(config.sql, breakers));
  if (config.fs) tools.push(...fsTools(config.fs));
  if (config.httpTools) tools.push(...declaredHttpTools(config.httpTools, config.http, deps.resolveHost ?? systemResolver, breakers, deps.env ?? {}));
  return { tools, breakers, sandbox: getSandbox };
}

/** The built-in tools for `defaultActivityDeps(db, policy, builtinTools(config))`. */
export function builtinTools(input: BuiltinToolsConfigInput, deps: BuiltinToolsDeps = {}): ToolDefinition[] {
  return createBuiltinTools(input, deps).tools;
}

export { CircuitBreakers, CircuitOpenError, CircuitBreakerOptions, type CircuitSnapshot, type CircuitState } from './circuit-breaker.js';
export { BuiltinToolsConfig, ToolRefusedError, type BuiltinToolsConfigInput, type HttpAllowEntryInput } from './config.js';
export { refusedAddressReason } from './addresses.js';
export type { HostResolver, ResolvedAddress, HttpResponseOutput } from './http.js';
export { declaredHttpTools, HttpToolDeclaration, type HttpToolDeclarationInput, type HttpToolOutput } from './http-tools.js';
export type { SqlQueryOutput } from './sql.js';
export type { FsWriteOutput, FsDeleteOutput } from './fs.js';
