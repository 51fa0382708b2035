import { z } from 'zod';

/** An empty (or blank) variable is an unset one: `AIRLOCK_API_KEY=` gets "not set", not a length error. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

/** The gateway's environment: parsed once at start, with every bad variable named. */
export const mcpGatewayEnv = z.object({
  AIRLOCK_MCP_CONFIG: unsetIfEmpty(z.string()).describe('the gateway config file (JSON); in `npm start` its presence starts the HTTP gateway'),
  AIRLOCK_URL: unsetIfEmpty(z.url({ protocol: /^https?$/ })).describe("Airlock's REST API (the console), overriding the config's airlock.url"),
  AIRLOCK_API_KEY: unsetIfEmpty(z.string()).describe("stdio mode: the agent's key, its identity"),
});
export type McpGatewayEnv = z.infer<typeof mcpGatewayEnv>;
