// The MCP gateway: upstream MCP servers' tools behind Airlock's gate (docs/MCP.md).
export { loadGatewayConfig, parseGatewayConfig, GatewayConfig, GatewayConfigError, type UpstreamServer } from './config.js';
export { mcpGatewayEnv, type McpGatewayEnv } from './env.js';
export { createGatewayServer, CHECK_TOOL, ACTION_META, RATIONALE_META, type GatewaySettings, type GatewaySessionOptions } from './gateway.js';
export { Upstreams, UpstreamNotCalledError, UpstreamOutcomeUnknownError, UpstreamUnavailableError, gatewayToolName, type GatewayTool } from './upstreams.js';
export { runStdioGateway, airlockUrlOf, GatewayStartError } from './stdio.js';
export { startHttpGateway, type HttpGateway } from './http.js';
export { runClaudeCodeHook, airlockToolFor, airlockArgsFor, type ClaudeCodeHookOptions, type ClaudeCodeHookOutput, type ClaudeCodeHookInput } from './coding-agents/claude-code.js';
