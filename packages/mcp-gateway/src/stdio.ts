import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AgentApi, AirlockRequestError } from './agent-api.js';
import type { GatewayConfig } from './config.js';
import { createGatewayServer } from './gateway.js';
import { Upstreams } from './upstreams.js';

export class GatewayStartError extends Error {
  override name = 'GatewayStartError';
}

/** The Airlock URL the gateway calls: the environment's, else the config's. */
export function airlockUrlOf(config: GatewayConfig, envUrl: string | undefined): string {
  const url = envUrl ?? config.airlock.url;
  if (!url) throw new GatewayStartError('no Airlock URL: set AIRLOCK_URL or airlock.url in the config');
  return url;
}

/**
 * `airlock mcp`: one agent (the owner of AIRLOCK_API_KEY) on stdin/stdout. The
 * key is checked before the first message, so a bad one fails at once, clearly.
 */
export async function runStdioGateway(config: GatewayConfig, options: { airlockUrl: string; apiKey: string | undefined }): Promise<{ close(): Promise<void> }> {
  if (!options.apiKey) throw new GatewayStartError('AIRLOCK_API_KEY is not set: the stdio gateway acts as the agent that owns this key');
  const api = new AgentApi(options.airlockUrl, options.apiKey);
  try {
    await api.self();
  } catch (error) {
    if (error instanceof AirlockRequestError)
      throw new GatewayStartError(`Airlock refused AIRLOCK_API_KEY (${error.status} ${error.code}: ${error.message}); it must be an agent's key`);
    throw new GatewayStartError(`cannot reach Airlock at ${options.airlockUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const upstreams = new Upstreams(config.servers);
  // Started beside the handshake, not before it: a slow upstream must not time out the client's initialize.
  void upstreams.start().catch((error: unknown) => process.stderr.write(`airlock mcp: ${error instanceof Error ? error.message : String(error)}\n`));
  const server = createGatewayServer({ upstreams, api, settings: config });
  const transport = new StdioServerTransport();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await upstreams.close();
  };
  server.onclose = () => void close();
  await server.connect(transport);
  return { close };
}
