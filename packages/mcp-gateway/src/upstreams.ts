import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServer } from './config.js';

/** One upstream tool as the gateway shows it: `server.tool`, the name policies and allowed-tool globs use. */
export interface GatewayTool {
  name: string;
  server: string;
  upstreamName: string;
  descriptor: Tool;
}

/**
 * Airlock tool names are dotted lower-case (`fs.read_text_file`); MCP names may
 * carry capitals and dashes (`get-sum`), so those become lower case and `_`.
 */
export function gatewayToolName(server: string, upstreamName: string): string | undefined {
  const local = upstreamName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z][a-z0-9_]*$/.test(local) ? `${server}.${local}` : undefined;
}

const CLIENT_INFO = { name: 'airlock-mcp-gateway', version: '1.0.0' };

class Upstream {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;

  constructor(
    readonly name: string,
    private readonly spec: UpstreamServer,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects on first use and again after the upstream went away (a crashed stdio server is restarted). */
  connected(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const client = new Client(CLIENT_INFO);
    const transport: Transport =
      'command' in this.spec
        ? new StdioClientTransport({
            command: this.spec.command,
            args: this.spec.args,
            env: { ...getDefaultEnvironment(), ...this.spec.env },
            ...(this.spec.cwd ? { cwd: this.spec.cwd } : {}),
            stderr: 'inherit',
          })
        : new StreamableHTTPClientTransport(new URL(this.spec.url), { requestInit: { headers: this.spec.headers } });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    try {
      await client.connect(transport);
    } catch (error) {
      throw new Error(`upstream MCP server "${this.name}" did not start or answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.client = client;
    return client;
  }

  async tools(): Promise<Tool[]> {
    const client = await this.connected();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  async call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const client = await this.connected();
    // Long-running upstream tools are fine: progress from upstream resets the timeout.
    const result = await client.callTool({ name: tool, arguments: args }, undefined, { ...(signal ? { signal } : {}), resetTimeoutOnProgress: true, timeout: 10 * 60_000 });
    return result as CallToolResult;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close().catch((error: unknown) => this.log(`closing upstream "${this.name}": ${String(error)}`));
  }
}

/** The upstream MCP servers of one gateway, shared by every agent session it serves. */
export class Upstreams {
  private readonly servers: Map<string, Upstream>;
  private catalog = new Map<string, GatewayTool>();

  constructor(
    specs: Record<string, UpstreamServer>,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.servers = new Map(Object.entries(specs).map(([name, spec]) => [name, new Upstream(name, spec, log)]));
  }

  /** Connects to every upstream now, so a broken config fails at start, not at the first call. */
  async start(): Promise<void> {
    await this.list();
  }

  /** The union of the upstream tools, namespaced; refreshed on each call so an upstream's changes show. */
  async list(): Promise<GatewayTool[]> {
    const catalog = new Map<string, GatewayTool>();
    for (const [server, upstream] of this.servers) {
      for (const descriptor of await upstream.tools()) {
        const name = gatewayToolName(server, descriptor.name);
        if (!name) {
          this.log(`upstream "${server}": tool "${descriptor.name}" is left out (its name cannot become an Airlock tool name)`);
          continue;
        }
        if (catalog.has(name)) {
          this.log(`upstream "${server}": tool "${descriptor.name}" is left out (it clashes with "${catalog.get(name)?.upstreamName}" as ${name})`);
          continue;
        }
        catalog.set(name, { name, server, upstreamName: descriptor.name, descriptor });
      }
    }
    this.catalog = catalog;
    return [...catalog.values()];
  }

  /** A tool by its gateway name, refreshing the catalog once if it is not known yet. */
  async find(name: string): Promise<GatewayTool | undefined> {
    if (!this.catalog.has(name) && this.servers.has(name.split('.')[0] ?? '')) await this.list();
    return this.catalog.get(name);
  }

  call(tool: GatewayTool, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const upstream = this.servers.get(tool.server);
    if (!upstream) throw new Error(`no upstream named "${tool.server}"`);
    return upstream.call(tool.upstreamName, args, signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((upstream) => upstream.close()));
  }
}
