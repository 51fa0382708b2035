import { DecisionRejectedError } from '@airlock/core/gateway';
import { approverStandingNow, type Db } from '@airlock/db';

/**
 * Refuses a person who may no longer decide the action's open round, as things stand now. The
 * workflow fixes a round's approvers when it opens (a person made an approver later decides later
 * rounds), but a right taken away since holds from the next request on: a demotion, removal from the
 * round's group, being handed the requesting agent, a disabled account. So the workflow's snapshot
 * only ever narrows; the same rule decides both (`approverStandingNow`, which the workflow also asks
 * at a deadline that times the round out). Without an open round there is nothing to check here: the
 * workflow says why it takes no decision.
 */
export async function refuseLostStanding(db: Db, actionId: string, userId: string): Promise<void> {
  const round = await approverStandingNow(db, actionId, [userId]);
  const person = round?.people[0];
  if (!round || !person) return;
  const { standing } = person;
  if (standing.kind === 'inactive') throw new DecisionRejectedError(`${userId} is not an active Airlock user`);
  if (standing.kind === 'excluded') throw new DecisionRejectedError(`${userId} ${standing.reason}, so someone else must approve it`);
  if (standing.kind === 'not_qualified') {
    const { approverRole, approverGroup } = round.requirement;
    const needs = `the ${approverRole} role or higher${approverGroup ? ` in ${approverGroup}` : ''}`;
    const is = `${person.role}${person.groups.length ? ` in ${person.groups.join(', ')}` : ''}`;
    throw new DecisionRejectedError(`${userId} may not decide this round: it needs ${needs}, and ${userId} is ${is}`);
  }
}
