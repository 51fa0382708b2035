import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { defaultActivityDeps } from '@airlock/activities';
import { getAgentSelf, getAuthorization, policyFromFile, postAuthorization, postDecision, postReport, postClaim, type ApiContext } from '@airlock/console';
import { getActionStatus } from '@airlock/core/gateway';
import { isProcessAlive, startProcess } from '@airlock/core/spawn';
import { createAgent, createApiKey } from '@airlock/db';
import { ACTION_META, CHECK_TOOL, parseGatewayConfig, startHttpGateway } from '@airlock/mcp-gateway';
import { PolicyStore } from '@airlock/policy/files';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { spawnChild, type Child } from '../support/child.js';
import { startHarness, seedTeam, type Harness } from '../support/harness.js';
import { freePorts } from '../support/ports.js';

// The MCP gateway end to end: the SDK's own client → `airlock mcp` (a real process, stdio or
// Streamable HTTP) → real upstream servers from npm (filesystem over stdio, everything over
// Streamable HTTP), with Airlock's REST API, worker, Temporal and PostgreSQL all real.

// Upper bounds only, for a loaded machine: nothing asserts on how long anything takes.
const SLOW_MS = 180_000;
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const cliMain = path.join(repoRoot, 'apps/cli/src/main.ts');
// `node --import tsx`, not the tsx wrapper: the gateway is then the process the test kills.
const gatewayCommand = (...args: string[]) => ({ command: process.execPath, args: ['--import', 'tsx', cliMain, 'mcp', ...args] });
const fsServer = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const everythingServer = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

const policy = `
apiVersion: airlock/v1
defaults:
  unmatched: require_approval
  approval: { role: approver, quorum: 1, deadline: 1h, timeout: deny }
  budgetApproval: { role: approver, quorum: 1, deadline: 1h, timeout: deny }
rules:
  - { id: echo, tools: [everything.echo, everything.get_sum], tier: low, outcome: allow, reason: no side effects }
  - { id: reads, tools: [fs.read_text_file, fs.list_directory, fs.list_allowed_directories], tier: low, outcome: allow, reason: reads }
  - { id: mkdir, tools: [fs.create_directory], tier: low, outcome: allow, reason: creating a directory is harmless }
  - { id: writes, tools: [fs.write_file], tier: medium, outcome: require_approval, reason: file writes are reviewed }
`;

