import { z } from 'zod';

/** The gateway's environment: parsed once at start, with every bad variable named. */
export const mcpGatewayEnv = z.object({
  AIRLOCK_MCP_CONFIG: z.string().min(1).optional().describe('the gateway config file (JSON); in `npm start` its presence starts the HTTP gateway'),
  AIRLOCK_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("Airlock's REST API (the console), overriding the config's airlock.url"),
  AIRLOCK_API_KEY: z.string().min(1).optional().describe("stdio mode: the agent's key, its identity"),
});
export type McpGatewayEnv = z.infer<typeof mcpGatewayEnv>;
