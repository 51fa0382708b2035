import type { StandingApprovalDraft } from '@airlock/core';
import { appendAuditIn, grantValidUntil, grantedAuditPayload, inTransaction, insertStandingApprovalIn, type Db } from '@airlock/db';

export interface RememberedGrant {
  actionId: string;
  approverId: string;
  /** The decision's time (from workflow history): every retry computes the same window. */
  decidedAt: string;
  draft: StandingApprovalDraft;
}

/**
 * Writes the standing approval an approver remembered with their decision, and
 * its audit row, in one transaction. Called by the decision writer, which runs
 * only once Temporal accepted the decision and is retried until it succeeds: the
 * grant exists exactly when the decision does. Idempotent on the grant's id.
 */
export async function writeRememberedGrant(db: Db, input: RememberedGrant): Promise<void> {
  const { draft, actionId, approverId } = input;
  const validFrom = new Date(input.decidedAt);
  await inTransaction(db, async (client) => {
    const { grant, inserted } = await insertStandingApprovalIn(client, {
      id: draft.grantId,
      agentId: draft.agentId,
      tool: draft.tool,
      condition: draft.condition,
      reason: draft.reason,
      grantedBy: approverId,
      validFrom,
      validUntil: grantValidUntil(validFrom, draft.validForHours),
      maxUses: draft.maxUses,
    });
    if (!inserted) return;
    await appendAuditIn(client, {
      eventKey: `standing-approval:${grant.id}:granted`,
      actionId,
      type: 'standing_approval.granted',
      actor: `user:${approverId}`,
      payload: { ...grantedAuditPayload(grant), fromActionId: actionId },
    });
  });
}
