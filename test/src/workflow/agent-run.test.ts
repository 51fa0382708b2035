import { createAgent, createBudget } from '@airlock/db';
import { readAuthorization, reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, decideAction, DecisionRejectedError, IdempotencyConflictError, InvalidRequestError, submitAction } from '@airlock/core/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

// Gate-only actions: Airlock decides, the agent runs the tool itself and reports.

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  await createAgent(h.db, { id: 'deploy-bot', team: 'platform', ownerId: 'owner', allowedTools: ['ext.*', 'payments.*'] });
  await createBudget(h.db, { scope: 'agent', target: 'deploy-bot', period: 'day', currency: 'USD', limit: '1000.00' });
});
afterAll(async () => {
  await h?.close();
});

const auditTypes = async (actionId: string) => (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((r) => r.type);

async function authorized(actionId: string) {
  const state = await waitForAuthorization(h.client, actionId, 20_000);
  if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
  return state.authorization;
}

describe('gate-only actions (agentRun)', () => {
  it('an allowed action is authorized at once; the report records the run and closes it, audited', async () => {
    const args = { message: 'hi' };
    const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args, idempotencyKey: 'gate-1', execution: 'agent' });
    const authorization = await authorized(actionId);
    expect(authorization).toMatchObject({ args, argsHash, authorizationId: expect.any(String), expiresAt: expect.any(String) });
    // The worker never ran it: no execution row until the agent reports.
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(0);

    const outcome = await reportAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, args, status: 'succeeded', output: { echoed: 'hi' } });
    expect(outcome).toEqual({ status: 'executed', actionId, output: { echoed: 'hi' } });
    expect(await awaitOutcome(h.client, actionId)).toEqual(outcome);
    expect(await auditTypes(actionId)).toEqual(['action.requested', 'action.classified', 'action.authorized', 'tool.reported', 'action.completed']);
    expect(await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } })).toMatchObject({ status: 'succeeded', result: { echoed: 'hi' } });
    expect((await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status).toBe('executed');
  });

  it('reporting twice is idempotent; another result or other arguments are refused', async () => {
    const args = { message: 'twice' };
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args, idempotencyKey: 'gate-2', execution: 'agent' });
    const { authorizationId } = await authorized(actionId);
    await expect(reportAgentRun(h.client, actionId, { authorizationId, args: { message: 'other' }, status: 'succeeded' })).rejects.toThrow(/other arguments than were approved/);
    await expect(reportAgentRun(h.client, actionId, { authorizationId: 'forged', args, status: 'succeeded' })).rejects.toThrow(DecisionRejectedError);
    const report = { authorizationId, args, status: 'failed' as const, error: 'disk full' };
    const first = await reportAgentRun(h.client, actionId, report);
    expect(first).toEqual({ status: 'failed', actionId, error: 'disk full' });
    // After the workflow closed: the same report gets the same answer, a different one is refused.
    await awaitOutcome(h.client, actionId);
    expect(await reportAgentRun(h.client, actionId, report)).toEqual(first);
    await expect(reportAgentRun(h.client, actionId, { authorizationId, args, status: 'succeeded' })).rejects.toThrow(/already closed with another result/);
    await expect(reportAgentRun(h.client, actionId, { authorizationId, args: { message: 'other' }, status: 'failed', error: 'disk full' })).rejects.toThrow(/other arguments/);
    expect((await auditTypes(actionId)).filter((t) => t === 'tool.reported')).toHaveLength(1);
  });

  it('bad reports are refused before they reach the workflow, naming the field', async () => {
    await expect(reportAgentRun(h.client, 'x', { authorizationId: 'a', args: {}, status: 'done' })).rejects.toThrow(InvalidRequestError);
    await expect(reportAgentRun(h.client, 'x', { authorizationId: 'a', args: {}, status: 'failed' })).rejects.toThrow(/error/);
  });

  it('waits for approval; the authorization carries the approver’s edited arguments; the report settles the budget', async () => {
    const request = refundRequest({ agentId: 'deploy-bot', amount: '125.00', idempotencyKey: 'gate-3', execution: 'agent' });
    const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, request);
    expect(await readAuthorization(h.client, actionId).catch(() => null)).not.toMatchObject({ state: 'authorized' });
    await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
    const edited = { paymentId: 'pay_123', amount: '40.00', currency: 'USD', reason: 'partial refund' };
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'console', argsHash, editedArgs: edited });
    const authorization = await authorized(actionId);
    expect(authorization.args).toEqual(edited);
    // The agent may not run what it first asked for: only the approved arguments.
    await expect(reportAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, args: request.args, status: 'succeeded' })).rejects.toThrow(
      /other arguments/,
    );
    await reportAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, args: edited, status: 'succeeded', output: { refundId: 'r1' } });
    const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: 'deploy-bot' } } });
    expect({ spent: usage.spent.toFixed(2), reserved: usage.reserved.toFixed(2) }).toEqual({ spent: '40.00', reserved: '0.00' });
  });

  it('a tool the worker does not have is still governed: least privilege, then policy', async () => {
    const denied = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'ext.deploy', args: {}, idempotencyKey: 'gate-4', execution: 'agent' });
    expect(await awaitOutcome(h.client, denied.actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/not allowed to call "ext.deploy"/) });
    expect(await readAuthorization(h.client, denied.actionId)).toMatchObject({ state: 'completed', outcome: { status: 'denied' } });

    const waiting = await submitAction(h.client, h.taskQueue, {
      agentId: 'deploy-bot',
      tool: 'ext.deploy',
      args: { service: 'api' },
      idempotencyKey: 'gate-5',
      execution: 'agent',
    });
    const status = await waitForStatus(h.client, waiting.actionId, (s) => s.phase === 'awaiting_approval');
    expect(status.classification?.reasons.join(' ')).toMatch(/no rule matched "ext.deploy"/);
    await decideAction(h.client, waiting.actionId, { approverId: 'bob', decision: 'deny', channel: 'api', argsHash: waiting.argsHash, feedback: 'deploy after the freeze' });
    expect(await waitForAuthorization(h.client, waiting.actionId, 20_000)).toMatchObject({
      state: 'completed',
      outcome: { status: 'denied', feedback: 'deploy after the freeze' },
    });
  });

  it('an authorization (small refund, allowed at once) not used within its window expires and releases the budget; a late report is refused', async () => {
    const request = refundRequest({ agentId: 'deploy-bot', amount: '10.00', idempotencyKey: 'gate-6', execution: 'agent', reportWithinMs: 1_000 });
    const { actionId } = await submitAction(h.client, h.taskQueue, request);
    const { authorizationId } = await authorized(actionId);
    const held = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: 'deploy-bot' } } });
    expect(held.reserved.toFixed(2)).toBe('10.00');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'expired', reason: expect.stringMatching(/not used \(no report\) within 1s/) });
    await expect(reportAgentRun(h.client, actionId, { authorizationId, args: request.args, status: 'succeeded' })).rejects.toThrow(/expired/);
    const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: 'deploy-bot' } } });
    expect(usage.reserved.toFixed(2)).toBe('0.00');
  });

  it('the same idempotency key with the other execution is a conflict', async () => {
    await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'k' }, idempotencyKey: 'gate-7', execution: 'agent' });
    await expect(submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'k' }, idempotencyKey: 'gate-7' })).rejects.toThrow(
      IdempotencyConflictError,
    );
    expect(
      (await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'k' }, idempotencyKey: 'gate-7', execution: 'agent' })).created,
    ).toBe(false);
  });
});
