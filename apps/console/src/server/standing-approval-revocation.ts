import { revokeStandingApproval, type Db } from '@airlock/db';
import { ApiError } from './errors.js';
import { auditUserChange } from './user-audit.js';
import { toStandingApprovalView } from './views.js';
import type { StandingApprovalRevocation } from './schemas.js';

/**
 * Revokes a grant at once (every use re-checks revocation) and audits it as the
 * person whose revocation took effect. Idempotent: a repeat records nothing new.
 */
export async function revokeGrant(db: Db, grantId: string, userId: string): Promise<StandingApprovalRevocation> {
  const before = await db.prisma.standingApproval.findUnique({ where: { id: grantId } });
  if (!before) throw new ApiError(404, 'not_found', 'no standing approval with this id');
  const wasActive = await revokeStandingApproval(db, { id: before.id, revokedBy: userId });
  const after = await db.prisma.standingApproval.findUniqueOrThrow({ where: { id: before.id } });
  if (before.revokedAt === null && after.revokedBy !== null) {
    // Named after whoever's revocation took effect: with two at once, only the first changed anything.
    await auditUserChange(db, after.revokedBy, {
      eventKey: `standing-approval:${after.id}:revoked`,
      type: 'standing_approval.revoked',
      payload: { grantId: after.id, agentId: after.agentId, tool: after.tool, uses: after.uses, maxUses: after.maxUses },
    });
  }
  return { standingApproval: toStandingApprovalView(after), wasActive };
}