let h: Harness;
let api: ApiServer;
let work: string;
let root: string;
/** Every JSON-RPC message the filesystem server received (tee'd on its stdin): what reached the upstream. */
let upstreamLog: string;
let everything: Child;
let keys: { agent: string; alice: string };
let configs: { long: string; short: string };
/** A port nothing serves (until the recovery test starts an upstream there). */
let downPort: number;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'airlock-mcp-'));
  root = path.join(work, 'root');
  await mkdir(root);
  upstreamLog = path.join(work, 'fs-upstream.jsonl');
  const policyFile = path.join(work, 'policy.yaml');
  await writeFile(policyFile, policy);
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, new PolicyStore(policyFile)) });
  await seedTeam(h.db);
  // Not fs.move_file: listed by the upstream, hidden from this agent, denied if called anyway.
  await createAgent(h.db, {
    id: 'coder',
    team: 'eng',
    ownerId: 'owner',
    allowedTools: ['everything.*', 'fs.read_text_file', 'fs.write_file', 'fs.create_directory', 'fs.list_directory'],
  });
  keys = { agent: (await createApiKey(h.db, { agentId: 'coder' })).key, alice: (await createApiKey(h.db, { userId: 'alice' })).key };
  const ctx: ApiContext = { db: h.db, temporal: h.client, taskQueue: h.taskQueue, policy: policyFromFile(policyFile) };
  api = await startApiServer(ctx, [
    { method: 'GET', path: '/api/v1/agents/me', handler: getAgentSelf },
    { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
    { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    { method: 'POST', path: '/api/v1/actions/:id/claim', handler: postClaim },
    { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
    { method: 'POST', path: '/api/v1/actions/:id/decisions', handler: postDecision },
  ]);

  const [everythingPort, unservedPort] = await freePorts(2);
  downPort = unservedPort!;
  everything = await spawnChild('server-everything', process.execPath, [everythingServer, 'streamableHttp'], { env: { ...getDefaultEnvironment(), PORT: String(everythingPort) } });
  await everything.waitForLine(/listening on port/, 30_000);
  const config = (approvalWaitMs: number) => ({
    airlock: { url: api.url },
    approvalWaitMs,
    progressIntervalMs: 200,
    http: { port: 0 },
    servers: {
      fs: { command: 'sh', args: ['-c', `tee -a '${upstreamLog}' | exec '${process.execPath}' '${fsServer}' '${root}'`] },
      everything: { url: `http://127.0.0.1:${everythingPort}/mcp` },
    },
  });
  configs = { long: path.join(work, 'long.json'), short: path.join(work, 'short.json') };
  await writeFile(configs.long, JSON.stringify(config(60_000)));
  await writeFile(configs.short, JSON.stringify(config(1_000)));
});

afterAll(async () => {
  await everything?.stop('SIGTERM', 5_000);
  await api?.close();
  await h?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Connected {
  client: Client;
  url: string;
  /** The gateway process (to kill it mid-call). */
  pid: number;
  close(): Promise<void>;
}

const gatewayEnv = () => ({ ...getDefaultEnvironment(), AIRLOCK_API_KEY: keys.agent });

async function connectStdio(config: string): Promise<Connected> {
  const transport = new StdioClientTransport({ ...gatewayCommand('--config', config), env: gatewayEnv(), cwd: repoRoot, stderr: 'inherit' });
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(transport, { timeout: SLOW_MS });
  return { client, url: '', pid: transport.pid!, close: () => client.close() };
}

async function connectHttp(config: string): Promise<Connected> {
  const { command, args } = gatewayCommand('--http', '--config', config);
  const gateway = await spawnChild('airlock mcp --http', command, args, { cwd: repoRoot, env: { ...getDefaultEnvironment() } });
  const [, url] = await gateway.waitForLine(/serving MCP \(Streamable HTTP\) at (\S+)/, SLOW_MS);
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { authorization: `Bearer ${keys.agent}` } } }), { timeout: SLOW_MS });
  return {
    client,
    url: url!,
    pid: gateway.pid,
    async close() {
      await client.close();
      await gateway.stop('SIGTERM', 5_000);
    },
  };
}

/** The tools/call requests the filesystem upstream received for `tool`. */
async function upstreamCalls(tool: string): Promise<{ name: string; arguments: Record<string, unknown> }[]> {
  const text = existsSync(upstreamLog) ? await readFile(upstreamLog, 'utf8') : '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { method?: string; params?: { name: string; arguments: Record<string, unknown> } })
    .filter((message) => message.method === 'tools/call' && message.params?.name === tool)
    .map((message) => message.params!);
}

const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

/** Calls a tool and hands back the action id as soon as a progress notification names it. */
function callWithProgress(client: Client, name: string, args: Record<string, unknown>) {
  let announce: (actionId: string) => void = () => undefined;
  const actionId = new Promise<string>((resolve) => (announce = resolve));
  const progress: Progress[] = [];
  const result = client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => {
      progress.push(p);
      const id = /action (\S+),/.exec(p.message ?? '')?.[1];
      if (id) announce(id);
    },
    resetTimeoutOnProgress: true,
    timeout: SLOW_MS,
  }) as Promise<CallToolResult>;
  return { actionId, result, progress };
}

