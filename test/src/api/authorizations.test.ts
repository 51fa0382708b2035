import { AuditFeed, getActionStatusView, getAgentSelf, getAuthorization, postAction, postAuthorization, postReport, schemas } from '@airlock/console';
import { PLAN_TOOL } from '@airlock/core';
import { waitForAuthorization } from '@airlock/core/agent-gateway';
import { decideAction } from '@airlock/core/gateway';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

const { h, ctx, keys } = useApiHarness();

const authorize = (body: unknown, key = keys.agent) => postAuthorization(apiRequest('/api/v1/authorizations', { key, body }), ctx);
const authorization = (id: string, key = keys.agent, waitMs = 20_000) => getAuthorization(apiRequest(`/api/v1/actions/${id}/authorization?waitMs=${waitMs}`, { key }), ctx, { id });
const report = (id: string, body: unknown, key = keys.agent) => postReport(apiRequest(`/api/v1/actions/${id}/report`, { key, body }), ctx, { id });
const Submitted = schemas.SubmittedActionView.extend({ links: z.object({ self: z.string(), outcome: z.string(), authorization: z.string() }) });

describe('gate-only actions over REST', () => {
  it('authorize → run it yourself → report: the outcome is what was reported', async () => {
    const args = { message: 'from the agent' };
    const submitted = await expectJson(authorize({ tool: 'demo.echo', args, idempotencyKey: 'rest-gate-1' }), 202, Submitted);
    expect(submitted.links.authorization).toBe(`/api/v1/actions/${submitted.actionId}/authorization`);
    const granted = await expectJson(authorization(submitted.actionId), 200, schemas.AuthorizationView);
    expect(granted).toMatchObject({ status: 'authorized', args, argsHash: submitted.argsHash, links: { report: `/api/v1/actions/${submitted.actionId}/report` } });
    const body = { authorizationId: granted.authorizationId, args, status: 'succeeded', output: { ok: true } };
    const outcome = await expectJson(report(submitted.actionId, body), 200, schemas.ActionOutcome);
    expect(outcome).toEqual({ status: 'executed', actionId: submitted.actionId, output: { ok: true } });
    expect(await expectJson(report(submitted.actionId, body), 200, schemas.ActionOutcome)).toEqual(outcome);
    // Once reported, the authorization endpoint answers with the outcome.
    expect(await expectJson(authorization(submitted.actionId), 200, schemas.ActionOutcome)).toEqual(outcome);
  });

  it('a person’s key reads an authorization’s arguments redacted, as stored; only its agent gets them as sent', async () => {
    const args = { message: 'write to dana@example.test' };
    const { actionId } = await expectJson(authorize({ tool: 'demo.echo', args, idempotencyKey: 'rest-gate-pii' }), 202, Submitted);
    expect(await expectJson(authorization(actionId), 200, schemas.AuthorizationView)).toMatchObject({ status: 'authorized', args });
    const stored = (await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).args;
    expect(JSON.stringify(stored)).not.toContain('dana@example.test');
    const LiveWithAuthorization = schemas.ActionLiveStatus.and(z.object({ authorization: z.object({ args: z.record(z.string(), z.unknown()) }) }));
    const status = async (key: string) =>
      expectJson(getActionStatusView(apiRequest(`/api/v1/actions/${actionId}/status`, { key }), ctx, { id: actionId }), 200, LiveWithAuthorization);
    for (const key of [keys.victor, keys.alice, keys.bob]) {
      const shown = await expectJson(authorization(actionId, key), 200, schemas.AuthorizationView);
      expect(shown.args).toEqual(stored);
      const live = await status(key);
      expect(live.authorization.args).toEqual(stored);
      expect(JSON.stringify([shown, live])).not.toContain('dana@example.test');
    }
    expect((await status(keys.agent)).authorization.args).toEqual(args);
    // The raw arguments reach a person only through an admin's reveal, which is audited: none happened here.
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.args_revealed' } })).toBe(0);
  });

  it('a repeated idempotency key asking another report window is a 409, not the first window silently', async () => {
    const body = { tool: 'demo.echo', args: { message: 'window' }, idempotencyKey: 'rest-gate-window', reportWithinMs: 60_000 };
    expect((await expectJson(authorize(body), 202, Submitted)).created).toBe(true);
    expect((await expectJson(authorize(body), 200, Submitted)).created).toBe(false);
    const conflict = await expectError(authorize({ ...body, reportWithinMs: 604_800_000 }), 409, 'idempotency_conflict');
    expect(conflict.message).toMatch(/different reportWithinMs \(60000; this request asks 604800000\)/);
    // Left out, the window is the default (15 min): another window than the first request's too.
    await expectError(authorize({ ...body, reportWithinMs: undefined }), 409, 'idempotency_conflict');
  });

  it('a pending approval is a 202; a denial comes back with the feedback', async () => {
    const refund = { tool: 'payments.refund', args: { paymentId: 'p', amount: '500.00', currency: 'USD', reason: 'r' }, idempotencyKey: 'rest-gate-2' };
    const { actionId, argsHash } = await expectJson(authorize(refund), 202, Submitted);
    expect(await expectJson(authorization(actionId, keys.agent, 0), 202, schemas.PendingAuthorization)).toMatchObject({ status: 'pending', actionId });
    for (;;) {
      const pending = await expectJson(authorization(actionId, keys.agent, 0), 202, schemas.PendingAuthorization);
      if (pending.phase === 'awaiting_approval') break;
    }
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash, feedback: 'use a store credit' });
    expect(await expectJson(authorization(actionId), 200, schemas.ActionOutcome)).toMatchObject({ status: 'denied', feedback: 'use a store credit' });
  });

  it('refuses bad input with the field path, and reports with other arguments with a 409', async () => {
    const bad = await expectError(authorize({ tool: 'demo.echo', args: { message: 'x' }, idempotencyKey: 'k', reportWithinMs: 5 }), 400, 'invalid_request');
    expect(bad.issues?.map((i) => i.path)).toContain('reportWithinMs');
    await expectError(authorize({ agentId: 'x', tool: 'demo.echo', args: {}, idempotencyKey: 'k' }), 400, 'invalid_request');
    await expectError(authorize({ tool: PLAN_TOOL, args: { steps: [] }, idempotencyKey: 'k' }), 400, 'invalid_request');
    await expectError(authorize({ tool: 'demo.echo', args: {}, idempotencyKey: 'k' }, keys.alice), 403, 'forbidden');

    const { actionId } = await expectJson(authorize({ tool: 'demo.echo', args: { message: 'a' }, idempotencyKey: 'rest-gate-3' }), 202, Submitted);
    const granted = await expectJson(authorization(actionId), 200, schemas.AuthorizationView);
    const missing = await expectError(report(actionId, { authorizationId: granted.authorizationId, args: { message: 'a' }, status: 'failed' }), 400, 'invalid_request');
    expect(missing.issues?.map((i) => i.path)).toContain('error');
    const other = await expectError(report(actionId, { authorizationId: granted.authorizationId, args: { message: 'b' }, status: 'succeeded' }), 409, 'decision_rejected');
    expect(other.message).toMatch(/other arguments than were approved/);
    await expectError(report(actionId, { authorizationId: granted.authorizationId, args: { message: 'a' }, status: 'succeeded' }, keys.otherAgent), 404, 'not_found');
    await expectError(authorization(actionId, keys.otherAgent), 404, 'not_found');
  });

  it('an agent header naming another agent than the key’s is refused (403) on authorize and on the authorization read, as on POST /actions', async () => {
    const naming = (request: Request, agentId: string) => {
      request.headers.set('airlock-agent-id', agentId);
      return request;
    };
    const body = { tool: 'demo.echo', args: { message: 'named' }, idempotencyKey: 'rest-gate-named' };
    const refused = await expectError(postAuthorization(naming(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), 'support-bot'), ctx), 403, 'forbidden');
    expect(refused.message).toBe('this API key belongs to agent "billing-bot"; it cannot act as agent "support-bot"');
    // Nothing was started by the refused request: naming the key's own agent starts it now.
    const { actionId, created } = await expectJson(postAuthorization(naming(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), 'billing-bot'), ctx), 202, Submitted);
    expect(created).toBe(true);
    const read = (agentId: string) =>
      getAuthorization(naming(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=20000`, { key: keys.agent }), agentId), ctx, { id: actionId });
    expect((await expectError(read('support-bot'), 403, 'forbidden')).message).toMatch(/belongs to agent "billing-bot"; it cannot act as agent "support-bot"/);
    expect(await expectJson(read('billing-bot'), 200, schemas.AuthorizationView)).toMatchObject({ status: 'authorized', actionId, args: { message: 'named' } });
  });

  it('an action the worker runs has no authorization', async () => {
    const res = await postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: { tool: 'demo.echo', args: { message: 'w' }, idempotencyKey: 'rest-gate-4' } }), ctx);
    const { actionId } = await expectJson(res, 202, schemas.SubmittedActionView);
    expect((await expectError(authorization(actionId), 409, 'decision_rejected')).message).toMatch(/runs in the worker/);
  });

  it('GET /agents/me tells an agent its allowed tools', async () => {
    expect(await expectJson(getAgentSelf(apiRequest('/api/v1/agents/me', { key: keys.agent }), ctx), 200, schemas.AgentSelf)).toEqual({
      id: 'billing-bot',
      team: 'billing',
      allowedTools: ['payments.*', 'demo.*'],
    });
    await expectError(getAgentSelf(apiRequest('/api/v1/agents/me', { key: keys.alice }), ctx), 403, 'forbidden');
  });
});

describe('an authorization wait reads the workflow when its action moves, not four times a second', () => {
  let feed: AuditFeed;
  beforeAll(() => {
    feed = new AuditFeed(h.db, h.database.url);
  });
  afterAll(() => feed?.close());

  /** A gate-only refund that needs a person, once its round is open. */
  async function awaitingApproval(idempotencyKey: string): Promise<{ actionId: string; argsHash: string }> {
    const refund = { tool: 'payments.refund', args: { paymentId: 'p', amount: '500.00', currency: 'USD', reason: 'r' }, idempotencyKey };
    const { actionId, argsHash } = await expectJson(authorize(refund), 202, Submitted);
    while ((await expectJson(authorization(actionId, keys.agent, 0), 202, schemas.PendingAuthorization)).phase !== 'awaiting_approval');
    return { actionId, argsHash };
  }

  it("the approval's audit row wakes the wait: with no read due for 10 minutes, it ends authorized", async () => {
    const { actionId, argsHash } = await awaitingApproval('watch-1');
    const waiting = waitForAuthorization(h.client, actionId, 600_000, { watch: feed, fallbackMs: 600_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    // Without the wake-up the next read is at the wait's end; 30 s is only where the test gives up.
    const givenUp = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 30_000).unref());
    expect(await Promise.race([waiting, givenUp])).toMatchObject({ state: 'authorized', tool: 'payments.refund', authorization: { argsHash } });
  });

  it('through the API: a 6 s wait before the approval reads the workflow a few times (24 at 250 ms)', async () => {
    const watched = { ...ctx, actionWatch: feed };
    const { actionId, argsHash } = await awaitingApproval('watch-2');
    // The real client, counted: each read is a query the worker answers (replaying the workflow when it is not cached).
    const queries = vi.spyOn(h.client.workflowService, 'queryWorkflow');
    let reads: number;
    try {
      const answer = getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=20000`, { key: keys.agent }), watched, { id: actionId });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
      expect(await expectJson(answer, 200, schemas.AuthorizationView)).toMatchObject({ status: 'authorized', actionId, argsHash });
    } finally {
      reads = queries.mock.calls.length;
      queries.mockRestore();
    }
    // One at the start, one per 5 s fallback, a few after the approval's row until the workflow has taken it.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThan(12);
  });
});
