import { awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createAgent, createUser, grantStandingApproval } from '@airlock/db';
import { disableUser, runUseCase, userOperator } from '@airlock/ops';
import { compilePolicy } from '@airlock/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { switchablePolicy } from '../support/switchable-policy.js';

/** "A disabled user can no longer sign in, call the API or decide": not in advance, and not as a vote still to come. */
let h: Harness;
const policy = switchablePolicy();
const admin = userOperator({ id: 'bob', role: 'admin' }, 'cli');

beforeAll(async () => {
  h = await startHarness({ deps: policy.deps });
  await seedTeam(h.db);
  for (const id of ['olga', 'omar', 'otto']) await createUser(h.db, { id, role: 'approver', groups: ['ops'] });
  await createUser(h.db, { id: 'gina', role: 'approver' });
  await createAgent(h.db, { id: 'grant-bot', team: 'grants', allowedTools: ['payments.*'] });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => policy.reset());

describe('a disabled person', () => {
  it('no longer pre-approves through a standing approval they granted', async () => {
    await grantStandingApproval(h.db, {
      agentId: 'grant-bot',
      tool: 'payments.refund',
      condition: 'true',
      reason: 'refund batch',
      grantedBy: 'gina',
      validUntil: new Date(Date.now() + 3_600_000),
      maxUses: 100,
    });
    const covered = await submitAction(h.client, h.taskQueue, refundRequest({ agentId: 'grant-bot', amount: '300.00' }));
    expect((await awaitOutcome(h.client, covered.actionId)).status).toBe('executed');

    await runUseCase({ db: h.db }, admin, disableUser, { id: 'gina', reason: 'left the company' });
    const after = await submitAction(h.client, h.taskQueue, refundRequest({ agentId: 'grant-bot', amount: '300.00' }));
    const status = await waitForStatus(h.client, after.actionId, (s) => s.phase === 'awaiting_approval' || s.phase === 'completed');
    expect(status.standingGrantId).toBeUndefined();
    expect(status.phase).toBe('awaiting_approval');
  });

  it('is no approver still to come: a deny that puts the quorum out of reach of the active ones ends the round', async () => {
    policy.use(
      compilePolicy(
        `apiVersion: airlock/v1\nrules:\n  - id: ops-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: two of ops\n    approval: { group: ops, quorum: 2, denyEndsIt: false, deadline: 2s, timeout: approve }\n`,
        'ops-quorum.yaml',
      ),
    );
    await runUseCase({ db: h.db }, admin, disableUser, { id: 'otto', reason: 'on leave' });
    const { actionId, argsHash, status } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    expect(status.approval?.requiredApprovals).toBe(2);
    const opened = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'approval.opened' } });
    expect((opened.payload as { eligibleApprovers: string[] }).eligibleApprovers).toEqual(['olga', 'omar']);
    // With only olga and omar able to decide, olga's deny leaves one possible approval of the two needed.
    const denied = await decideAction(h.client, actionId, { approverId: 'olga', decision: 'deny', channel: 'api', argsHash });
    expect(denied.approvalStatus).toBe('denied');
    expect((await awaitOutcome(h.client, actionId)).status).toBe('denied');
  });
});
