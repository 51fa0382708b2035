import { defaultActivityDeps } from '@airlock/activities';
import { actionHandle, awaitOutcome, decideAction } from '@airlock/core/gateway';
import { compilePolicy } from '@airlock/policy';
import { describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';

/** An edit under review when the round's deadline passes, with the `approve` timeout outcome. */
const QUICK = compilePolicy(
  `apiVersion: airlock/v1\nrules:\n  - id: quick\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: quick\n    approval: { deadline: 2s, timeout: approve }\n`,
  'quick.yaml',
);

const h = useSeededHarness({ deps: (db) => defaultActivityDeps(db, { current: () => QUICK }) });

describe('an edit under review as the deadline passes', () => {
  it('settles the round first: the tool runs the edit the records show', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const edited = { paymentId: 'pay_123', amount: '60.00', currency: 'USD', reason: 'partial' };
    // The review's last write (the action row) waits on this lock until the round has timed out.
    const lock = await h.db.pool.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM actions WHERE id = $1 FOR UPDATE', [actionId]);
    let edit: Promise<{ ok: boolean }> | undefined;
    try {
      edit = decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash, editedArgs: edited }).then(
        () => ({ ok: true }),
        (error: unknown) => ({ ok: false, error }),
      );
      // Until the round's deadline timer (its only timer) has fired in the workflow.
      while (!(await actionHandle(h.client, actionId).fetchHistory()).events?.some((e) => e.timerFiredEventAttributes)) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    const outcome = await awaitOutcome(h.client, actionId);
    expect(await edit).toMatchObject({ ok: true });
    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    const ran = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: `${actionId}:run` } });

    // The edit settled the round: its 60.00 ran, as the action's stored arguments say.
    expect(outcome.status).toBe('executed');
    expect(ran.map((e) => e.amount.toFixed(2))).toEqual(['60.00']);
    expect(action.args).toMatchObject({ amount: '60.00' });
  });
});
