import type { RecordedDecision } from '@airlock/core';
import { getActionStatus } from '@airlock/core/gateway';
import type { Db, StandingApproval } from '@airlock/db';
import type { Client } from '@temporalio/client';

// A worker answers the status query from the workflow's memory: bounded on its own, after the decision's wait ran out.
const HELD_QUERY_MS = 2_000;

/**
 * The grant an accepted approve-and-remember carries, once its decision writer has stored it; null if it has not by
 * `untilMs`. The workflow answers the decision only after the writer stored the grant (workflows/src/approval.ts), so
 * this is normally one read; it waits, rather than failing, should the answer ever come first.
 */
export async function grantWritten(db: Db, grantId: string, untilMs: number): Promise<StandingApproval | null> {
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 100)) {
    const grant = await db.prisma.standingApproval.findUnique({ where: { id: grantId } });
    const leftMs = untilMs - Date.now();
    if (grant || leftMs <= 0) return grant;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, leftMs)));
  }
}

/**
 * Whether the workflow holds the approval this person sent at `sentAtMs` in the action's round: Temporal accepted the
 * Update and the workflow listed it (it does so before the writer runs), so the decision and its grant stand and are
 * written once the writer gets through. False when no worker answers the query either: then nothing says the decision
 * arrived.
 */
export async function approvalHeld(temporal: Client, actionId: string, approverId: string, sentAtMs: number): Promise<boolean> {
  try {
    const status = await temporal.withDeadline(Date.now() + HELD_QUERY_MS, () => getActionStatus(temporal, actionId));
    return heldSince(status, approverId, sentAtMs);
  } catch {
    return false;
  }
}

/** The workflow's clock and ours may differ a little; a decision taken this long before we sent it is still ours. */
const CLOCK_ALLOWANCE_MS = 1_000;

/**
 * Whether the round lists an approval by `approverId` taken no earlier than `sentAtMs`: an approval of theirs from
 * before (a plain Approve, an earlier remember) is not this one, whose grant may never have reached the workflow. The
 * decision view carries no grant id, so its time tells them apart; a worker's clock far behind ours reads as not held,
 * the cautious answer (no worker confirmed it).
 */
export function heldSince(status: { approval?: { decisions: readonly RecordedDecision[] } }, approverId: string, sentAtMs: number): boolean {
  return status.approval?.decisions.some((d) => d.approverId === approverId && d.decision === 'approve' && Date.parse(d.decidedAt) >= sentAtMs - CLOCK_ALLOWANCE_MS) ?? false;
}