async function decide(actionId: string, decision: 'approve' | 'deny', feedback?: string) {
  let status = await getActionStatus(h.client, actionId);
  while (status.phase !== 'awaiting_approval') status = await getActionStatus(h.client, actionId);
  const res = await fetch(`${api.url}/api/v1/actions/${actionId}/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision, argsHash: status.argsHash, ...(feedback ? { feedback } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe.each([
  ['stdio', connectStdio],
  ['Streamable HTTP', connectHttp],
] as const)('the MCP gateway over %s', { timeout: SLOW_MS }, (mode, connect) => {
  let gw: Connected;
  const file = (name: string) => path.join(root, `${mode === 'stdio' ? 'stdio' : 'http'}-${name}`);

  beforeAll(async () => {
    gw = await connect(configs.long);
  }, SLOW_MS);
  afterAll(async () => {
    await gw?.close();
  });

  it('lists the upstream tools the agent may use, namespaced, plus airlock.check', async () => {
    const { tools } = await gw.client.listTools(undefined, { timeout: SLOW_MS });
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything.echo', 'everything.get_sum', 'fs.write_file', 'fs.read_text_file', CHECK_TOOL]));
    expect(names).not.toContain('fs.move_file');
    const write = tools.find((t) => t.name === 'fs.write_file');
    expect(write?.inputSchema.required).toEqual(expect.arrayContaining(['path', 'content']));
  });

  it('forwards an allowed call upstream exactly once and returns its result', async () => {
    const dir = file('made-by-agent');
    const result = (await gw.client.callTool({ name: 'fs.create_directory', arguments: { path: dir } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
    expect(result.isError ?? false).toBe(false);
    expect(existsSync(dir)).toBe(true);
    expect((await upstreamCalls('create_directory')).filter((c) => c.arguments.path === dir)).toHaveLength(1);
    const echoed = (await gw.client.callTool({ name: 'everything.echo', arguments: { message: `hello ${mode}` } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
    expect(textOf(echoed)).toContain(`hello ${mode}`);
    expect(echoed._meta?.[ACTION_META]).toMatch(/\S/);
  });

  it('holds a call that needs approval open with progress, and forwards it once approved', async () => {
    const target = file('approved.txt');
    const call = callWithProgress(gw.client, 'fs.write_file', { path: target, content: 'approved content' });
    const actionId = await call.actionId;
    expect(await upstreamCalls('write_file')).not.toContainEqual(expect.objectContaining({ arguments: expect.objectContaining({ path: target }) }));
    await decide(actionId, 'approve');
    const result = await call.result;
    expect(result.isError ?? false).toBe(false);
    expect(result._meta?.[ACTION_META]).toBe(actionId);
    expect(call.progress.length).toBeGreaterThan(0);
    expect(await readFile(target, 'utf8')).toBe('approved content');
    expect((await upstreamCalls('write_file')).filter((c) => c.arguments.path === target)).toHaveLength(1);
    // Reported back: the action is executed with the upstream's result.
    expect((await getActionStatus(h.client, actionId)).outcome).toMatchObject({ status: 'executed' });
  });

  it('turns a denial into a tool error carrying the approver’s feedback; nothing reaches the upstream', async () => {
    const target = file('denied.txt');
    const call = callWithProgress(gw.client, 'fs.write_file', { path: target, content: 'nope' });
    await decide(await call.actionId, 'deny', 'write to the scratch directory instead');
    const result = await call.result;
    expect(result.isError).toBe(true);
    // No comment with the denial: its reason is "denied by alice", so the name is given once.
    expect(textOf(result)).toBe('Denied in Airlock by alice. Feedback: write to the scratch directory instead');
    expect(existsSync(target)).toBe(false);
    expect((await upstreamCalls('write_file')).filter((c) => c.arguments.path === target)).toHaveLength(0);
  });

  it('never forwards an unknown or disallowed tool, nor arguments its schema refuses', async () => {
    const source = file('keep.txt');
    await writeFile(source, 'x');
    const moved = (await gw.client.callTool({ name: 'fs.move_file', arguments: { source, destination: `${source}.moved` } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
    expect(moved.isError).toBe(true);
    expect(textOf(moved)).toMatch(/^Denied in Airlock by policy: .*not allowed/);
    await expect(gw.client.callTool({ name: 'fs.no_such_tool', arguments: {} }, undefined, { timeout: SLOW_MS })).rejects.toThrow(McpError);
    await expect(gw.client.callTool({ name: 'nowhere.tool', arguments: {} }, undefined, { timeout: SLOW_MS })).rejects.toThrow(/^MCP error -32602: Unknown tool: nowhere\.tool$/);
    const bad = (await gw.client.callTool({ name: 'fs.write_file', arguments: { path: file('bad.txt') } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/invalid arguments for fs.write_file.*content/);
    expect(await upstreamCalls('move_file')).toHaveLength(0);
    expect(existsSync(`${source}.moved`)).toBe(false);
  });
});

describe('pending past the wait, and a gateway killed mid-call', { timeout: 2 * SLOW_MS }, () => {
  it('answers "pending" with the action id past the wait; airlock.check returns the result once approved', async () => {
    const gw = await connectHttp(configs.short);
    try {
      const target = path.join(root, 'later.txt');
      const pending = (await gw.client.callTool({ name: 'fs.write_file', arguments: { path: target, content: 'later' } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(pending.isError ?? false).toBe(false);
      const actionId = pending._meta?.[ACTION_META] as string;
      expect(pending.structuredContent).toMatchObject({ status: 'pending', actionId });
      expect(textOf(pending)).toContain(CHECK_TOOL);
      const stillPending = (await gw.client.callTool({ name: CHECK_TOOL, arguments: { actionId } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(stillPending.structuredContent).toMatchObject({ status: 'pending' });
      await decide(actionId, 'approve');
      const done = (await gw.client.callTool({ name: CHECK_TOOL, arguments: { actionId } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(done.isError ?? false).toBe(false);
      expect(await readFile(target, 'utf8')).toBe('later');
      // Asking again returns the recorded result; the upstream ran once.
      const again = (await gw.client.callTool({ name: CHECK_TOOL, arguments: { actionId } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(textOf(again)).toBe(textOf(done));
      expect((await upstreamCalls('write_file')).filter((c) => c.arguments.path === target)).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('loses nothing when the stdio gateway is killed while a call waits: still decidable, result fetchable', async () => {
    const target = path.join(root, 'survivor.txt');
    const first = await connectStdio(configs.long);
    const call = callWithProgress(first.client, 'fs.write_file', { path: target, content: 'survived' });
    const actionId = await call.actionId;
    process.kill(first.pid, 'SIGKILL');
    await expect(call.result).rejects.toThrow();
    await first.close().catch(() => undefined);

    await decide(actionId, 'approve');
    const second = await connectStdio(configs.long);
    try {
      const result = (await second.client.callTool({ name: CHECK_TOOL, arguments: { actionId } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(result.isError ?? false).toBe(false);
      expect(await readFile(target, 'utf8')).toBe('survived');
      expect((await getActionStatus(h.client, actionId)).outcome).toMatchObject({ status: 'executed' });
    } finally {
      await second.close();
    }
  });

  it('refuses a missing or wrong key, and answers a check of an unknown action with a tool error', async () => {
    const gw = await connectHttp(configs.long);
    try {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer alk_not_a_key' }, { authorization: `Bearer ${keys.alice}` }]) {
        const res = await fetch(gw.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
        expect(res.status).toBe(401);
      }
      const unknown = (await gw.client.callTool({ name: CHECK_TOOL, arguments: { actionId: 'act_does_not_exist' } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(unknown.isError).toBe(true);
    } finally {
      await gw.close();
    }
    const refused = await spawnChild('airlock mcp (bad key)', process.execPath, gatewayCommand('--config', configs.long).args, {
      cwd: repoRoot,
      env: { ...getDefaultEnvironment(), AIRLOCK_API_KEY: 'alk_wrong' },
    });
    await refused.waitForLine(/airlock: Airlock refused AIRLOCK_API_KEY/, SLOW_MS);
    expect((await refused.exited).code).toBe(1);
    const empty = await spawnChild('airlock mcp (empty key)', process.execPath, gatewayCommand('--config', configs.long).args, {
      cwd: repoRoot,
      env: { ...getDefaultEnvironment(), AIRLOCK_API_KEY: '' },
    });
    await empty.waitForLine(/airlock: AIRLOCK_API_KEY is not set/, SLOW_MS);
    expect((await empty.exited).code).toBe(1);
  });
});

describe('the stdio gateway at an AIRLOCK_URL that is not Airlock', { timeout: 2 * SLOW_MS }, () => {
  const start = (label: string, url: string) =>
    spawnChild(`airlock mcp (${label})`, process.execPath, gatewayCommand('--config', configs.long).args, {
      cwd: repoRoot,
      env: { ...getDefaultEnvironment(), AIRLOCK_URL: url, AIRLOCK_API_KEY: keys.agent },
    });

  it('names the URL and the call when nothing answers there, or another server does (not a refused key)', async () => {
    const [port] = await freePorts(1);
    const down = `http://127.0.0.1:${port}`;
    const unreachable = await start('nothing there', down);
    await unreachable.waitForLine(new RegExp(`airlock: cannot reach Airlock at ${escape(down)} \\(GET /api/v1/agents/me\\): .*ECONNREFUSED`), SLOW_MS);
    expect((await unreachable.exited).code).toBe(1);

    // A web server that is not Airlock's console (a wrong port): its 404 page is not taken for a refused key.
    const other = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const elsewhere = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    try {
      const wrong = await start('not Airlock', elsewhere);
      const [line] = await wrong.waitForLine(/airlock: .*\/api\/v1\/agents\/me.*/, SLOW_MS);
      expect(line).toBe(`airlock: ${elsewhere} answered GET /api/v1/agents/me with 404 and a body that is not JSON: is ${elsewhere} Airlock's console?`);
      expect((await wrong.exited).code).toBe(1);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('the HTTP gateway when Airlock does not answer', { timeout: 2 * SLOW_MS }, () => {
  it('answers 502 (its upstream failed, not the caller) and logs Airlock’s URL and the call', async () => {
    const [port] = await freePorts(1);
    const down = `http://127.0.0.1:${port}`;
    const logged: string[] = [];
    const config = parseGatewayConfig({ servers: { fs: { command: process.execPath, args: [fsServer, root] } }, http: { port: 0 } });
    const gateway = await startHttpGateway(config, { airlockUrl: down, log: (line) => logged.push(line) });
    try {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.agent}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ error: { message: 'the gateway cannot reach Airlock to check the key; try again later' } });
      expect(logged.join('\n')).toMatch(new RegExp(`cannot check an agent's key: cannot reach Airlock at ${escape(down)} \\(GET /api/v1/agents/me\\)`));
    } finally {
      await gateway.close();
    }
  });
});

