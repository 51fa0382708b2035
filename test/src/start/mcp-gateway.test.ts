import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAgent, createApiKey, createDb, type Db } from '@airlock/db';
import { embeddedClusterDir } from '@airlock/db/embedded';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureConsoleBuilt } from '../console/console-app.js';
import { repoRoot } from '../support/binaries.js';
import { spawnChild, type Child } from '../support/child.js';
import { freePorts } from '../support/ports.js';
import { launch, processesUsing, type Launch } from './launcher.js';

// `npm start` with AIRLOCK_MCP_CONFIG: the long-running MCP gateway (Streamable HTTP)
// starts beside the console, is printed in the summary, fronts a real upstream MCP
// server, guards every call through the console's REST API, and stops with Ctrl-C.

const EMBEDDED_PASSWORD = 'airlock';
const everythingServer = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

const policy = `
apiVersion: airlock/v1
defaults:
  unmatched: require_approval
  approval: { role: approver, quorum: 1, deadline: 1h, timeout: deny }
  budgetApproval: { role: approver, quorum: 1, deadline: 1h, timeout: deny }
rules:
  - { id: echo, tools: [everything.echo], tier: low, outcome: allow, reason: no side effects }
  - { id: sums, tools: [everything.get_sum], tier: low, outcome: deny, reason: sums are not for this agent }
`;

let work: string | undefined;
let upstream: Child | undefined;
const launches: Launch[] = [];

afterAll(async () => {
  for (const l of launches) {
    if (l.child.exitCode === null && l.child.signalCode === null) {
      try {
        process.kill(-l.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  await upstream?.stop('SIGTERM', 5_000);
  if (!work) return;
  const dataDir = path.join(work, 'data');
  for (const leftover of await processesUsing(dataDir)) process.kill(leftover.pid, 'SIGKILL');
  await rm(await embeddedClusterDir(dataDir), { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(url, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('npm start with AIRLOCK_MCP_CONFIG', () => {
  it('serves the MCP gateway over Streamable HTTP beside the console, guarding each call, and stops it on Ctrl-C', async () => {
    // npm start builds a stale console itself, without the test runs' build lock: built here first,
    // under the lock, it never builds beside a browser test's build (Next refuses a second one).
    await ensureConsoleBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'airlock-start-mcp-'));
    const dataDir = path.join(work, 'data');
    const [temporal, temporalUi, postgres, consolePort, everythingPort] = (await freePorts(5)) as [number, number, number, number, number];

    upstream = await spawnChild('server-everything', process.execPath, [everythingServer, 'streamableHttp'], { env: { ...getDefaultEnvironment(), PORT: String(everythingPort) } });
    await upstream.waitForLine(/listening on port/, 60_000);

    const policyFile = path.join(work, 'policy.yaml');
    const gatewayConfig = path.join(work, 'mcp.json');
    await writeFile(policyFile, policy);
    // No airlock.url: the gateway calls the console that npm start runs.
    await writeFile(gatewayConfig, JSON.stringify({ approvalWaitMs: 2_000, http: { port: 0 }, servers: { everything: { url: `http://127.0.0.1:${everythingPort}/mcp` } } }));

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AIRLOCK_DATA_DIR: dataDir,
      AIRLOCK_TEMPORAL_PORT: String(temporal),
      AIRLOCK_TEMPORAL_UI_PORT: String(temporalUi),
      AIRLOCK_EMBEDDED_PG_PORT: String(postgres),
      AIRLOCK_CONSOLE_PORT: String(consolePort),
      AIRLOCK_POLICY_FILE: policyFile,
      AIRLOCK_MCP_CONFIG: gatewayConfig,
      LOG_LEVEL: 'info',
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    delete env.NODE_OPTIONS;
    delete env.AIRLOCK_CONSOLE;
    delete env.AIRLOCK_URL;
    const run = await launch(env);
    launches.push(run);
    onTestFailed(() => console.error(`launcher output:\n${run.output().split('\n').slice(-150).join('\n')}`));

    await run.waitForLine(/Airlock is ready/, 600_000);
    const gatewayUrl = (await run.waitForLine(/MCP gateway\s+(http:\/\/\S+)\s+\(everything\)/))[1]!;
    expect(run.output()).toMatch(new RegExp(`console\\s+http://localhost:${consolePort}`));

    const databaseUrl = `postgresql://airlock:${EMBEDDED_PASSWORD}@localhost:${postgres}/airlock`;
    const key = await withDb(databaseUrl, async (db) => {
      await createAgent(db, { id: 'mcp-coder', team: 'eng', ownerId: 'admin', allowedTools: ['everything.echo', 'everything.get_sum'] });
      return (await createApiKey(db, { agentId: 'mcp-coder' })).key;
    });

    const client = new Client({ name: 'start-test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      // Only what this agent may use, namespaced, plus the gateway's own check tool.
      expect(names).toEqual(expect.arrayContaining(['everything.echo', 'everything.get_sum', 'airlock.check']));
      expect(names.filter((n) => n.startsWith('everything.')).sort()).toEqual(['everything.echo', 'everything.get_sum']);

      const echoed = (await client.callTool({ name: 'everything.echo', arguments: { message: 'through npm start' } })) as CallToolResult;
      expect(echoed.isError).toBeFalsy();
      expect(text(echoed)).toContain('through npm start');

      const denied = (await client.callTool({ name: 'everything.get_sum', arguments: { a: 1, b: 2 } })) as CallToolResult;
      expect(denied.isError).toBe(true);
      expect(text(denied)).toMatch(/sums are not for this agent/);
    } finally {
      await client.close();
    }

    await withDb(databaseUrl, async (db) => {
      const actions = await db.prisma.action.findMany({ where: { agentId: 'mcp-coder' }, orderBy: { createdAt: 'asc' } });
      expect(actions.map((a) => [a.tool, a.status])).toEqual([
        ['everything.echo', 'executed'],
        ['everything.get_sum', 'denied'],
      ]);
      const audited = await db.prisma.auditEvent.findMany({ where: { actionId: actions[0]!.id }, select: { type: true } });
      expect(audited.map((e) => e.type)).toEqual(expect.arrayContaining(['action.requested', 'action.completed']));
    });

    // A stop (`kill -INT <launcher>`): the gateway stops with everything else. (Ctrl-C to the
    // whole process group is restart.test.ts's.)
    const launcherPid = Number((await readFile(path.join(dataDir, 'airlock.pid'), 'utf8')).trim());
    process.kill(launcherPid, 'SIGINT');
    expect(await run.closed).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/stopped MCP gateway/);
    expect(run.output()).toMatch(/Airlock stopped/);
    expect(await processesUsing(dataDir)).toEqual([]);
    await expect(fetch(gatewayUrl, { method: 'POST' })).rejects.toThrow();
  }, 900_000);
});
