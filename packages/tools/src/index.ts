export { defineTool, createToolRegistry, type ToolDefinition, type ToolContext, type ToolRegistry } from './define.js';
export { loadToolsModule, ToolsModuleError, type ToolsModuleKit } from './module.js';
export {
  builtinTools,
  createBuiltinTools,
  BuiltinToolsConfig,
  CircuitBreakers,
  CircuitOpenError,
  ToolRefusedError,
  refusedAddressReason,
  type BuiltinTools,
  type BuiltinToolsDeps,
  type BuiltinToolsConfigInput,
  type HttpAllowEntryInput,
  type CircuitSnapshot,
  type CircuitState,
  type HostResolver,
  type ResolvedAddress,
  type HttpResponseOutput,
  type SqlQueryOutput,
  type FsWriteOutput,
  type FsDeleteOutput,
} from './builtin/index.js';
