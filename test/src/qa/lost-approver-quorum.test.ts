import { decideAction } from '@airlock/core/gateway';
import { createUser } from '@airlock/db';
import { changeRole, disableUser, runUseCase, userOperator } from '@airlock/ops';
import { compilePolicy } from '@airlock/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { switchablePolicy } from '../support/switchable-policy.js';
import { roundEnd } from './round-end.js';

/**
 * A round's approvers are fixed when it opens. One who lost standing since (disabled, demoted) and has not decided
 * is no vote still to come when its deadline times it out: with a deny against a quorum and `timeout: approve`, the
 * round is denied once those still standing cannot reach the quorum, and the tool does not run.
 */
let h: Harness;
const policy = switchablePolicy();
const admin = userOperator({ id: 'bob', role: 'admin' }, 'cli');

beforeAll(async () => {
  h = await startHarness({ deps: policy.deps });
  await seedTeam(h.db);
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => policy.reset());

/** Three approvers of their own group (a, b, c), and a policy that needs two of them, a deny not ending it, and approves at a 6 s deadline (room for the deny and the change before it on a busy machine). */
async function teamOfThree(group: string): Promise<[string, string, string]> {
  const ids = ['a', 'b', 'c'].map((x) => `${group}-${x}`) as [string, string, string];
  for (const id of ids) await createUser(h.db, { id, role: 'approver', groups: [group] });
  policy.use(
    compilePolicy(
      `apiVersion: airlock/v1\nrules:\n  - id: ${group}-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: two of ${group}\n    approval: { group: ${group}, quorum: 2, denyEndsIt: false, deadline: 6s, timeout: approve }\n`,
      `${group}.yaml`,
    ),
  );
  return ids;
}

/** Submits a refund, has `denier` deny it (the round stays open: two approvals are still possible), then runs `meanwhile`. */
async function deniedOnceThen(ids: readonly string[], denier: string, meanwhile: () => Promise<unknown>) {
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  const opened = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'approval.opened' } });
  expect((opened.payload as { eligibleApprovers: string[] }).eligibleApprovers).toEqual(ids);
  const denied = await decideAction(h.client, actionId, { approverId: denier, decision: 'deny', channel: 'api', argsHash });
  expect(denied.approvalStatus).toBe('open');
  await meanwhile();
  return { actionId, ...(await roundEnd(h, actionId)) };
}

describe('an approver who lost standing while the round waited, at a timing-out deadline', () => {
  it('a disabled one: the one approver left cannot reach two, so the round is denied and the tool does not run', async () => {
    const [a, b, c] = await teamOfThree('lq-disabled');
    const { outcome, ran, approval, closing } = await deniedOnceThen([a, b, c], b, () => runUseCase({ db: h.db }, admin, disableUser, { id: c, reason: 'left the company' }));
    expect(outcome).toMatchObject({ status: 'denied', deniedBy: b });
    expect(ran).toBe(0);
    expect(approval.status).toBe('denied');
    expect(closing?.type).toBe('approval.denied');
    expect((closing?.payload as { reason: string }).reason).toBe(`denied by ${b}: the approvers still standing cannot reach 2 approvals (${c} may no longer decide)`);
  });

  it('a demoted one (approver to viewer) no longer counts either', async () => {
    const [a, b, c] = await teamOfThree('lq-demoted');
    const { outcome, ran, approval } = await deniedOnceThen([a, b, c], b, () => runUseCase({ db: h.db }, admin, changeRole, { id: c, role: 'viewer' }));
    expect(outcome).toMatchObject({ status: 'denied', deniedBy: b });
    expect(ran).toBe(0);
    expect(approval.status).toBe('denied');
  });

  it('control: with nobody’s standing lost, the round times out and, with timeout: approve, runs', async () => {
    const [a, b, c] = await teamOfThree('lq-control');
    const { outcome, ran, approval, closing } = await deniedOnceThen([a, b, c], b, async () => undefined);
    expect(outcome.status).toBe('executed');
    expect(ran).toBe(1);
    expect(approval.status).toBe('expired');
    expect(closing?.type).toBe('approval.timed_out');
  });
});

