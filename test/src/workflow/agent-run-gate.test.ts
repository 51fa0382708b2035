import { readAuthorization, reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, DecisionRejectedError, submitAction } from '@airlock/core/gateway';
import { createAgent, createUser } from '@airlock/db';
import { suspendAndCancel, userOperator } from '@airlock/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { switchMidCommit, waitingAdvisoryLocks } from '../support/start-gate.js';

// Issue 11, item 3 for gate-only actions (the agent runs the tool itself): handing
// out the authorization is the action's start, so it passes the kill switch's start
// gate. An authorization is issued before a switch (whose reply lists it) or never;
// one out and unreported when the switch trips is revoked: no longer handed out,
// and a report from an agent that already held it is recorded as made after the
// revocation until the authorization expires; unreported by then, the action ends
// cancelled. No recorded outcome changes. Ordering is observed in pg_locks.

let h: Harness;
const admin = userOperator({ id: 'bob', role: 'admin' }, 'api');

beforeAll(async () => {
  h = await startHarness();
  // The operator the kill switch is engaged as: a use case reads the operator's own row again as it writes.
  await createUser(h.db, { id: 'bob', role: 'admin' });
});
afterAll(async () => {
  await h?.close();
});

const auditOf = (actionId: string) => h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });
const auditTypes = async (actionId: string) => (await auditOf(actionId)).map((e) => e.type);
const rowOf = (actionId: string) => h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true } });
const args = { message: 'deploy' };

async function gateOnly(agentId: string, reportWithinMs: number) {
  await createAgent(h.db, { id: agentId, team: agentId, allowedTools: ['demo.*'] });
  return submitAction(h.client, h.taskQueue, { agentId, tool: 'demo.echo', args, idempotencyKey: `${agentId}-1`, execution: 'agent', reportWithinMs });
}

async function authorized(actionId: string) {
  const state = await waitForAuthorization(h.client, actionId, 60_000);
  if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
  return state.authorization;
}

describe('gate-only actions and the kill switch start gate', () => {
  it('an authorization meeting a switch being committed waits for it and is never issued: cancelled, audited', async () => {
    await createAgent(h.db, { id: 'auth-gate-1', team: 'auth-gate-1', allowedTools: ['demo.*'] });
    const held = await switchMidCommit(h.db, 'auth-gate-1', 'incident 21');
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'auth-gate-1', tool: 'demo.echo', args, idempotencyKey: 'auth-gate-1', execution: 'agent' });
    try {
      // The authorization's issue queues behind the switch (pg_locks, not timing); nothing was issued meanwhile.
      await expect.poll(() => waitingAdvisoryLocks(h.db), { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
      expect(await auditTypes(actionId)).not.toContain('action.authorized');
    } finally {
      // Committed also when an expectation above fails: a held gate would stall every later switch.
      await held.commit();
    }

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toEqual({ status: 'cancelled', actionId, reason: 'cancelled by the kill switch (agent auth-gate-1) by bob: incident 21' });
    expect(await rowOf(actionId)).toMatchObject({ status: 'cancelled', outcome: { status: 'cancelled' } });
    const audit = await auditTypes(actionId);
    expect(audit).toContain('action.recheck_failed');
    expect(audit).not.toContain('action.authorized');
    expect(audit.at(-1)).toBe('action.completed');
    // The agent is told the outcome, never an authorization.
    const told = await readAuthorization(h.client, actionId);
    expect(told).toMatchObject({ state: 'completed', outcome: { status: 'cancelled' } });
    expect(told).not.toHaveProperty('authorization');
  });

  it('the switch lists an authorization issued before it; revoked and unreported, it is withheld and the action ends cancelled at its expiry', async () => {
    const { actionId } = await gateOnly('auth-gate-2', 20_000);
    const authorization = await authorized(actionId);
    const switched = await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'auth-gate-2', reason: 'incident 22' });
    expect(switched.cancelledActions).toEqual([actionId]);
    expect(switched.startedBeforeSwitch).toEqual([actionId]);

    // Revoked: no longer handed out (an agent asking now is not given it).
    await expect.poll(async () => (await auditTypes(actionId)).includes('action.authorization_revoked'), { timeout: 60_000, interval: 50 }).toBe(true);
    const revoked = (await auditOf(actionId)).find((e) => e.type === 'action.authorization_revoked')!;
    expect(revoked.payload).toMatchObject({
      authorizationId: authorization.authorizationId,
      reason: expect.stringMatching(/incident 22/),
      reportsAcceptedUntil: authorization.expiresAt,
    });
    const state = await readAuthorization(h.client, actionId);
    expect(state).toEqual(expect.objectContaining({ state: expect.stringMatching(/^(pending|completed)$/) }));
    if (state.state === 'pending') expect(state.phase).toBe('authorization_revoked');

    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/kill switch \(agent auth-gate-2\).*incident 22; the authorization was revoked before it was used$/),
    });
    expect(await rowOf(actionId)).toMatchObject({ status: 'cancelled' });
    expect(await h.db.prisma.toolExecution.count({ where: { actionId } })).toBe(0);
    // A report after the end is refused, and the recorded outcome stays.
    await expect(reportAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, args, status: 'succeeded', output: null })).rejects.toBeInstanceOf(
      DecisionRejectedError,
    );
    expect(await rowOf(actionId)).toMatchObject({ status: 'cancelled' });
    expect((await auditTypes(actionId)).filter((t) => t === 'action.completed')).toHaveLength(1);
  });

  it('a report from an agent that held the revoked authorization is recorded truthfully: executed, marked as after the revocation', async () => {
    const { actionId } = await gateOnly('auth-gate-3', 300_000);
    const authorization = await authorized(actionId);
    const switched = await suspendAndCancel({ db: h.db, temporal: h.client }, admin, { scope: 'agent', target: 'auth-gate-3', reason: 'incident 23' });
    expect(switched.startedBeforeSwitch).toEqual([actionId]);
    await expect.poll(async () => (await auditTypes(actionId)).includes('action.authorization_revoked'), { timeout: 60_000, interval: 50 }).toBe(true);

    // The agent had already run the tool: its report is taken, and the outcome says what happened.
    const outcome = await reportAgentRun(h.client, actionId, { authorizationId: authorization.authorizationId, args, status: 'succeeded', output: { deployed: true } });
    expect(outcome).toEqual({ status: 'executed', actionId, output: { deployed: true } });
    expect(await awaitOutcome(h.client, actionId)).toEqual(outcome);
    expect(await rowOf(actionId)).toMatchObject({ status: 'executed' });
    const audit = await auditOf(actionId);
    const types = audit.map((e) => e.type);
    expect(types.indexOf('action.authorization_revoked')).toBeLessThan(types.indexOf('tool.reported'));
    expect(audit.find((e) => e.type === 'tool.reported')!.payload).toMatchObject({ status: 'succeeded', afterRevocation: true });
    expect(await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'succeeded' }]);
    expect(types.filter((t) => t === 'action.completed')).toHaveLength(1);
  });
});
