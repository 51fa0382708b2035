import { approverStanding, type Role } from '@airlock/core';
import { DecisionRejectedError } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';

interface DeciderNowRow {
  role: Role | null;
  groups: string[] | null;
  disabled_at: Date | null;
  requested_by: string | null;
  owner_id: string | null;
  approver_role: Role | null;
  approver_group: string | null;
  escalated_to: string[];
}

// The person, the action's parties now (the agent's owner may have changed), and its open round with the
// escalation targets reached so far (`approval.escalated` rows, written before the workflow widens the round).
const DECIDER_NOW = `
  SELECT u.role::text AS role, u.groups, u.disabled_at, a.requested_by, ag.owner_id,
         ap.approver_role::text AS approver_role, ap.approver_group,
         COALESCE((SELECT array_agg(e.payload->>'to') FROM audit_events e
                    WHERE e.action_id = a.id AND e.type = 'approval.escalated' AND e.payload->>'approvalId' = ap.id), '{}') AS escalated_to
  FROM actions a
  JOIN LATERAL (SELECT id, approver_role, approver_group FROM approvals WHERE action_id = a.id AND status = 'open' ORDER BY round DESC LIMIT 1) ap ON true
  LEFT JOIN agents ag ON ag.id = a.agent_id
  LEFT JOIN users u ON u.id = $2
  WHERE a.id = $1`;

/**
 * Refuses a person who may no longer decide the action's open round, as things stand now. The
 * workflow fixes a round's approvers when it opens (a person made an approver later decides later
 * rounds), but a right taken away since holds from the next request on: a demotion, removal from the
 * round's group, being handed the requesting agent, a disabled account. So the workflow's snapshot
 * only ever narrows; the same rule decides both (`approverStanding`). Without an open round there is
 * nothing to check here: the workflow says why it takes no decision.
 */
export async function refuseLostStanding(db: Db, actionId: string, userId: string): Promise<void> {
  const row = (await db.pool.query<DeciderNowRow>(DECIDER_NOW, [actionId, userId])).rows[0];
  if (!row?.approver_role) return;
  if (!row.role || row.disabled_at) throw new DecisionRejectedError(`${userId} is not an active Airlock user`);
  const requirement = { approverRole: row.approver_role, ...(row.approver_group ? { approverGroup: row.approver_group } : {}) };
  const standing = approverStanding(
    { id: userId, role: row.role, groups: row.groups ?? [] },
    requirement,
    { requestedBy: row.requested_by, ownerId: row.owner_id },
    row.escalated_to,
  );
  if (standing.kind === 'excluded') throw new DecisionRejectedError(`${userId} ${standing.reason}, so someone else must approve it`);
  if (standing.kind === 'not_qualified') {
    const needs = `the ${row.approver_role} role or higher${row.approver_group ? ` in ${row.approver_group}` : ''}`;
    const is = `${row.role}${row.groups?.length ? ` in ${row.groups.join(', ')}` : ''}`;
    throw new DecisionRejectedError(`${userId} may not decide this round: it needs ${needs}, and ${userId} is ${is}`);
  }
}
