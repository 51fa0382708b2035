import { defaultActivityDeps, type KillPoint } from '@airlock/activities';
import { awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { verifyAuditChain } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// Admission commits round 1, so every channel can show the action as awaiting approval,
// a moment before the workflow takes admission's answer and sets its decide handler.
// Here that moment is held open: admission's first attempt fails right after its commit,
// and the workflow waits for the retry (a second at least) with round 1 stored and no
// handler set. A decision sent then must be taken once the handler exists, not refused.

let failNextAfterCommit = false;

function failOnceAfterCommit(point: KillPoint): void {
  if (point !== 'admission.after-commit' || !failNextAfterCommit) return;
  failNextAfterCommit = false;
  throw new Error('the worker lost its connection after the commit (test)');
}

const h = useSeededHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), killPoint: failOnceAfterCommit }) });

// Admission in an activity of its own, or (approval forecast) in the first workflow task.
const paths = [
  { admission: 'in its activity', options: {} },
  { admission: 'in the first workflow task', options: { expectsApproval: () => true } },
];

describe.each(paths)('a decision on round 1 before the workflow has taken admission’s answer ($admission)', ({ options }) => {
  it('is taken once the workflow sets its handler, recorded once, and the tool runs', async () => {
    failNextAfterCommit = true;
    const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, refundRequest(), options);
    // Admission's first attempt has committed and failed (the worker runs in this process).
    while (failNextAfterCommit) await new Promise((resolve) => setTimeout(resolve, 5));
    // What the console and Slack go by: the stored row, not the workflow.
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } });
    expect(row.status).toBe('awaiting_approval');

    const result = await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect(result).toMatchObject({ approvalStatus: 'approved' });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });

    const decisions = await h.db.prisma.approvalDecision.findMany({ where: { approval: { actionId } }, select: { userId: true, decision: true } });
    expect(decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
    const requested = await h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.requested' } });
    expect(requested).toBe(1);
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true });
  });
});
