import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Airlock, AirlockApiError } from '@airlock/sdk';
import type { GatewayConfig } from './config.js';
import { createGatewayServer, settleReports } from './gateway.js';
import { Upstreams } from './upstreams.js';

export interface HttpGateway {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3333/mcp`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The long-running gateway over Streamable HTTP. Stateless: every POST carries
 * the agent's key (`Authorization: Bearer alk_…`) and gets its own server, so
 * any number of agents share it and a restart loses nothing but open streams
 * (their actions live on in Airlock).
 */
export async function startHttpGateway(config: GatewayConfig, options: { airlockUrl: string; log?: (line: string) => void; port?: number; host?: string }): Promise<HttpGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const upstreams = new Upstreams(config.servers, log);
  await upstreams.start();
  const endpoint = config.http.path;

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      log(`MCP gateway: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) reply(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path === '/healthz') return reply(res, 200, { ok: true });
    if (path !== endpoint) return reply(res, 404, { error: `no such endpoint; the MCP endpoint is ${endpoint}` });
    // Stateless: no server-initiated stream and no session to end.
    if (req.method !== 'POST')
      return reply(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: POST only (stateless gateway)' }, id: null }, { allow: 'POST' });

    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!key) return unauthorized(res, 'send the agent’s Airlock key as Authorization: Bearer alk_…');
    const api = await Airlock.connect({ url: options.airlockUrl, apiKey: key });
    try {
      await api.me();
    } catch (error) {
      if (error instanceof AirlockApiError && (error.status === 401 || error.status === 403)) return unauthorized(res, `Airlock refused the key: ${error.message}`);
      // The key could not be checked (Airlock down or answering as something else): the gateway's upstream failed, not the
      // caller. The log names Airlock's URL and the call; the caller, not yet known to be an agent, is not told where it is.
      if (error instanceof AirlockApiError && (error.status === 0 || error.status >= 500 || error.code === 'bad_response')) {
        log(`MCP gateway: cannot check an agent's key: ${error.message}`);
        return reply(res, 502, { jsonrpc: '2.0', error: { code: -32603, message: 'the gateway cannot reach Airlock to check the key; try again later' }, id: null });
      }
      throw error;
    }

    const gateway = createGatewayServer({ upstreams, api, settings: config, log });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void gateway.close();
    });
    await gateway.connect(transport);
    await transport.handleRequest(req, res);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.http.port, options.host ?? config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The port is taken, say: the upstreams already started (child processes, their pipes) would keep the process up.
    await upstreams.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${endpoint}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      // Upstream runs and their reports still under way finish first (bounded, 30 s at most).
      await settleReports({ log });
      await upstreams.close();
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function unauthorized(res: ServerResponse, message: string): void {
  reply(res, 401, { jsonrpc: '2.0', error: { code: -32001, message }, id: null }, { 'www-authenticate': 'Bearer realm="airlock"' });
}
