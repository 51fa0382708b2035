import { randomUUID } from 'node:crypto';
import { getActionStatusView, getAuthorization, getOutcome, getAction, postAction, postActionCancel, postAuthorization, postReport } from '@airlock/console';
import { workflowIdForAction } from '@airlock/core';
import { Airlock, AirlockApiError, AuthorizationTimeoutError, IdempotencyConflictError, InvalidRequestError, type AirlockClient } from '@airlock/sdk';
import { connectTemporal } from '@airlock/sdk/temporal';
import { decideAction } from '@airlock/core/gateway';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf, seedKeys, type ApiKeys } from '../api/client.js';
import { refundRequest } from '../support/actions.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let api: ApiServer;
let keys: ApiKeys;

beforeAll(async () => {
  h = await startHarness();
  keys = await seedKeys(h.db);
  api = await startApiServer(contextOf(h), [
    { method: 'POST', path: '/api/v1/actions', handler: postAction },
    { method: 'GET', path: '/api/v1/actions/:id', handler: getAction },
    { method: 'GET', path: '/api/v1/actions/:id/outcome', handler: getOutcome },
    { method: 'GET', path: '/api/v1/actions/:id/status', handler: getActionStatusView },
    { method: 'POST', path: '/api/v1/actions/:id/cancel', handler: postActionCancel },
    { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
    { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
  ]);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

// The same outcome tests in both modes: REST with the agent's key (the default) and Temporal-direct.
const modes = {
  rest: () => Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000 }),
  temporal: () => connectTemporal({ address: inject('temporalAddress'), taskQueue: h.taskQueue }),
} satisfies Record<string, () => Promise<AirlockClient>>;

describe.each(Object.entries(modes))('the TypeScript SDK (%s)', (mode, connect) => {
  let airlock: AirlockClient;
  // Action ids derive from (agent, idempotency key): each mode uses its own keys.
  const key = (name: string) => `${mode}-${name}`;

  beforeAll(async () => {
    airlock = await connect();
  });
  afterAll(async () => {
    await airlock?.close();
  });

  it('run() returns the executed outcome with the tool output', async () => {
    const outcome = await airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'hi' }, rationale: 'test', idempotencyKey: key('sdk-1') });
    expect(outcome).toMatchObject({ status: 'executed', output: { message: 'hi' } });
  });

  it('start() gives a handle whose status shows the pending approval and whose result follows the decision', async () => {
    const handle = await airlock.start(refundRequest());
    expect(handle.created).toBe(true);
    let status = await handle.status();
    while (status.phase !== 'awaiting_approval') status = await handle.status();
    expect(status.classification).toMatchObject({ decision: 'require_approval', tier: 'high' });
    await decideAction(h.client, handle.actionId, { approverId: 'alice', decision: 'deny', channel: 'console', argsHash: status.argsHash, feedback: 'ask the customer first' });
    expect(await handle.result()).toMatchObject({ status: 'denied', feedback: 'ask the customer first', deniedBy: 'alice' });
    // A handle rebuilt from the id alone (e.g. after the agent restarts) sees the same outcome.
    expect(await airlock.action(handle.actionId).result()).toMatchObject({ status: 'denied' });
  });

  it('cancel() ends a pending action as cancelled', async () => {
    const handle = await airlock.start(refundRequest());
    let status = await handle.status();
    while (status.phase !== 'awaiting_approval') status = await handle.status();
    await handle.cancel();
    expect(await handle.result()).toMatchObject({ status: 'cancelled' });
  });

  it('runPlan() runs the steps in order', async () => {
    const outcome = await airlock.runPlan({
      agentId: 'billing-bot',
      idempotencyKey: key('plan'),
      steps: [
        { tool: 'demo.echo', args: { message: 'one' } },
        { tool: 'demo.echo', args: { message: 'two' } },
      ],
    });
    expect(outcome.status).toBe('executed');
  });

  it('tool() wraps one tool for an agent framework', async () => {
    const echo = airlock.tool<{ message: string }>('billing-bot', 'demo.echo');
    expect(await echo({ message: 'wrapped' }, { rationale: 'r', idempotencyKey: key('sdk-wrap') })).toMatchObject({ status: 'executed', output: { message: 'wrapped' } });
  });

  it('rejects bad input before anything starts, naming the field', async () => {
    await expect(airlock.run({ agentId: '', tool: 'demo.echo', args: {}, idempotencyKey: 'x' })).rejects.toThrow(InvalidRequestError);
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'Not A Tool', args: {}, idempotencyKey: 'x' })).rejects.toThrow(/tool: dotted lower-case name/);
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: '' })).rejects.toThrow(/idempotencyKey/);
    // PostgreSQL cannot store NUL: refused here, not retried forever by admission.
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: 'a\u0000b' })).rejects.toThrow(
      /idempotencyKey: must not contain NUL characters/,
    );
    // A typo is refused, not dropped: a JavaScript caller (or `as any`) has no compiler to catch it.
    const typo = { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey: key('sdk-typo'), reasn: 'x' } as Parameters<AirlockClient['run']>[0];
    await expect(airlock.run(typo)).rejects.toThrow('invalid request: reasn: Unrecognized key: "reasn"');
    const echo = airlock.tool<{ message: string }>('billing-bot', 'demo.echo');
    await expect(echo({ message: 'x' }, { idempotencyKey: key('sdk-typo-tool'), rationel: 'x' } as Parameters<typeof echo>[1])).rejects.toThrow(
      /options\.rationel: Unrecognized key/,
    );
    // Nothing started under that key: the first real request creates the action.
    expect((await airlock.start({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey: key('sdk-typo') })).created).toBe(true);
  });

  it('refuses a reused idempotency key with different arguments', async () => {
    await airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'a' }, idempotencyKey: key('sdk-dup') });
    await expect(airlock.start({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'b' }, idempotencyKey: key('sdk-dup') })).rejects.toThrow(IdempotencyConflictError);
  });
});

