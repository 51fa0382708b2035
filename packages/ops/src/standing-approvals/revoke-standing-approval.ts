import { GRANT_COLUMNS, toStandingApproval, type StandingApproval, type StandingApprovalSqlRow } from '@airlock/db';
import { z } from 'zod';
import { notFound } from '../errors.js';
import { RecordId } from '../fields.js';
import { defineUseCase, type UseCaseOutcome } from '../use-case.js';

export const RevokeStandingApprovalInput = z.strictObject({ id: RecordId });

/**
 * Revokes a grant at once (approver): every use re-checks revocation. A repeat
 * records nothing. `wasActive`: it was usable (in its window, uses left) until now.
 */
export const revokeStandingApproval = defineUseCase({
  name: 'standing_approval.revoke',
  role: 'approver',
  input: RevokeStandingApprovalInput,
  async write(tx, input, operator): Promise<UseCaseOutcome<{ standingApproval: StandingApproval; wasActive: boolean }>> {
    const found = await tx.query<StandingApprovalSqlRow>(`SELECT ${GRANT_COLUMNS} FROM standing_approvals WHERE id::text = $1 FOR UPDATE`, [input.id]);
    if (!found.rows[0]) throw notFound('no standing approval with this id', 'id');
    const before = toStandingApproval(found.rows[0]);
    if (before.revokedAt) return { result: { standingApproval: before, wasActive: false }, audit: null };
    const now = new Date();
    const { rows } = await tx.query<StandingApprovalSqlRow>(`UPDATE standing_approvals SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING ${GRANT_COLUMNS}`, [
      before.id,
      now,
      operator.userId ?? operator.actor,
    ]);
    const after = toStandingApproval(rows[0]!);
    const wasActive = before.validFrom <= now && before.validUntil > now && before.uses < before.maxUses;
    return {
      result: { standingApproval: after, wasActive },
      audit: {
        type: 'standing_approval.revoked',
        eventKey: `standing-approval:${after.id}:revoked`,
        payload: { grantId: after.id, agentId: after.agentId, tool: after.tool, uses: after.uses, maxUses: after.maxUses },
      },
    };
  },
});
