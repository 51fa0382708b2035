import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getActionStatus } from '@airlock/core/gateway';
import { ACTION_META, CHECK_TOOL, createGatewayServer, Upstreams } from '@airlock/mcp-gateway';
import { connectClient, textOf } from '@airlock/mcp-gateway/testing';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';

// The gateway against a real stdio upstream (upstream-answers-server.mjs) and a real Airlock (REST API, worker,
// Temporal, PostgreSQL): what the upstream answered after it ran decides the report. A result off the tool's
// outputSchema is still the tool's result; an answer that never came leaves the run unknown, not failed.

let server: AirlockServer;
let work: string;
let runsFile: string;
let upstreams: Upstreams;

beforeAll(async () => {
  server = await startAirlockServer();
  work = await mkdtemp(path.join(tmpdir(), 'airlock-upstream-answers-'));
  runsFile = path.join(work, 'runs.txt');
  await writeFile(runsFile, '');
  upstreams = new Upstreams(
    { demo: { command: process.execPath, args: [path.join(import.meta.dirname, 'upstream-answers-server.mjs')], env: { RUNS_FILE: runsFile } } },
    () => undefined,
  );
  await upstreams.start();
});
afterAll(async () => {
  await upstreams?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The upstream tools that ran, in order (the upstream appends each call's tool before it answers). */
const runs = async () => (await readFile(runsFile, 'utf8')).split('\n').filter(Boolean);

async function gatewaySession() {
  return connectClient(
    createGatewayServer({
      upstreams,
      api: await server.connect(),
      settings: { approvalWaitMs: 5_000, progressIntervalMs: 200, reportWithinMs: 600_000 },
      log: () => undefined,
    }),
  );
}

const reportsOf = (actionId: string) => server.h.db.prisma.auditEvent.count({ where: { actionId, type: 'tool.reported' } });

describe('the MCP gateway reports what the upstream answered after it ran', { timeout: 120_000 }, () => {
  it('a tool with an outputSchema that answers with text only: run once, reported succeeded, its content returned', async () => {
    const { client, close } = await gatewaySession();
    try {
      const result = (await client.callTool({ name: 'demo.echo', arguments: { message: 'hi' } })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe('sent, id tr_1');
      const actionId = result._meta?.[ACTION_META] as string;
      expect((await getActionStatus(server.h.client, actionId)).outcome).toEqual({
        status: 'executed',
        actionId,
        output: { content: [{ type: 'text', text: 'sent, id tr_1' }] },
      });
      expect(await runs()).toEqual(['echo']);
    } finally {
      await close();
    }
  });

  it('an upstream that answers the call with an error: reported failed, saying it answered so', async () => {
    const { client, close } = await gatewaySession();
    try {
      const result = (await client.callTool({ name: 'demo.fail', arguments: { message: 'declined' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('the upstream call failed (the upstream answered it with an error): MCP error -32603: card declined');
      const actionId = result._meta?.[ACTION_META] as string;
      expect((await getActionStatus(server.h.client, actionId)).outcome).toEqual({
        status: 'failed',
        actionId,
        error: 'upstream call failed (the upstream answered it with an error): MCP error -32603: card declined',
      });
    } finally {
      await close();
    }
  });

  it('an upstream that drops the connection mid-call: the tool may have run; no report, the claim stands, a check never runs it again', async () => {
    const { client, close } = await gatewaySession();
    try {
      const before = (await runs()).length;
      const result = (await client.callTool({ name: 'demo.sleep', arguments: { ms: 1 } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /^demo\.sleep may have run: the call to upstream MCP server "demo" got no answer that says how it ended: MCP error -32000: Connection closed\. Its result is unknown/,
      );
      const actionId = result._meta?.[ACTION_META] as string;
      // Left to Airlock, which ends a claimed run never reported as "may have run", its budget kept spent.
      expect((await getActionStatus(server.h.client, actionId)).phase).toBe('awaiting_report');
      expect(await server.h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } })).toBe(1);
      expect(await reportsOf(actionId)).toBe(0);
      const checked = (await client.callTool({ name: CHECK_TOOL, arguments: { actionId } })) as CallToolResult;
      expect(textOf(checked)).toBe(textOf(result));
      expect((await runs()).slice(before)).toEqual(['sleep']);
    } finally {
      await close();
    }
  });
});
