import { getActionStatus } from '@airlock/core/gateway';
import { ACTION_META, CHECK_TOOL, createGatewayServer, type Upstreams } from '@airlock/mcp-gateway';
import { connectClient, countingUpstream, textOf } from '@airlock/mcp-gateway/testing';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';

// The gateway against a real Airlock (REST API, worker, Temporal, PostgreSQL) whose reports a stand-in
// refuses or drops: the upstream tool runs once per authorized action, whatever happens to the report.

let server: AirlockServer;
beforeAll(async () => {
  server = await startAirlockServer();
});
afterAll(async () => {
  await server?.close();
});

async function gatewaySession(report: (attempt: number) => Response | undefined, upstream: ReturnType<typeof countingUpstream>) {
  return connectClient(
    createGatewayServer({
      upstreams: upstream as unknown as Upstreams,
      api: await server.connect({ report }),
      settings: { approvalWaitMs: 5_000, progressIntervalMs: 200, reportWithinMs: 600_000 },
      log: () => undefined,
    }),
  );
}

describe('the MCP gateway runs the upstream once per authorized action', { timeout: 120_000 }, () => {
  it('every report refused: the action stays authorized in Airlock, and airlock.check answers from the run, never running it again', async () => {
    const upstream = countingUpstream();
    const { client, close } = await gatewaySession(() => apiError(400, 'invalid_request', 'invalid request: output: not storable'), upstream);
    try {
      const first = (await client.callTool({ name: 'demo.echo', arguments: { message: 'refused' } })) as CallToolResult;
      const actionId = first._meta?.[ACTION_META] as string;
      expect((await getActionStatus(server.h.client, actionId)).phase).toBe('awaiting_report');
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId } })) as CallToolResult;
      expect(textOf(checked)).toBe('echo, run 1');
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });

  it('the report refused, the failed report saying so accepted: Airlock records that it ran, and a check answers that', async () => {
    const upstream = countingUpstream();
    const { client, close } = await gatewaySession((attempt) => (attempt === 1 ? apiError(400, 'invalid_request', 'invalid request: output: not storable') : undefined), upstream);
    try {
      const first = (await client.callTool({ name: 'demo.echo', arguments: { message: 'refused once' } })) as CallToolResult;
      expect(textOf(first)).toBe('echo, run 1');
      const actionId = first._meta?.[ACTION_META] as string;
      expect((await getActionStatus(server.h.client, actionId)).outcome).toEqual({
        status: 'failed',
        actionId,
        error: 'the upstream tool ran, but Airlock refused the report of its result: invalid request: output: not storable',
      });
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId } })) as CallToolResult;
      expect(checked.isError).toBe(true);
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });

  it('a report lost on a blip is retried and lands', async () => {
    const upstream = countingUpstream();
    const { client, close } = await gatewaySession((attempt) => (attempt <= 2 ? apiError(503, 'unavailable', 'Airlock is restarting') : undefined), upstream);
    try {
      const first = (await client.callTool({ name: 'demo.echo', arguments: { message: 'blip' } })) as CallToolResult;
      const actionId = first._meta?.[ACTION_META] as string;
      expect((await getActionStatus(server.h.client, actionId)).outcome).toMatchObject({ status: 'executed', output: { content: [{ type: 'text', text: 'echo, run 1' }] } });
      expect(upstream.runs).toBe(1);
    } finally {
      await close();
    }
  });
});
