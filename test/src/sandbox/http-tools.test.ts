import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { defaultActivityDeps, type ToolDefinition } from '@airlock/activities';
import { builtinTools, CircuitBreakers, createBuiltinTools, type BuiltinToolsConfigInput, type HostResolver } from '@airlock/tools';
import { formatZodError, PLAN_TOOL } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { callTool, findTool, marker, toolContext } from './support.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

// The service the declared tools call: a loopback server, reached as crm.test (pinned to 127.0.0.1).
let server: Server;
let port: number;
let seen: Seen[] = [];
let nextTicket = 1;
const resolver: HostResolver = async (host) => (host === 'crm.test' ? [{ address: '127.0.0.1', family: 4 }] : Promise.reject(new Error(`unknown host ${host}`)));
const env = { CRM_TOKEN: 'tok-secret-123' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method === 'POST' && req.url?.startsWith('/customers/')) {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `T-${nextTicket++}`, status: 'open' }));
      } else if (req.method === 'DELETE' && req.url?.startsWith('/tickets/')) res.writeHead(204).end();
      else if (req.url === '/broken') res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      else res.writeHead(404).end();
    });
  });
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const ticketTool = () => ({
  name: 'crm.create_ticket',
  description: 'Opens a support ticket for a customer.',
  method: 'POST',
  url: `http://crm.test:${port}/customers/{args.customerId}/tickets`,
  headers: { authorization: { env: 'CRM_TOKEN', prefix: 'Bearer ' }, 'x-source': 'airlock' },
  args: {
    type: 'object',
    required: ['customerId', 'subject', 'credit'],
    additionalProperties: false,
    properties: {
      customerId: { type: 'string', pattern: '^c[0-9]+$' },
      subject: { type: 'string', minLength: 1, maxLength: 200 },
      contact: { type: 'object', properties: { email: { type: 'string', format: 'email' } }, additionalProperties: false },
      credit: { type: 'string', pattern: '^[0-9]+\\.[0-9]{2}$' },
    },
  },
  cost: { amount: 'args.credit', currency: 'USD' },
  // Loopback is "allowlisted for the test": without this the SSRF check refuses it (see below).
  allowPrivateAddresses: true,
  compensation: { method: 'DELETE', url: `http://crm.test:${port}/tickets/{response.id}` },
});

const tools = (httpTools: unknown[], extra: Partial<BuiltinToolsConfigInput> = {}) =>
  createBuiltinTools({ httpTools, ...extra }, { resolveHost: resolver, env, breakers: new CircuitBreakers({ failureThreshold: 2, cooldownMs: 60_000 }) }).tools;

