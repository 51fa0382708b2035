import { approverStanding, type ApprovalRequirement, type Candidate, type EligibleApprover } from '@airlock/core';
import type { Db } from '@airlock/db';
import type pg from 'pg';

export interface ApproverSet {
  eligibleApprovers: EligibleApprover[];
  /** People who would qualify but may not decide, and why (separation of duties): a phrase that follows their id ("requested this action"). */
  excluded: { id: string; reason: string }[];
}

// The rule itself lives in core: the decision use case checks it again when a person decides.
export { approverStanding, type ActionParties, type ApproverStanding, type Candidate } from '@airlock/core';

/** Who may decide a round, and who qualifies but is excluded, given the people and the action. */
export interface ApproverQuery {
  requirement: ApprovalRequirement;
  agentId: string;
  requestedBy?: string | undefined;
  escalatedTo?: readonly string[];
}

/** Everyone who may decide a round, and who qualifies but is excluded: active people only (a disabled one decides nothing, so is no vote still to come). */
export async function resolveApprovers(db: Db, input: ApproverQuery): Promise<ApproverSet> {
  const agent = await db.prisma.agent.findUnique({ where: { id: input.agentId }, select: { ownerId: true } });
  const users = await db.prisma.user.findMany({ where: { disabledAt: null }, select: { id: true, role: true, groups: true }, orderBy: { id: 'asc' } });
  return approverSet(users, input, agent?.ownerId);
}

/** The same, inside a transaction that already knows the agent's owner (admission: one plain statement). */
export async function resolveApproversIn(client: Pick<pg.PoolClient, 'query'>, input: ApproverQuery, ownerId: string | null | undefined): Promise<ApproverSet> {
  const { rows } = await client.query<Candidate>('SELECT id, role, groups FROM users WHERE disabled_at IS NULL ORDER BY id');
  return approverSet(rows, input, ownerId);
}

function approverSet(users: readonly Candidate[], input: ApproverQuery, ownerId: string | null | undefined): ApproverSet {
  const parties = { requestedBy: input.requestedBy, ownerId };
  const result: ApproverSet = { eligibleApprovers: [], excluded: [] };
  for (const user of users) {
    const standing = approverStanding(user, input.requirement, parties, input.escalatedTo);
    if (standing.kind === 'excluded') result.excluded.push({ id: user.id, reason: standing.reason });
    else if (standing.kind === 'eligible') result.eligibleApprovers.push({ id: user.id, role: user.role });
  }
  return result;
}
