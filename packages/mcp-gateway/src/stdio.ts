import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Airlock, AirlockApiError } from '@airlock/sdk';
import type { GatewayConfig } from './config.js';
import { createGatewayServer, settleReports } from './gateway.js';
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
 * It serves until the client ends its input or sends SIGTERM/SIGINT (the MCP stdio
 * shutdown), then waits (30 s at most) for upstream runs and their reports to Airlock still under way,
 * closes the upstreams, so their processes end too, and exits.
 */
export async function runStdioGateway(config: GatewayConfig, options: { airlockUrl: string; apiKey: string | undefined }): Promise<{ close(): Promise<void> }> {
  if (!options.apiKey) throw new GatewayStartError('AIRLOCK_API_KEY is not set: the stdio gateway acts as the agent that owns this key');
  let api: Airlock;
  try {
    api = await Airlock.connect({ url: options.airlockUrl, apiKey: options.apiKey });
    await api.me();
  } catch (error) {
    if (error instanceof AirlockApiError && (error.status === 401 || error.status === 403))
      throw new GatewayStartError(`Airlock refused AIRLOCK_API_KEY (${error.status} ${error.code}: ${error.message}); it must be an agent's key`);
    // The SDK names the URL and the call: unreachable (refused, unknown host), or a server that is not Airlock's console.
    if (error instanceof AirlockApiError) throw new GatewayStartError(error.message);
    throw new GatewayStartError(`cannot use Airlock at ${options.airlockUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const upstreams = new Upstreams(config.servers);
  // Started beside the handshake, not before it: a slow upstream must not time out the client's initialize.
  void upstreams.start().catch((error: unknown) => process.stderr.write(`airlock mcp: ${error instanceof Error ? error.message : String(error)}\n`));
  const server = createGatewayServer({ upstreams, api, settings: config });
  const transport = new StdioServerTransport();
  let closing: Promise<void> | undefined;
  // One close, whoever asks first (end of input, a signal, the CLI, the server's own onclose, which
  // server.close() fires re-entrantly): every caller waits for the same one, upstreams included.
  const close = (): Promise<void> =>
    (closing ??= Promise.resolve().then(async () => {
      await server.close();
      // Upstream runs and their reports still under way finish first (bounded): an upstream that ran
      // with no report in Airlock would have its action expire as not used.
      await settleReports({ log: (line) => process.stderr.write(`airlock mcp: ${line}\n`) });
      await upstreams.close();
    }));
  const closeAndExit = () =>
    void close()
      .catch((error: unknown) => process.stderr.write(`airlock mcp: closing: ${error instanceof Error ? error.message : String(error)}\n`))
      .finally(() => process.exit(0));
  // The SDK's stdio transport does not watch for the end of stdin, and calls waiting for approval keep
  // the event loop busy: without this the gateway and its upstreams outlive the client.
  process.stdin.once('end', closeAndExit).once('close', closeAndExit);
  process.once('SIGTERM', closeAndExit).once('SIGINT', closeAndExit);
  server.onclose = closeAndExit;
  await server.connect(transport);
  return { close };
}