describe('HTTP tools declared in the tools config', () => {
  it('call the declared endpoint with the filled URL, JSON body, env header and hashed idempotency key, and return the parsed response', async () => {
    seen = [];
    const tool = findTool(tools([ticketTool()]), 'crm.create_ticket');
    const args = { customerId: 'c42', subject: 'refund request', credit: '12.50' };
    const key = marker('key');
    const output = await callTool(tool, args, toolContext({ idempotencyKey: key }));
    expect(output).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^T-\d+$/), status: 'open' }, url: `http://crm.test:${port}/customers/c42/tickets` });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/customers/c42/tickets', body: JSON.stringify(args) });
    expect(seen[0]!.headers).toMatchObject({
      authorization: 'Bearer tok-secret-123',
      'x-source': 'airlock',
      'content-type': 'application/json',
      'idempotency-key': createHash('sha256').update(key).digest('hex'),
    });
    expect(tool.cost?.(args)).toEqual({ amount: '12.50', currency: 'USD' });
  });

  it('refuse bad arguments with the path of each problem, before any request', async () => {
    seen = [];
    const tool = findTool(tools([ticketTool()]), 'crm.create_ticket');
    const bad = tool.args.safeParse({ customerId: 'x1', contact: { email: 'not-an-email' }, credit: '12.50', extra: true });
    expect(bad.success).toBe(false);
    const message = formatZodError(bad.error!, 'args');
    expect(message).toContain('args.customerId: must match pattern');
    expect(message).toContain('args.subject: is required');
    expect(message).toContain('args.contact.email: must match format "email"');
    expect(message).toContain('args.extra: is not allowed');
    await expect(callTool(tool, { customerId: 'c1' })).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('fill one path segment per argument: "..", "." or "" in the path is refused, never sent to another endpoint', async () => {
    const branch = {
      name: 'git.delete_branch',
      method: 'DELETE',
      url: `http://crm.test:${port}/repos/{args.repo}/branches/{args.branch}?why={args.why}`,
      args: { type: 'object', properties: { repo: { type: 'string' }, branch: { type: 'string' }, why: { type: 'string' } }, required: ['repo', 'branch', 'why'] },
      allowPrivateAddresses: true,
    };
    const tool = findTool(tools([branch]), 'git.delete_branch');
    for (const value of ['..', '.', '']) {
      seen = [];
      await expect(callTool(tool, { repo: 'r', branch: value, why: 'x' }), value).rejects.toThrow(/\{args\.branch\} is .*, which cannot fill a path segment/);
      expect(seen, value).toEqual([]);
    }
    // Dots within a value, an escape typed as text, and any value in the query stay as they were.
    seen = [];
    await callTool(tool, { repo: 'r', branch: 'v1..v2', why: '..' }).catch(() => undefined);
    await callTool(tool, { repo: 'r', branch: '%2e%2e', why: '' }).catch(() => undefined);
    expect(seen.map((s) => s.url)).toEqual(['/repos/r/branches/v1..v2?why=..', '/repos/r/branches/%252e%252e?why=']);
  });

  it('keep the SSRF checks: a loopback endpoint not trusted with private addresses is refused and never reached', async () => {
    seen = [];
    const untrusted = { ...ticketTool(), allowPrivateAddresses: false };
    const tool = findTool(tools([untrusted]), 'crm.create_ticket');
    await expect(callTool(tool, { customerId: 'c1', subject: 's', credit: '1.00' })).rejects.toThrow(
      /crm\.create_ticket: refused crm\.test: it resolves to 127\.0\.0\.1, a loopback .* \(SSRF protection\)/,
    );
    expect(seen).toEqual([]);
  });

  it('fail on an error status, open the circuit after repeated failures, and honour the deadline', async () => {
    const broken = { name: 'crm.status', method: 'GET', url: `http://crm.test:${port}/broken`, args: { type: 'object' }, allowPrivateAddresses: true };
    const tool = findTool(tools([broken]), 'crm.status');
    await expect(callTool(tool, {})).rejects.toThrow(/crm\.status: GET crm\.test:\d+ answered 503: maintenance/);
    await expect(callTool(tool, {})).rejects.toThrow(/answered 503/);
    seen = [];
    await expect(callTool(tool, {})).rejects.toThrow(/circuit open for crm\.status:crm\.test/);
    expect(seen).toEqual([]);
  });

  it.each([
    // Functions: the server's port is known only once the tests run.
    [
      'a missing env variable',
      () => ({ ...ticketTool(), headers: { authorization: { env: 'MISSING_TOKEN' } } }),
      'httpTools[0].headers.authorization: environment variable MISSING_TOKEN is not set',
    ],
    ['a broken schema', () => ({ ...ticketTool(), args: { type: 'object', properties: { a: { type: 'strin' } } } }), 'httpTools[0].args: not a usable JSON Schema'],
    ['a schema that is not an object', () => ({ ...ticketTool(), args: { type: 'array' } }), 'httpTools[0].args: the schema must describe an object'],
    ['a bad name', () => ({ ...ticketTool(), name: 'Create Ticket' }), 'httpTools[0].name: a dotted lower-case name'],
    ['a placeholder in the host', () => ({ ...ticketTool(), url: 'http://{args.host}/x' }), 'httpTools[0].url: an http(s) URL; {args.x} placeholders only in its path and query'],
    ['an unknown method', () => ({ ...ticketTool(), method: 'FETCH' }), 'httpTools[0].method:'],
    ['a bad cost', () => ({ ...ticketTool(), cost: { amount: 'twelve', currency: 'USD' } }), 'httpTools[0].cost.amount: "twelve" is neither a decimal amount'],
    ['an unknown field', () => ({ ...ticketTool(), timeout: 5 }), 'httpTools[0]: Unrecognized key: "timeout"'],
  ])('a bad declaration stops start-up naming the field: %s', (_case, declaration, message) => {
    expect(() => tools([declaration()])).toThrow(message);
  });

  it('a name declared twice is refused', () => {
    expect(() => tools([ticketTool(), ticketTool()])).toThrow('httpTools[1].name: crm.create_ticket is declared twice');
  });
});

describe('a declared HTTP tool in a plan, through the real workflow', () => {
  let h: Harness;
  const policy = compilePolicy(
    `apiVersion: airlock/v1
rules:
  - id: crm
    tools: [crm.*, demo.*]
    tier: low
    outcome: allow
    reason: test tools
`,
    'http-tools.yaml',
  );

  beforeAll(async () => {
    const declared: ToolDefinition[] = builtinTools({ httpTools: [ticketTool()] }, { resolveHost: resolver, env });
    h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, declared) });
    await createAgent(h.db, { id: 'support-bot', team: 'support', allowedTools: ['crm.*', 'demo.*'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a later failing step calls the compensation with the created ticket id from the response', async () => {
    seen = [];
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'support-bot',
      tool: PLAN_TOOL,
      args: {
        steps: [
          { tool: 'crm.create_ticket', args: { customerId: 'c7', subject: 'plan', credit: '3.00' } },
          { tool: 'demo.fail', args: { message: 'downstream broke' } },
        ],
      },
      rationale: 'open a ticket, then fail',
      idempotencyKey: marker('plan'),
    });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'failed', error: expect.stringContaining('step 1 (crm.create_ticket) compensated') });
    const created = seen.find((s) => s.method === 'POST');
    const id = created && (JSON.parse(created.body) as { customerId: string }).customerId;
    expect(id).toBe('c7');
    const deleted = seen.filter((s) => s.method === 'DELETE');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]!.url).toMatch(/^\/tickets\/T-\d+$/);
    // Its own idempotency key (the compensation step's), not the first call's.
    expect(deleted[0]!.headers['idempotency-key']).not.toBe(created?.headers['idempotency-key']);
  });

  it('invalid arguments deny the action with the field path', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'support-bot',
      tool: 'crm.create_ticket',
      args: { customerId: 'c7', subject: '', credit: '3.00' },
      rationale: 'bad args',
      idempotencyKey: marker('bad'),
    });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({ status: 'denied' });
    expect(JSON.stringify(outcome)).toContain('args.subject: must NOT have fewer than 1 characters');
  });
});
