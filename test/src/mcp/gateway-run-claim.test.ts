import { connectClient, countingUpstream, textOf } from '@airlock/mcp-gateway/testing';
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

/** A gateway as a process of its own would have it: the module loaded afresh, so no run is remembered. */
async function gatewayProcess(upstream: ReturnType<typeof countingUpstream>) {
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
  return { ...(await connectClient(gateway)), module: gatewayModule };
}

describe('the MCP gateway claims the run before calling the upstream', { timeout: 120_000 }, () => {
  it('a gateway killed mid-run: another gateway process checking the action does not call the upstream again', async () => {
    const first = countingUpstream({ hang: true });
    const a = await gatewayProcess(first);
    void a.client.callTool({ name: 'demo.echo', arguments: { message: 'once only' } }).catch(() => undefined);
    await expect.poll(() => first.runs, { timeout: 60_000, interval: 50 }).toBe(1);
    const { id: actionId } = await server.h.db.prisma.action.findFirstOrThrow({ where: { tool: 'demo.echo' } });

    const second = countingUpstream();
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
