import { approverStanding, type ApproverStanding } from '@airlock/core/approver-standing';
import type { Role } from '@airlock/core/risk';
import type { Db } from './client.js';

/** A person's standing in a round as things stand now: `inactive` for a disabled (or unknown) account. */
export type StandingNow = ApproverStanding | { kind: 'inactive' };

export interface PersonStandingNow {
  id: string;
  /** Null for an unknown account. */
  role: Role | null;
  groups: string[];
  standing: StandingNow;
}

/** A round's requirement and the standing now of the people asked about, in the order asked. */
export interface RoundStandingNow {
  approvalId: string;
  requirement: { approverRole: Role; approverGroup?: string };
  people: PersonStandingNow[];
}

interface StandingRow {
  action_id: string;
  approval_id: string;
  approver_role: Role;
  approver_group: string | null;
  requested_by: string | null;
  owner_id: string | null;
  escalated_to: string[];
  id: string | null;
  role: Role | null;
  groups: string[] | null;
  disabled_at: Date | null;
}

// Each action's round (the one named, else the action's latest open one) with the escalation targets it reached so far
// (`approval.escalated` rows, written before the workflow widens the round), the action's parties now (the agent's
// owner may have changed), and the people asked about as they are now: one row each (one row of nulls if none exists).
const STANDING_NOW = `
  SELECT a.id AS action_id, ap.id AS approval_id, ap.approver_role::text AS approver_role, ap.approver_group, a.requested_by, ag.owner_id,
         COALESCE((SELECT array_agg(e.payload->>'to') FROM audit_events e
                    WHERE e.action_id = a.id AND e.type = 'approval.escalated' AND e.payload->>'approvalId' = ap.id), '{}') AS escalated_to,
         u.id, u.role::text AS role, u.groups, u.disabled_at
  FROM actions a
  JOIN LATERAL (SELECT id, approver_role, approver_group FROM approvals
                 WHERE action_id = a.id AND (id = $3::text OR ($3::text IS NULL AND status = 'open'))
                 ORDER BY round DESC LIMIT 1) ap ON true
  LEFT JOIN agents ag ON ag.id = a.agent_id
  LEFT JOIN users u ON u.id = ANY($2::text[])
  WHERE a.id = ANY($1::text[])`;

/**
 * Who of `userIds` may decide a round now, by the one rule (`approverStanding`) against the round's role and group,
 * the escalations it took so far, the action's requester and the agent's current owner; a disabled account may decide
 * nothing. The round is `approvalId`, or the action's latest open round; undefined when there is no such round. The
 * decision use case refuses a person who lost standing since the round opened; the workflow stops counting them as
 * a vote still to come at a deadline that times the round out; the console offers no form such a person could send.
 */
export async function approverStandingNow(db: Db, actionId: string, userIds: readonly string[], approvalId?: string): Promise<RoundStandingNow | undefined> {
  return (await standingsNow(db, [actionId], userIds, approvalId)).get(actionId);
}

/**
 * `approverStandingNow` for many actions' latest open rounds in one read, by action id (an action without an open
 * round is absent): the console's inbox asks it once for a page of rows.
 */
export async function approverStandingNowByAction(db: Db, actionIds: readonly string[], userIds: readonly string[]): Promise<Map<string, RoundStandingNow>> {
  return actionIds.length === 0 ? new Map() : standingsNow(db, actionIds, userIds);
}

async function standingsNow(db: Db, actionIds: readonly string[], userIds: readonly string[], approvalId?: string): Promise<Map<string, RoundStandingNow>> {
  const { rows } = await db.pool.query<StandingRow>(STANDING_NOW, [[...actionIds], [...userIds], approvalId ?? null]);
  const byAction = new Map<string, StandingRow[]>();
  for (const row of rows) byAction.set(row.action_id, [...(byAction.get(row.action_id) ?? []), row]);
  return new Map([...byAction].map(([actionId, actionRows]) => [actionId, roundStanding(actionRows, userIds)]));
}

/** One action's rows (its round, once per person found) as the round's requirement and each person's standing. */
function roundStanding(rows: StandingRow[], userIds: readonly string[]): RoundStandingNow {
  const round = rows[0]!;
  const requirement = { approverRole: round.approver_role, ...(round.approver_group ? { approverGroup: round.approver_group } : {}) };
  const parties = { requestedBy: round.requested_by, ownerId: round.owner_id };
  const found = new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, r]));
  const people = userIds.map((id): PersonStandingNow => {
    const user = found.get(id);
    if (!user?.role) return { id, role: null, groups: [], standing: { kind: 'inactive' } };
    const groups = user.groups ?? [];
    const standing: StandingNow = user.disabled_at ? { kind: 'inactive' } : approverStanding({ id, role: user.role, groups }, requirement, parties, round.escalated_to);
    return { id, role: user.role, groups, standing };
  });
  return { approvalId: round.approval_id, requirement, people };
}
