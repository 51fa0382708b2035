import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

// Stand-ins for tests of the gateway, its unit tests and the integration tier's alike.

/**
 * Upstreams (pass it as `Upstreams`) holding one tool, `demo.echo` (the default policy allows it), that count its
 * runs in `runs`: each call answers `echo, run <runs>`, or never returns with `hang` (a gateway killed mid-run).
 */
export function countingUpstream(options: { hang?: boolean } = {}) {
  const tool = { name: 'demo.echo', server: 'demo', upstreamName: 'echo', descriptor: { name: 'echo', inputSchema: { type: 'object' as const } } };
  const upstream = {
    runs: 0,
    list: () => Promise.resolve([tool]),
    find: (name: string) => Promise.resolve(name === tool.name ? tool : undefined),
    call: (): Promise<CallToolResult> => {
      upstream.runs += 1;
      return options.hang ? new Promise(() => undefined) : Promise.resolve({ content: [{ type: 'text', text: `echo, run ${upstream.runs}` }] });
    },
  };
  return upstream;
}

/** An MCP client linked in memory to a gateway session (`createGatewayServer`'s server); `close` ends both. */
export async function connectClient(server: Pick<Server, 'connect' | 'close'>): Promise<{ client: Client; close: () => Promise<void> }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** A tool result's text parts, one a line. */
export const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
