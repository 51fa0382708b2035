import { claimAgentRun, readAuthorization, reportAgentRun, RunClaimedElsewhereError, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, DecisionRejectedError, submitAction } from '@airlock/core/gateway';
import { createAgent, createBudget, createUser } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { startHarness, type Harness } from '../support/harness.js';

// A gate-only action's run claim (`claimRun`): the runner about to start the tool claims the
// authorized run first. Of two runners (two processes retrying the same tool call) exactly one
// is accepted; the same runner again (a retry after a network blip) is answered as before;
// nothing but an authorization awaiting its report can be claimed. One audit row per action.

let h: Harness;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');
const args = { message: 'refund once' };

beforeAll(async () => {
  h = await startHarness();
  // The operator the kill switch is engaged as: a use case reads the operator's own row again as it writes.
  await createUser(h.db, { id: 'bob', role: 'admin' });
  await createAgent(h.db, { id: 'claim-bot', team: 'claim', allowedTools: ['demo.*'] });
});
afterAll(async () => {
  await h?.close();
});

const claimRows = (actionId: string) => h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'action.authorization_claimed' } });

async function authorizedAction(key: string, agentId = 'claim-bot', reportWithinMs?: number) {
  const { actionId } = await submitAction(h.client, h.taskQueue, {
    agentId,
    tool: 'demo.echo',
    args,
    idempotencyKey: key,
    execution: 'agent',
    ...(reportWithinMs ? { reportWithinMs } : {}),
  });
  const state = await waitForAuthorization(h.client, actionId, 60_000);
  if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
  return { actionId, authorization: state.authorization };
}