describe('an agent key (REST mode)', () => {
  it('cannot act as another agent, nor see, wait on or cancel its actions', async () => {
    const billing = await Airlock.connect({ url: api.url, apiKey: keys.agent });
    const support = await Airlock.connect({ url: api.url, apiKey: keys.otherAgent });
    const refused = billing.start({ agentId: 'support-bot', tool: 'demo.echo', args: { message: 'x' }, idempotencyKey: 'impersonate' });
    await expect(refused).rejects.toThrow(AirlockApiError);
    await expect(refused).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/belongs to agent "billing-bot"; it cannot act as agent "support-bot"/) });

    const theirs = await support.start(refundRequest({ agentId: 'support-bot', tool: 'demo.echo', args: { message: 'mine' } }));
    const stolen = billing.action(theirs.actionId);
    // To another agent the action does not exist: 404 on status, outcome and cancel alike.
    await expect(stolen.status()).rejects.toMatchObject({ status: 404 });
    await expect(stolen.result()).rejects.toMatchObject({ status: 404 });
    await expect(stolen.cancel()).rejects.toMatchObject({ status: 404 });
    expect(await theirs.result()).toMatchObject({ status: 'executed', output: { message: 'mine' } });
  });

  it('acts as the key’s agent when the request names none: run, start, runPlan and tool(name)', async () => {
    const billing = await Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000 });
    expect(await billing.run({ tool: 'demo.echo', args: { message: 'by key' }, idempotencyKey: 'key-decides-run' })).toMatchObject({
      status: 'executed',
      output: { message: 'by key' },
    });
    const handle = await billing.start({ tool: 'demo.echo', args: { message: 'started' }, idempotencyKey: 'key-decides-start' });
    expect(await handle.status()).toMatchObject({ agentId: 'billing-bot', tool: 'demo.echo' });
    // Naming the key's own agent is the same request: the same action, not a second one.
    const named = await billing.start({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'started' }, idempotencyKey: 'key-decides-start' });
    expect(named).toMatchObject({ actionId: handle.actionId, created: false });
    expect(await billing.runPlan({ idempotencyKey: 'key-decides-plan', steps: [{ tool: 'demo.echo', args: { message: 'one' } }] })).toMatchObject({ status: 'executed' });
    const echo = billing.tool<{ message: string }>('demo.echo');
    expect(await echo({ message: 'wrapped' }, { idempotencyKey: 'key-decides-tool' })).toMatchObject({ status: 'executed', output: { message: 'wrapped' } });
  });

  it('names the agent on gate-only calls as on run/start: another agent is refused (403), its own is the same action', async () => {
    const billing = await Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000 });
    const request = { tool: 'demo.echo', args: { message: 'gate' }, idempotencyKey: 'named-gate' };
    const refused = billing.authorize({ ...request, agentId: 'support-bot' });
    await expect(refused).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/belongs to agent "billing-bot"; it cannot act as agent "support-bot"/) });
    const named = await billing.authorize({ ...request, agentId: 'billing-bot' });
    expect(await billing.authorize(request)).toEqual({ actionId: named.actionId, created: false });
    await expect(billing.checkAuthorization(named.actionId, 5_000, { agentId: 'support-bot' })).rejects.toMatchObject({ status: 403 });
    const state = await billing.checkAuthorization(named.actionId, 5_000, { agentId: 'billing-bot' });
    expect(state).toMatchObject({ status: 'authorized', args: { message: 'gate' } });
    if (state.status !== 'authorized') throw new Error('not authorized');
    const done = await billing.report(named.actionId, { authorizationId: state.authorizationId, args: state.args, status: 'succeeded', output: { ok: true } });
    expect(done).toEqual({ status: 'executed', actionId: named.actionId, output: { ok: true } });
    // A typo is refused by the client before anything is sent (JavaScript callers have no compiler to catch it).
    await expect(billing.authorize({ ...request, idempotencyKey: 'typo-gate', reasn: 'x' } as typeof request)).rejects.toThrow(/reasn: Unrecognized key/);
  });

  it('reports a tool that ran whatever its output holds: NaN, a BigInt or a cycle is sent in the server’s storable form and recorded executed', async () => {
    const billing = await Airlock.connect({ url: api.url, apiKey: keys.agent, pollWaitMs: 5_000 });
    const looped: Record<string, unknown> = { rows: 2 };
    looped.self = looped;
    const cases = [
      { name: 'nan', output: { took: Number.NaN, rows: 2 }, problem: 'output.took: must be a finite number', json: '{"took":null,"rows":2}' },
      { name: 'bigint', output: { id: 10n }, problem: 'output.id: must be JSON (an object, array, string, number, boolean or null), got a BigInt', json: '{"id":"10"}' },
      { name: 'cycle', output: looped, problem: 'output.self: must be JSON: it contains itself', json: '{"rows":2,"self":"[cycle]"}' },
    ];
    for (const { name, output, problem, json } of cases) {
      const { actionId } = await billing.authorize({ tool: 'demo.echo', args: { message: name }, idempotencyKey: `report-unsendable-${name}` });
      const state = await billing.awaitAuthorization(actionId);
      if (state.status !== 'authorized') throw new Error(`not authorized: ${state.status}`);
      const stored = { airlock: 'output not storable as sent', problem, json };
      // Before: InvalidRequestError, nothing sent, the action left authorized until it expired as unused.
      const done = await billing.report(actionId, { authorizationId: state.authorizationId, args: state.args, status: 'succeeded', output });
      expect(done, name).toEqual({ status: 'executed', actionId, output: stored });
      expect(await billing.action(actionId).result()).toEqual(done);
      const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
      expect(execution, name).toMatchObject({ status: 'succeeded', result: stored });
      // Storable as it arrives: the server keeps it as sent (no alteration of its own to record).
      const reported = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'tool.reported' } });
      expect(reported.payload, name).toMatchObject({ tool: 'demo.echo', status: 'succeeded' });
      expect(reported.payload, name).not.toHaveProperty('reportAltered');
    }
    // A new request's values are still refused before sending, naming the field: nothing ran yet.
    await expect(billing.authorize({ tool: 'demo.echo', args: { message: 'x', took: Number.NaN }, idempotencyKey: 'report-unsendable-args' })).rejects.toThrow(InvalidRequestError);
  });

  it('is refused when revoked, and a key is required', async () => {
    const revoked = await Airlock.connect({ url: api.url, apiKey: keys.revoked });
    await expect(revoked.run({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: 'revoked' })).rejects.toMatchObject({ status: 401 });
    await expect(Airlock.connect({ url: api.url, apiKey: '' })).rejects.toThrow(/apiKey/);
  });
});

