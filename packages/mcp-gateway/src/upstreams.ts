import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
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

/** An upstream that did not start or answer: left out of the list until its back-off is over, then tried again. */
export class UpstreamUnavailableError extends Error {
  override name = 'UpstreamUnavailableError';
}

/** The call never reached the upstream (it did not start or answer, or went away first): the tool did not run. */
export class UpstreamNotCalledError extends Error {
  override name = 'UpstreamNotCalledError';
}

/**
 * The call went out, but no answer says how it ended (it timed out, the connection dropped, or what came back is not
 * a tool result): the tool may have run.
 */
export class UpstreamOutcomeUnknownError extends Error {
  override name = 'UpstreamOutcomeUnknownError';
}

// Back-off between attempts at an upstream that failed: quick at first (it may just be starting), then at most a minute.
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

class Upstream {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The last failure, while the upstream is down: why, and when to try again. */
  private failure: { message: string; retryAt: number; backoffMs: number } | undefined;

  constructor(
    readonly name: string,
    private readonly spec: UpstreamServer,
    private readonly log: (line: string) => void,
  ) {}

  /** Why the upstream is left out right now, or undefined when it is up or due for another attempt. */
  unavailable(now = Date.now()): string | undefined {
    return this.failure && now < this.failure.retryAt ? this.failure.message : undefined;
  }

  /** Connects on first use and again after the upstream went away (a crashed stdio server is restarted). */
  connected(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`upstream MCP server "${this.name}": the gateway is shutting down`));
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
    if (this.closed) {
      // Closed while it was starting: its process must not outlive the gateway.
      await client.close().catch(() => undefined);
      throw new Error(`upstream MCP server "${this.name}": the gateway is shutting down`);
    }
    this.client = client;
    return client;
  }

  /** Its tools; a failure is remembered (with a back-off before the next attempt) and rethrown. */
  async tools(): Promise<Tool[]> {
    try {
      const client = await this.connected();
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      if (this.failure) this.log(`upstream "${this.name}" answers again: its tools are listed`);
      this.failure = undefined;
      return tools;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const backoffMs = this.failure ? Math.min(this.failure.backoffMs * 2, MAX_RETRY_MS) : FIRST_RETRY_MS;
      if (!this.closed && this.failure?.message !== message)
        this.log(`warning: ${message}; its tools are left out of the list, and it is tried again on a later list (first in ${backoffMs / 1000} s)`);
      this.failure = { message, retryAt: Date.now() + backoffMs, backoffMs };
      throw error;
    }
  }

  /**
   * Calls the tool. Throws UpstreamNotCalledError when the call never went out, UpstreamOutcomeUnknownError when it
   * went out and no answer says how it ended, and the upstream's McpError when it answered the call with an error.
   */
  async call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    let client: Client;
    try {
      client = await this.connected();
    } catch (error) {
      throw new UpstreamNotCalledError(messageOf(error), { cause: error });
    }
    // Closed since (it went away), or the caller gave up already: the request would not go out.
    if (!client.transport) throw new UpstreamNotCalledError(`upstream MCP server "${this.name}" went away before the call`);
    if (signal?.aborted) throw new UpstreamNotCalledError(`the call to upstream MCP server "${this.name}" was abandoned before it was sent`);
    try {
      // client.request, not client.callTool: callTool also checks the result against the tool's outputSchema and
      // throws when it does not match, after the tool ran. The gateway shows its clients no outputSchema, so that
      // check would protect nobody and only turn a run into a failure.
      // Long-running upstream tools are fine: progress from upstream resets the timeout.
      return await client.request({ method: 'tools/call', params: { name: tool, arguments: args } }, CallToolResultSchema, {
        ...(signal ? { signal } : {}),
        resetTimeoutOnProgress: true,
        timeout: 10 * 60_000,
      });
    } catch (error) {
      if (answeredWithError(error)) throw error;
      if (connectionRefused(error)) throw new UpstreamNotCalledError(`upstream MCP server "${this.name}" refused the connection: ${messageOf(error)}`, { cause: error });
      throw new UpstreamOutcomeUnknownError(`the call to upstream MCP server "${this.name}" got no answer that says how it ended: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Closes the connection, one still starting included, so a stdio upstream's process ends with the gateway. */
  close(): Promise<void> {
    // A second caller waits for the same close, not for nothing.
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
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

  /** Connects to every upstream now, so a broken one is named at start, not at the first call. */
  async start(): Promise<void> {
    await this.list();
  }

  /**
   * The union of the tools of the upstreams that answer, namespaced; refreshed on each call so an
   * upstream's changes show. One that fails is left out (with a warning) and tried again once its
   * back-off is over, so it neither takes the others down nor slows every list.
   */
  async list(): Promise<GatewayTool[]> {
    const now = Date.now();
    const answers = await Promise.all(
      [...this.servers].map(async ([server, upstream]) => ({ server, tools: upstream.unavailable(now) === undefined ? await upstream.tools().catch(() => []) : [] })),
    );
    const catalog = new Map<string, GatewayTool>();
    for (const { server, tools } of answers) {
      for (const descriptor of tools) {
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

  /**
   * A tool by its gateway name, refreshing the catalog once if it is not known yet. Throws
   * UpstreamUnavailableError when the upstream its name points to is down.
   */
  async find(name: string): Promise<GatewayTool | undefined> {
    const upstream = this.servers.get(name.split('.')[0] ?? '');
    if (!this.catalog.has(name) && upstream) {
      if (upstream.unavailable() === undefined) await this.list();
      const down = upstream.unavailable();
      if (down !== undefined && !this.catalog.has(name)) throw new UpstreamUnavailableError(`${down}; its tools are unavailable for now, try again later`);
    }
    return this.catalog.get(name);
  }

  call(tool: GatewayTool, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const upstream = this.servers.get(tool.server);
    if (!upstream) throw new UpstreamNotCalledError(`no upstream named "${tool.server}"`);
    return upstream.call(tool.upstreamName, args, signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((upstream) => upstream.close()));
  }
}

/** The codes of the McpErrors the SDK's client raises itself: a timeout (its own, or an abort) and a dropped connection. */
const CLIENT_SIDE_CODES = new Set<number>([ErrorCode.RequestTimeout, ErrorCode.ConnectionClosed]);

/** The upstream answered the call with a JSON-RPC error (an McpError the client did not raise itself). */
function answeredWithError(error: unknown): boolean {
  return error instanceof McpError && !CLIENT_SIDE_CODES.has(error.code);
}

/** A Streamable HTTP upstream that refused the connection (fetch's cause ECONNREFUSED): the request never reached it. */
function connectionRefused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