/**
 * Three approvers of `group` (a, b, c; a fourth, d, with `four`), a quorum of `quorum` with a deny not ending it, one
 * escalation step after 10 s to a group nobody is in (it adds no one: the step only resolves the round's approvers
 * again), and `timeout` at the deadline. The tests decide and change people before the step: 10 s leaves room for that
 * on a busy machine, and the step's audit row shows whether it did (escalatedTo).
 */
async function escalatingTeam(group: string, { quorum, timeout, deadline, four = false }: { quorum: number; timeout: 'approve' | 'deny'; deadline: string; four?: boolean }) {
  const ids = (four ? ['a', 'b', 'c', 'd'] : ['a', 'b', 'c']).map((x) => `${group}-${x}`);
  for (const id of ids) await createUser(h.db, { id, role: 'approver', groups: [group] });
  policy.use(
    compilePolicy(
      `apiVersion: airlock/v1\nrules:\n  - id: ${group}-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: ${quorum} of ${group}\n    approval: { group: ${group}, quorum: ${quorum}, denyEndsIt: false, deadline: ${deadline}, timeout: ${timeout}, escalation: [{ after: 10s, to: ${group}-oncall }] }\n`,
      `${group}.yaml`,
    ),
  );
  return ids;
}

/** The approvers the round's escalation step resolved, from its audit row once it is written. */
async function escalatedTo(actionId: string): Promise<string[]> {
  const escalation = () => h.db.prisma.auditEvent.findFirst({ where: { actionId, type: 'approval.escalated' } });
  await expect.poll(escalation, { timeout: 30_000, interval: 100 }).toBeTruthy();
  return ((await escalation())!.payload as { eligibleApprovers: string[] }).eligibleApprovers;
}

describe('an escalation step resolving the approvers again', () => {
  it('recounts with those who lost standing dropped: a deny and a disabled approver leave the quorum out of reach, so the round is denied', async () => {
    const [a, b, c] = (await escalatingTeam('lq-escalated', { quorum: 2, timeout: 'approve', deadline: '20s' })) as [string, string, string];
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const denied = await decideAction(h.client, actionId, { approverId: b, decision: 'deny', channel: 'api', argsHash });
    expect(denied.approvalStatus).toBe('open');
    await runUseCase({ db: h.db }, admin, disableUser, { id: c, reason: 'left the company' });
    // The premise: c was disabled before the step, which resolved the approvers without c.
    expect(await escalatedTo(actionId)).toEqual([a, b]);

    const { outcome, ran, approval, closing } = await roundEnd(h, actionId);
    expect(outcome).toMatchObject({ status: 'denied', deniedBy: b });
    expect(ran).toBe(0);
    expect(approval.status).toBe('denied');
    expect(closing?.type).toBe('approval.denied');
    expect((closing?.payload as { reason: string }).reason).toBe(`denied by ${b}: the approvers still standing cannot reach 2 approvals (${c} may no longer decide)`);
  });

  it('keeps an approver who decided and was then demoted: her approval still counts, and a later deny does not end the round early', async () => {
    const [a, b, c, d] = (await escalatingTeam('lq-decider', { quorum: 3, timeout: 'deny', deadline: '60s', four: true })) as [string, string, string, string];
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    expect((await decideAction(h.client, actionId, { approverId: a, decision: 'approve', channel: 'api', argsHash })).approvalStatus).toBe('open');
    await runUseCase({ db: h.db }, admin, changeRole, { id: a, role: 'viewer' });
    expect(await escalatedTo(actionId)).toEqual([b, c, d]);

    // a's approval stands; with c and d still to decide, three approvals are in reach after b's deny.
    expect((await decideAction(h.client, actionId, { approverId: b, decision: 'deny', channel: 'api', argsHash })).approvalStatus).toBe('open');
    expect((await decideAction(h.client, actionId, { approverId: c, decision: 'approve', channel: 'api', argsHash })).approvalStatus).toBe('open');
    expect((await decideAction(h.client, actionId, { approverId: d, decision: 'approve', channel: 'api', argsHash })).approvalStatus).toBe('approved');
    const { outcome, ran, approval } = await roundEnd(h, actionId);
    expect(outcome.status).toBe('executed');
    expect(ran).toBe(1);
    expect(approval.status).toBe('approved');
  });
});