describe('Temporal-direct (trusted services)', () => {
  it('still requires agentId: nothing but the request names the agent there', async () => {
    const temporal = await connectTemporal({ address: inject('temporalAddress'), taskQueue: h.taskQueue });
    try {
      // @ts-expect-error -- agentId is required Temporal-direct
      await expect(temporal.run({ tool: 'demo.echo', args: {}, idempotencyKey: 'temporal-no-agent' })).rejects.toThrow(/agentId: /);
      // @ts-expect-error -- the one-argument form belongs to the REST client, whose key names the agent
      const unnamed = temporal.tool('demo.echo');
      await expect(unnamed({}, { idempotencyKey: 'temporal-tool-no-agent' })).rejects.toThrow(InvalidRequestError);
      await expect(connectTemporal({ address: inject('temporalAddress'), taskQeue: h.taskQueue } as Parameters<typeof connectTemporal>[0])).rejects.toThrow(
        /options\.taskQeue: Unrecognized key/,
      );
    } finally {
      await temporal.close();
    }
  });
});

describe('checkAuthorization() with no worker on the action’s queue', () => {
  it('raises AuthorizationTimeoutError at its deadline, not AirlockApiError 503 after the server’s 30 s query timeout', async () => {
    const idle = await startApiServer({ ...contextOf(h), taskQueue: `no-worker-${randomUUID()}` }, [
      { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
      { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    ]);
    const airlock = await Airlock.connect({ url: idle.url, apiKey: keys.agent });
    const { actionId } = await airlock.authorize({ tool: 'demo.echo', args: { message: 'nobody listens' }, idempotencyKey: 'sdk-no-worker' });
    try {
      const sentAt = Date.now();
      const checked = airlock.checkAuthorization(actionId, 1_000, { timeoutMs: 2_000 });
      await expect(checked).rejects.toThrow(AuthorizationTimeoutError);
      await expect(checked).rejects.toMatchObject({ actionId, phase: 'unknown', message: expect.stringMatching(/no worker answered the status query/) });
      // Structural, not a measure of speed: the server's reads give up after a few seconds, Temporal's own after 30.
      expect(Date.now() - sentAt).toBeLessThan(15_000);
    } finally {
      await h.client.workflow.getHandle(workflowIdForAction(actionId)).terminate('test over');
      await idle.close();
    }
  });
});
