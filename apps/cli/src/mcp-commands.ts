import { airlockUrlOf, GatewayConfigError, GatewayStartError, loadGatewayConfig, runStdioGateway, startHttpGateway } from '@airlock/mcp-gateway';
import { loadMcpEnv } from './env.js';
import { CliError } from './cli-error.js';

/**
 * `airlock mcp`: the MCP gateway. stdio by default (an MCP client starts it, the
 * agent's key in AIRLOCK_API_KEY); `--http` serves Streamable HTTP until stopped.
 * Nothing but MCP messages goes to stdout: logs go to stderr.
 */
export async function mcpCommand(options: { config?: string; http?: boolean; port?: string }): Promise<void> {
  const env = loadMcpEnv();
  const file = options.config ?? env.AIRLOCK_MCP_CONFIG;
  if (!file) throw new CliError('no gateway config: pass --config <file> or set AIRLOCK_MCP_CONFIG (docs/MCP.md)');
  try {
    const config = loadGatewayConfig(file);
    const airlockUrl = airlockUrlOf(config, env.AIRLOCK_URL);
    if (!options.http) {
      const gateway = await runStdioGateway(config, { airlockUrl, apiKey: env.AIRLOCK_API_KEY });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void gateway.close().then(() => process.exit(0)));
      return;
    }
    const port = options.port === undefined ? undefined : Number(options.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new CliError(`--port: must be 0..65535, got "${options.port}"`);
    const gateway = await startHttpGateway(config, { airlockUrl, ...(port !== undefined ? { port } : {}) });
    process.stderr.write(`airlock mcp: serving MCP (Streamable HTTP) at ${gateway.url} in front of ${Object.keys(config.servers).join(', ')}; Airlock at ${airlockUrl}\n`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void gateway.close().then(() => process.exit(0)));
  } catch (error) {
    if (error instanceof GatewayConfigError || error instanceof GatewayStartError) throw new CliError(error.message);
    throw error;
  }
}
