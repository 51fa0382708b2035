import { createServer } from 'node:net';
import { Airlock } from '@airlock/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { CHECK_TOOL, createGatewayServer } from './gateway.js';
import { Upstreams } from './upstreams.js';

/** A gateway session on `api` with no upstreams, and a connected MCP client; `close` ends both. */
async function session(api: Airlock): Promise<{ client: Client; close: () => Promise<void> }> {
  const server = createGatewayServer({ upstreams: new Upstreams({}), api, settings: { approvalWaitMs: 1_000, progressIntervalMs: 200, reportWithinMs: 60_000 } });
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

/** A local port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An Airlock (the SDK's client) whose every call gets `status` and `body`. */
function answering(status: number, body: unknown): Promise<Airlock> {
  const fetch = () => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  return Airlock.connect({ url: 'http://airlock.test', apiKey: 'alk_test', fetch });
}

const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

describe('the gateway server', () => {
  it('answers an unknown tool with one "Unknown tool" error, its code prefixed once', async () => {
    // No upstreams and an Airlock nobody serves: an unknown tool reaches neither.
    const { client, close } = await session(await Airlock.connect({ url: 'http://127.0.0.1:9', apiKey: 'alk_unused' }));
    try {
      const error = await client.callTool({ name: 'fs.nope', arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).message).toBe('MCP error -32602: Unknown tool: fs.nope');
    } finally {
      await close();
    }
  });
});

describe('the gateway talks to Airlock through the SDK’s client', () => {
  it('names the Airlock it cannot reach, and the call, in its answer (not just "fetch failed")', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { client, close } = await session(await Airlock.connect({ url, apiKey: 'alk_test' }));
    try {
      await expect(client.listTools()).rejects.toThrow(`cannot reach Airlock at ${url} (GET /api/v1/agents/me): `);
      // Asked again until the wait is over (unreachable is transient), then said the same way.
      await expect(client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'act_1' } })).rejects.toThrow(
        `cannot reach Airlock at ${url} (GET /api/v1/actions/act_1/authorization?waitMs=`,
      );
    } finally {
      await close();
    }
  });

  it('answers a check of an action id Airlock refuses (400 invalid_request, 404) as no such action', async () => {
    for (const [status, code] of [
      [400, 'invalid_request'],
      [404, 'not_found'],
    ] as const) {
      const { client, close } = await session(await answering(status, { error: { code, message: 'invalid request: id: not an action id' } }));
      try {
        const result = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'nope' } })) as CallToolResult;
        expect(result.isError).toBe(true);
        expect(textOf(result)).toBe('no action nope of this agent');
      } finally {
        await close();
      }
    }
  });

  it('answers a check of an action that has no authorization (409) with Airlock’s reason', async () => {
    const { client, close } = await session(await answering(409, { error: { code: 'decision_rejected', message: 'this action runs in the worker; it has no authorization' } }));
    try {
      const result = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'act_1' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('action act_1: this action runs in the worker; it has no authorization');
    } finally {
      await close();
    }
  });
});
