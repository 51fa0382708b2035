import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';

// At most once across gateway processes: the gateway claims the authorized run in Airlock before it calls the
// upstream. A gateway killed mid-run leaves the action authorized and unreported; another gateway process (its
// memory of runs empty) asked to check that action does not call the upstream a second time.

let server: AirlockServer;
beforeAll(async () => {
  server = await startAirlockServer();
});
afterAll(async () => {
  await server?.close();
});

/** One upstream tool, `demo.echo` (the default policy allows it); `hang` makes its call never return. */
function upstreamOf(hang: boolean) {
  const tool = { name: 'demo.echo', server: 'demo', upstreamName: 'echo', descriptor: { name: 'echo', inputSchema: { type: 'object' as const } } };
  const upstream = {
    runs: 0,
    list: () => Promise.resolve([tool]),
    find: (name: string) => Promise.resolve(name === tool.name ? tool : undefined),
    call: (): Promise<CallToolResult> => {
      upstream.runs += 1;
      return hang ? new Promise(() => undefined) : Promise.resolve({ content: [{ type: 'text', text: `echo, run ${upstream.runs}` }] });
    },
  };
  return upstream;
}

/** A gateway as a process of its own would have it: the module loaded afresh, so no run is remembered. */
async function gatewayProcess(upstream: ReturnType<typeof upstreamOf>) {
  vi.resetModules();
  const gatewayModule = await import('@airlock/mcp-gateway');
  // The process's own SDK client: the fresh modules' error classes (instanceof) are not the test's.
  const { Airlock } = await import('@airlock/sdk');
  const gateway = gatewayModule.createGatewayServer({
    upstreams: upstream as unknown as Parameters<typeof gatewayModule.createGatewayServer>[0]['upstreams'],
    api: await Airlock.connect({ url: server.api.url, apiKey: server.keys.agent, pollWaitMs: 5_000 }),
    settings: { approvalWaitMs: 5_000, progressIntervalMs: 200, reportWithinMs: 600_000 },
    log: () => undefined,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await gateway.connect(serverSide);
  await client.connect(clientSide);
  return { client, module: gatewayModule, close: () => client.close().then(() => gateway.close()) };
}

const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

describe('the MCP gateway claims the run before calling the upstream', { timeout: 120_000 }, () => {
  it('a gateway killed mid-run: another gateway process checking the action does not call the upstream again', async () => {
    const first = upstreamOf(true);
    const a = await gatewayProcess(first);
    void a.client.callTool({ name: 'demo.echo', arguments: { message: 'once only' } }).catch(() => undefined);
    await expect.poll(() => first.runs, { timeout: 60_000, interval: 50 }).toBe(1);
    const { id: actionId } = await server.h.db.prisma.action.findFirstOrThrow({ where: { tool: 'demo.echo' } });

    const second = upstreamOf(false);
    const b = await gatewayProcess(second);
    try {
      const checked = (await b.client.callTool({ name: b.module.CHECK_TOOL, arguments: { actionId } })) as CallToolResult;
      expect(checked.isError).toBe(true);
      expect(textOf(checked)).toMatch(
        /^demo\.echo was not run here: this call was already started by another run \(the run was already claimed by another runner at .*\), and its result is not known here/,
      );
      expect(second.runs).toBe(0);
      expect(first.runs).toBe(1);
      expect(await server.h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } })).toBe(1);
      expect(await server.h.db.prisma.auditEvent.count({ where: { actionId, type: 'tool.reported' } })).toBe(0);
    } finally {
      await b.close();
      await a.close().catch(() => undefined);
    }
  });
});
