import { keyringEnv } from '@airlock/codec';
import { consoleEnv, dbEnv, parseEnv, temporalEnv } from '@airlock/core/env';
import { mcpGatewayEnv } from '@airlock/mcp-gateway/env';

/** Database-only commands (agents, keys, users, budgets, Slack links, grants); policy commands work offline. */
export function loadDbEnv() {
  return parseEnv(dbEnv.required({ DATABASE_URL: true }), process.env);
}

/** Commands that also talk to Temporal (kill switch, decisions): with the workers' payload keys, or neither side reads the other. */
export function loadOpsEnv() {
  return parseEnv(dbEnv.required({ DATABASE_URL: true }).extend(temporalEnv.shape).extend(keyringEnv.shape).required({ TEMPORAL_ADDRESS: true }), process.env);
}

/** Account commands touch only the database; the public URL, when set, is printed as where to sign in. */
export function loadAccountsEnv() {
  return parseEnv(dbEnv.required({ DATABASE_URL: true }).extend({ AIRLOCK_PUBLIC_URL: consoleEnv.shape.AIRLOCK_PUBLIC_URL }), process.env);
}

/** The MCP gateway and coding-agent hooks: where Airlock is and the agent's key (they never touch the database). */
export function loadMcpEnv() {
  return parseEnv(mcpGatewayEnv, process.env);
}
