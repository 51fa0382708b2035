import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { AgentApi } from './agent-api.js';
import { createGatewayServer } from './gateway.js';
import { Upstreams } from './upstreams.js';

describe('the gateway server', () => {
  it('answers an unknown tool with one "Unknown tool" error, its code prefixed once', async () => {
    // No upstreams and an Airlock nobody serves: an unknown tool reaches neither.
    const server = createGatewayServer({
      upstreams: new Upstreams({}),
      api: new AgentApi('http://127.0.0.1:9', 'alk_unused'),
      settings: { approvalWaitMs: 1_000, progressIntervalMs: 200, reportWithinMs: 60_000 },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      const error = await client.callTool({ name: 'fs.nope', arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).message).toBe('MCP error -32602: Unknown tool: fs.nope');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