describe('claiming a gate-only action’s run', () => {
  it('two runners claiming at once: exactly one wins, one audit row; the authorization shows when it was claimed', async () => {
    const { actionId, authorization } = await authorizedAction('claim-1');
    const { authorizationId } = authorization;
    const answers = await Promise.allSettled([
      claimAgentRun(h.client, actionId, { authorizationId, runnerId: 'runner-a' }),
      claimAgentRun(h.client, actionId, { authorizationId, runnerId: 'runner-b' }),
    ]);
    const won = answers.filter((a) => a.status === 'fulfilled');
    const lost = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(RunClaimedElsewhereError);
    expect(String((lost[0]!.reason as Error).message)).toMatch(/already claimed by another runner at \d{4}-\d\d-\d\dT/);

    const winner = (won[0] as PromiseFulfilledResult<{ runnerId: string; claimedAt: string }>).value;
    const rows = await claimRows(actionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'agent:claim-bot', payload: { tool: 'demo.echo', authorizationId, runnerId: winner.runnerId, claimedAt: winner.claimedAt } });
    expect(await readAuthorization(h.client, actionId)).toMatchObject({ state: 'authorized', authorization: { authorizationId, claimedAt: winner.claimedAt } });

    // The loser's process must not run the tool; the winner reports as usual (no claim needed for the report's rules).
    await reportAgentRun(h.client, actionId, { authorizationId, args, status: 'succeeded', output: { refunded: true } });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    const types = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
    expect(types).toEqual(['action.requested', 'action.classified', 'action.authorized', 'action.authorization_claimed', 'tool.reported', 'action.completed']);
  });

  it('the same runner claiming again is answered as the first time; still one audit row', async () => {
    const { actionId, authorization } = await authorizedAction('claim-2');
    const body = { authorizationId: authorization.authorizationId, runnerId: 'runner-1' };
    const first = await claimAgentRun(h.client, actionId, body);
    expect(first).toEqual({ authorizationId: authorization.authorizationId, runnerId: 'runner-1', claimedAt: expect.any(String) });
    expect(await claimAgentRun(h.client, actionId, body)).toEqual(first);
    await expect(claimAgentRun(h.client, actionId, { ...body, runnerId: 'runner-2' })).rejects.toThrow(RunClaimedElsewhereError);
    expect(await claimRows(actionId)).toHaveLength(1);
  });

  it('refuses a claim naming another authorization, or with a bad body', async () => {
    const { actionId } = await authorizedAction('claim-3');
    await expect(claimAgentRun(h.client, actionId, { authorizationId: 'forged', runnerId: 'r' })).rejects.toThrow(/unknown authorization id/);
    await expect(claimAgentRun(h.client, actionId, { authorizationId: 'forged' })).rejects.toThrow(/runnerId/);
    await expect(claimAgentRun(h.client, actionId, { authorizationId: 'a', runnerId: 'r', extra: 1 })).rejects.toThrow(/extra/);
    expect(await claimRows(actionId)).toHaveLength(0);
  });

  it('a claim after the report is refused', async () => {
    const { actionId, authorization } = await authorizedAction('claim-4');
    const { authorizationId } = authorization;
    await reportAgentRun(h.client, actionId, { authorizationId, args, status: 'succeeded', output: null });
    await awaitOutcome(h.client, actionId);
    await expect(claimAgentRun(h.client, actionId, { authorizationId, runnerId: 'late' })).rejects.toThrow(DecisionRejectedError);
    expect(await claimRows(actionId)).toHaveLength(0);
  });

  it('a claim after the authorization expired is refused', async () => {
    const { actionId, authorization } = await authorizedAction('claim-5', 'claim-bot', 1_000);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'expired' });
    await expect(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'late' })).rejects.toThrow(/over \(expired\)/);
    expect(await claimRows(actionId)).toHaveLength(0);
  });

  it('a claim after a kill switch revoked the authorization is refused', async () => {
    await createAgent(h.db, { id: 'claim-revoked', team: 'claim-revoked', allowedTools: ['demo.*'] });
    const { actionId, authorization } = await authorizedAction('claim-6', 'claim-revoked', 20_000);
    await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'claim-revoked', reason: 'incident 31' });
    await expect.poll(async () => (await readAuthorization(h.client, actionId)).state === 'pending' || null, { timeout: 60_000, interval: 50 }).toBe(true);
    await expect(claimAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, runnerId: 'after-switch' })).rejects.toThrow(
      /no longer usable \(expired, revoked or cancelled\)/,
    );
    expect(await claimRows(actionId)).toHaveLength(0);
  });

  // Claimed and never reported: the runner may have refunded. The outcome says so, and the money reserved
  // stays spent (releasing it would let the budget pay for the same refund twice).
  async function claimedRefund(agentId: string) {
    await createAgent(h.db, { id: agentId, team: agentId, allowedTools: ['payments.*'] });
    await createBudget(h.db, { scope: 'agent', target: agentId, period: 'day', currency: 'USD', limit: '1000.00' });
    // A window long enough for the claim to land first on a busy machine; the test then waits it out.
    const request = refundRequest({ agentId, amount: '10.00', idempotencyKey: `${agentId}-1`, execution: 'agent', reportWithinMs: 10_000 });
    const { actionId } = await submitAction(h.client, h.taskQueue, request);
    const state = await waitForAuthorization(h.client, actionId, 60_000);
    if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
    await claimAgentRun(h.client, actionId, { authorizationId: state.authorization.authorizationId, runnerId: 'crashed-runner' });
    return actionId;
  }
  const usageOf = async (agentId: string) => {
    const usage = await h.db.prisma.budgetUsage.findFirstOrThrow({ where: { budget: { target: agentId } } });
    return { spent: usage.spent.toFixed(2), reserved: usage.reserved.toFixed(2) };
  };

  it('claimed, then unreported past the window: expired as possibly run, its budget kept as spent', async () => {
    const actionId = await claimedRefund('claim-spent-expiry');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'expired',
      reason: expect.stringMatching(/run claimed at \d{4}-\d\d-\d\dT\S+ and never reported: the tool may have run and its result is unknown; the budget stays spent/),
    });
    expect(await usageOf('claim-spent-expiry')).toEqual({ spent: '10.00', reserved: '0.00' });
  });

  it('claimed, then revoked by a kill switch and never reported: cancelled as possibly run, its budget kept as spent', async () => {
    const actionId = await claimedRefund('claim-spent-revoked');
    await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'claim-spent-revoked', reason: 'incident 32' });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/incident 32.*revoked after its run claimed at .* the tool may have run/),
    });
    expect(await usageOf('claim-spent-revoked')).toEqual({ spent: '10.00', reserved: '0.00' });
  });
});