describe('the HTTP gateway whose port is taken', { timeout: 2 * SLOW_MS }, () => {
  it('exits 1 naming the problem, closing the stdio upstream it started, instead of hanging', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const pidFile = path.join(work, `taken-${randomSuffix()}.pid`);
      const config = path.join(work, `taken-${randomSuffix()}.json`);
      const fsCommand = `echo $$ > '${pidFile}'; exec '${process.execPath}' '${fsServer}' '${root}'`;
      await writeFile(config, JSON.stringify({ airlock: { url: api.url }, servers: { fs: { command: 'sh', args: ['-c', fsCommand] } }, http: { port } }));
      const { command, args } = gatewayCommand('--http', '--config', config);
      const { child, exited } = await startProcess('airlock mcp --http', command, args, { cwd: repoRoot, env: gatewayEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Before the fix it printed the error and never exited: its upstream's pipes kept it up.
      expect(await exited).toEqual({ code: 1, signal: null });
      expect(stderr).toMatch(/EADDRINUSE/);
      const upstreamPid = Number(await readFile(pidFile, 'utf8'));
      await expect.poll(() => isProcessAlive(upstreamPid), { timeout: 10_000 }).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});

describe('the stdio gateway ends with its client', { timeout: 2 * SLOW_MS }, () => {
  /** The gateway as an MCP client starts it, with stdin a pipe the test controls; its fs upstream writes its pid. */
  async function startGateway() {
    const pidFile = path.join(work, `upstream-${randomSuffix()}.pid`);
    const config = path.join(work, `lifecycle-${randomSuffix()}.json`);
    const fsCommand = `echo $$ > '${pidFile}'; exec '${process.execPath}' '${fsServer}' '${root}'`;
    await writeFile(config, JSON.stringify({ airlock: { url: api.url }, servers: { fs: { command: 'sh', args: ['-c', fsCommand] } } }));
    const { command, args } = gatewayCommand('--config', config);
    const { child: gateway, exited: gatewayExited } = await startProcess('airlock mcp', command, args, { cwd: repoRoot, env: gatewayEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = gatewayExited.then((status) => status.code);
    const answers = createInterface({ input: gateway.stdout! });
    const answer = (id: number) =>
      new Promise<void>((resolve, reject) => {
        answers.on('line', (line) => {
          if ((JSON.parse(line) as { id?: number }).id === id) resolve();
        });
        void exited.then((code) => reject(new Error(`the gateway exited (${code}) before answering request ${id}`)));
      });
    const send = (message: object) => gateway.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test-agent', version: '1.0.0' } } });
    await answer(1);
    send({ method: 'notifications/initialized' });
    // Answered once the upstream has answered: its process is running.
    send({ id: 2, method: 'tools/list' });
    await answer(2);
    const upstreamPid = Number(await readFile(pidFile, 'utf8'));
    expect(isProcessAlive(upstreamPid)).toBe(true);
    return { gateway, exited, upstreamPid };
  }

  it.each([
    ['its stdin ends', (gateway: ChildProcess) => gateway.stdin!.end()],
    ['it gets SIGTERM', (gateway: ChildProcess) => gateway.kill('SIGTERM')],
  ])('exits, closing its stdio upstream, when %s', async (_when, stop) => {
    const { gateway, exited, upstreamPid } = await startGateway();
    try {
      stop(gateway);
      // A bound to give up on, not a duration under test.
      const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
      expect(code).toBe(0);
      expect(isProcessAlive(upstreamPid)).toBe(false);
    } finally {
      gateway.kill('SIGKILL');
      if (isProcessAlive(upstreamPid)) process.kill(upstreamPid, 'SIGKILL');
    }
  });
});

describe('an upstream that does not answer', { timeout: 2 * SLOW_MS }, () => {
  it('leaves the others working, names itself in a warning and in its tools’ errors, and is listed once it comes up', async () => {
    const config = path.join(work, 'partial.json');
    await writeFile(
      config,
      JSON.stringify({
        airlock: { url: api.url },
        approvalWaitMs: 60_000,
        servers: {
          fs: { command: process.execPath, args: [fsServer, root] },
          everything: { url: `http://127.0.0.1:${downPort}/mcp` },
        },
      }),
    );
    const transport = new StdioClientTransport({ ...gatewayCommand('--config', config), env: gatewayEnv(), cwd: repoRoot, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(transport, { timeout: SLOW_MS });
    let late: Child | undefined;
    try {
      const names = (await client.listTools(undefined, { timeout: SLOW_MS })).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['fs.read_text_file', 'fs.write_file', CHECK_TOOL]));
      expect(names.filter((name) => name.startsWith('everything.'))).toEqual([]);
      expect(stderr).toMatch(/warning: upstream MCP server "everything" did not start or answer/);

      const dir = path.join(root, 'made-beside-a-down-upstream');
      const made = (await client.callTool({ name: 'fs.create_directory', arguments: { path: dir } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(made.isError ?? false).toBe(false);
      expect(existsSync(dir)).toBe(true);

      const echoed = (await client.callTool({ name: 'everything.echo', arguments: { message: 'hi' } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(echoed.isError).toBe(true);
      expect(textOf(echoed)).toMatch(/upstream MCP server "everything" did not start or answer/);

      // It comes up: a later list (once its back-off is over) has its tools, and they work.
      late = await spawnChild('server-everything (late)', process.execPath, [everythingServer, 'streamableHttp'], { env: { ...getDefaultEnvironment(), PORT: String(downPort) } });
      await late.waitForLine(/listening on port/, 30_000);
      let listed: string[] = [];
      const giveUp = Date.now() + 120_000;
      while (!listed.includes('everything.echo') && Date.now() < giveUp) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        listed = (await client.listTools(undefined, { timeout: SLOW_MS })).tools.map((t) => t.name);
      }
      expect(listed).toContain('everything.echo');
      const back = (await client.callTool({ name: 'everything.echo', arguments: { message: 'back' } }, undefined, { timeout: SLOW_MS })) as CallToolResult;
      expect(textOf(back)).toContain('back');
    } finally {
      await client.close();
      await late?.stop('SIGTERM', 5_000);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Whether a process with this pid exists (signal 0 only checks). */
