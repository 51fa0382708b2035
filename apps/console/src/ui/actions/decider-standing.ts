import { roleAtLeast, type Role } from '@airlock/core';
import type { Db, PersonStandingNow } from '@airlock/db';

/**
 * Why a signed-in person has nothing to decide on an open round: the one wording the inbox
 * and the action page share, so neither offers a form the workflow can only refuse.
 */
export const CANNOT_DECIDE = {
  requested: 'You asked for this action: another approver decides it.',
  owner: 'You own the agent that asked for this action: another approver decides it.',
  decided: 'You have decided this round; it waits for the other approvers.',
  viewer: (role: Role) => `Your role (${role}) may view this action but not decide it.`,
  notApprover: (requirement: RoundRequirement) =>
    `You are not among the approvers of this round (${requirement.approverRole} role or higher${requirement.approverGroup ? ` in ${requirement.approverGroup}` : ''}, fixed when it opened): another approver decides it.`,
  inactive: 'Your account is not active now, so it decides nothing: another approver decides it.',
  lost: (requirement: RoundRequirement, now: DeciderNow) =>
    `You may no longer decide this round: it needs the ${requirement.approverRole} role or higher${requirement.approverGroup ? ` in ${requirement.approverGroup}` : ''}, and you are now ${now.role ?? 'no user'}${now.groups.length ? ` in ${now.groups.join(', ')}` : ''}. Another approver decides it.`,
} as const;

/** The person's standing in the round as things stand now (`approverStandingNow`, the rule the server refuses a decision by). */
export type DeciderNow = Pick<PersonStandingNow, 'standing' | 'role' | 'groups'>;

/** What the console keeps of a person's standing as `approverStandingNow` read it; null when it was not read. */
export const deciderNow = (person: PersonStandingNow | undefined): DeciderNow | null => (person ? { standing: person.standing, role: person.role, groups: person.groups } : null);

export interface RoundRequirement {
  approverRole: Role;
  approverGroup: string | null;
}

export interface DeciderQuestion {
  user: { userId: string; role: Role };
  round: RoundRequirement & {
    /** Who may decide it as the workflow fixed it (at opening, widened by escalation); null when no record of it was found. */
    eligible: readonly string[] | null;
    decidedBy: readonly string[];
  };
  requestedBy: string | null;
  /** The requesting agent's owner. */
  ownerId: string | null;
  /** The person's approver groups: only read when the round's eligible approvers are unknown. */
  groups?: readonly string[];
  /** Their standing now; null or absent when it was not read (no open round). */
  now?: DeciderNow | null;
}

/**
 * Why this person cannot decide the round, or undefined when they may. Follows the workflow's
 * rule (`approverStanding` in @airlock/core, `validateDecision`): the requester and the
 * agent's owner never decide; otherwise only the round's eligible approvers, each once. Then the
 * decision use case's (`refuseLostStanding`): a right lost since the round opened (a demotion, removal
 * from its group, being handed the agent, a disabled account) is refused, so `now` is asked too.
 */
export function whyCannotDecide({ user, round, requestedBy, ownerId, groups, now }: DeciderQuestion): string | undefined {
  if (!roleAtLeast(user.role, 'approver')) return CANNOT_DECIDE.viewer(user.role);
  const eligible = round.eligible === null ? undefined : round.eligible.includes(user.userId);
  // User ids are stored lower case; the agent may write its requester's id in any case, as the rule reads it.
  const requested = requestedBy?.toLowerCase() === user.userId;
  if (eligible !== true) {
    if (requested) return CANNOT_DECIDE.requested;
    if (ownerId === user.userId) return CANNOT_DECIDE.owner;
  }
  const qualified = eligible ?? (roleAtLeast(user.role, round.approverRole) && (!round.approverGroup || groups === undefined || groups.includes(round.approverGroup)));
  if (!qualified) return CANNOT_DECIDE.notApprover(round);
  if (round.decidedBy.includes(user.userId)) return CANNOT_DECIDE.decided;
  switch (now?.standing.kind) {
    case 'inactive':
      return CANNOT_DECIDE.inactive;
    case 'excluded':
      return requested ? CANNOT_DECIDE.requested : CANNOT_DECIDE.owner;
    case 'not_qualified':
      return CANNOT_DECIDE.lost(round, now);
    default:
      return undefined;
  }
}

/** What an inbox row knows of its round: enough to say why the signed-in person may not decide it. */
export interface DeciderRow extends RoundRequirement {
  eligible: string[] | null;
  decidedBy: string[];
  requestedBy: string | null;
  ownerId: string | null;
  standingNow: DeciderNow | null;
}

/** `whyCannotDecide` for an inbox row: the action page's words, on a row the server would refuse this person anyway. */
export function whyCannotDecideRow(row: DeciderRow, user: DeciderQuestion['user']): string | undefined {
  return whyCannotDecide({
    user,
    round: { approverRole: row.approverRole, approverGroup: row.approverGroup, eligible: row.eligible, decidedBy: row.decidedBy },
    requestedBy: row.requestedBy,
    ownerId: row.ownerId,
    now: row.standingNow,
  });
}

const ROUND_EVENTS = ['approval.opened', 'approval.escalated'];

/**
 * Each round's eligible approvers as the workflow fixed them, by approval id: the last
 * `approval.opened` or `approval.escalated` row naming it (escalation widens the set).
 * Reads the (action_id, seq) index.
 */
export async function eligibleApprovers(db: Db, actionIds: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (actionIds.length === 0) return found;
  const events = await db.prisma.auditEvent.findMany({
    where: { actionId: { in: [...actionIds] }, type: { in: ROUND_EVENTS } },
    orderBy: { seq: 'asc' },
    select: { payload: true },
  });
  for (const { payload } of events) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) continue;
    const { approvalId, eligibleApprovers: ids } = payload as Record<string, unknown>;
    if (typeof approvalId === 'string' && Array.isArray(ids))
      found.set(
        approvalId,
        ids.filter((id): id is string => typeof id === 'string'),
      );
  }
  return found;
}
