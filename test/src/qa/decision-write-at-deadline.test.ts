import type { KillPoint } from '@airlock/activities';
import { workflowIdForAction } from '@airlock/core';
import { actionHandle, decideAction } from '@airlock/core/gateway';
import { compilePolicy } from '@airlock/policy';
import { Context } from '@temporalio/activity';
import { afterEach, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';
import { switchablePolicy } from '../support/switchable-policy.js';
import { roundEnd } from './round-end.js';

/**
 * A decision Temporal accepted before a round's deadline is counted once written. When its write is still in flight
 * as the deadline times the round out, it counts first: a deny then ends a `timeout: approve` round denied (the tool
 * does not run), an approval that reaches the quorum ends a `timeout: deny` round approved, and each decider's reply
 * says what the round became. The writes are held here (each attempt fails before writing, and Temporal retries it)
 * until the deadline's timer has fired in the workflow: the order comes from the hold, not from timing.
 */
const policy = switchablePolicy();

let holdWrites = false;
/** The decision writes held so far, by workflow and activity: each one is a decision Temporal accepted. */
const heldWrites = new Set<string>();

function holdDecisionWrites(point: KillPoint): void {
  if (!holdWrites || point !== 'decision.before-write') return;
  const { activityType, activityId, workflowExecution } = Context.current().info;
  if (activityType !== 'recordDecision') return;
  heldWrites.add(`${workflowExecution?.workflowId}/${activityId}`);
  throw new Error('decision write held (test)');
}

const h = useSeededHarness({ deps: (db) => ({ ...policy.deps(db), killPoint: holdDecisionWrites }) });

afterEach(() => {
  holdWrites = false;
  heldWrites.clear();
  policy.reset();
});

/** One rule for the refund, with a deadline of 6 s: room for the decisions before it on a busy machine. */
function deadlinePolicy(name: string, approval: string): void {
  policy.use(
    compilePolicy(
      `apiVersion: airlock/v1\nrules:\n  - id: ${name}\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: ${name}\n    approval: ${approval}\n`,
      `${name}.yaml`,
    ),
  );
}

const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
  for (const stopAt = Date.now() + 30_000; !(await condition()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > stopAt) throw new Error(`timed out waiting for ${what}`);
  }
};

/**
 * Submits a refund, sends `decisions` with their writes held, waits until Temporal accepted each (its write was
 * attempted) and the round's deadline timer (its only timer) has fired, then lets the writes through.
 */
async function decidedAtTheDeadline(decisions: readonly { approverId: string; decision: 'approve' | 'deny' }[]) {
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  holdWrites = true;
  const replies = decisions.map((d) => decideAction(h.client, actionId, { ...d, channel: 'api', argsHash }));
  try {
    await until(() => [...heldWrites].filter((w) => w.startsWith(`${workflowIdForAction(actionId)}/`)).length === decisions.length, 'the decisions to be accepted');
    await until(async () => (await actionHandle(h.client, actionId).fetchHistory()).events?.some((e) => e.timerFiredEventAttributes) ?? false, 'the deadline to pass');
  } finally {
    holdWrites = false;
  }
  const answers = await Promise.all(replies);
  return { ...(await roundEnd(h, actionId)), answers };
}

describe('a decision still being written when the deadline times the round out', () => {
  it('a deny at a timeout: approve deadline ends the round denied: the tool does not run, and the decider is told denied', async () => {
    deadlinePolicy('deny-in-flight', '{ deadline: 6s, timeout: approve }');
    const { outcome, answers, ran, approval, closing } = await decidedAtTheDeadline([{ approverId: 'alice', decision: 'deny' }]);
    expect(outcome).toMatchObject({ status: 'denied', deniedBy: 'alice' });
    expect(ran).toBe(0);
    expect(answers).toEqual([expect.objectContaining({ approvalStatus: 'denied' })]);
    expect(approval.status).toBe('denied');
    expect(closing?.type).toBe('approval.denied');
  });

  it('approvals reaching the quorum at a timeout: deny deadline end the round approved: the tool runs, and the deciders are told approved', async () => {
    deadlinePolicy('approvals-in-flight', '{ quorum: 2, deadline: 6s, timeout: deny }');
    const { outcome, answers, ran, approval, closing } = await decidedAtTheDeadline([
      { approverId: 'alice', decision: 'approve' },
      { approverId: 'bob', decision: 'approve' },
    ]);
    expect(outcome.status).toBe('executed');
    expect(ran).toBe(1);
    expect(answers.map((a) => a.approvalStatus)).toEqual(['approved', 'approved']);
    expect(approval.status).toBe('approved');
    expect(closing?.type).toBe('approval.approved');
  });

  it('control: with nothing being written, a timeout: approve round times out at its deadline and runs', async () => {
    deadlinePolicy('nothing-in-flight', '{ deadline: 6s, timeout: approve }');
    const { outcome, answers, ran, approval, closing } = await decidedAtTheDeadline([]);
    expect(outcome.status).toBe('executed');
    expect(ran).toBe(1);
    expect(answers).toEqual([]);
    expect(approval.status).toBe('expired');
    expect(closing?.type).toBe('approval.timed_out');
  });
});
