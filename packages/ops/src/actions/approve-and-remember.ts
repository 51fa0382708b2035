import { randomUUID } from 'node:crypto';
import { ApprovalDecision, PLAN_TOOL, roleAtLeast, type DecideResult } from '@airlock/core';
import { DecisionRejectedError } from '@airlock/core/gateway';
import { inTransaction, type StandingApproval } from '@airlock/db';
import { z } from 'zod';
import { OpsError, fromZodError, invalidField, notFound } from '../errors.js';
import { Reason, RecordId } from '../fields.js';
import type { Operator } from '../operator.js';
import { GrantStandingApprovalInput, PLAN_NOT_GRANTABLE, checkGrant } from '../standing-approvals/grant-standing-approval.js';
import { requireRole } from '../use-case.js';
import { DEFAULT_DECISION_WAIT_MS, sendDecision, type DecisionDeps } from './decide.js';
import { approvalHeld, grantWritten } from './remember-wait.js';
import { explainRefusal } from './round-closed.js';
import { RememberBound, conditionFromBounds } from './remember-bounds.js';

export const ApproveAndRememberInput = z.strictObject({
  actionId: RecordId,
  /** Binds the approval to the exact arguments the approver saw. */
  argsHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex argsHash of the action'),
  comment: ApprovalDecision.shape.comment,
  /** Bounds on this action's arguments; none: any arguments of this tool for this agent. */
  bounds: z.array(RememberBound).max(20),
  maxUses: GrantStandingApprovalInput.shape.maxUses,
  validForHours: GrantStandingApprovalInput.shape.validForHours,
  /** Defaults to "remembered from action <id>". */
  reason: Reason.optional(),
});
export type ApproveAndRememberInput = z.input<typeof ApproveAndRememberInput>;

/**
 * Stored: the decision as the workflow recorded it and the grant written with it. Not stored (yet): Temporal accepted
 * the approval, and the workflow holds it, but its writer had not stored the decision and grant within the wait (a
 * loaded or retrying worker); both are written, under `grantId`, once it does. Not a failure: deciding again is refused.
 */
export type RememberedApproval = { stored: true; decision: DecideResult; standingApproval: StandingApproval } | { stored: false; actionId: string; grantId: string };

/**
 * Approves one action and remembers it as a standing approval for its agent and
 * tool, scoped by bounds on its arguments, a number of uses and an expiry
 * (approver). Everything that could refuse the grant is checked before anything
 * is decided: the grant use case's own checks (not the agent's owner, condition
 * compiles), the bounds, and that this approver could approve such actions alone
 * (role and group of the round; a round needing several approvers cannot be
 * remembered, nor can a plan: its steps cannot be bound). The decision then carries the grant to the workflow, whose
 * decision writer stores both, with their audit rows, only once Temporal has
 * accepted the decision: a refused decision (self-approval, already decided,
 * different arguments) leaves no grant. One the workflow holds but had not
 * stored when the wait ran out (a loaded worker) is answered as accepted, with
 * the grant's id (`stored: false`), not as a failure: the writer stores both.
 */
export async function approveAndRemember(deps: DecisionDeps, operator: Operator, raw: unknown): Promise<RememberedApproval> {
  await requireRole(deps, operator, 'approver', 'action.approve_and_remember');
  if (!operator.userId) throw new OpsError('forbidden', 'a decision needs a person: name the approver (--by)');
  const parsed = ApproveAndRememberInput.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  const input = parsed.data;

  const action = await deps.db.prisma.action.findUnique({
    where: { id: input.actionId },
    select: {
      agentId: true,
      tool: true,
      args: true,
      approvals: { where: { status: 'open' }, orderBy: { round: 'desc' }, take: 1, select: { requiredApprovals: true, approverRole: true, approverGroup: true } },
    },
  });
  if (!action) throw notFound(`no action "${input.actionId}"`, 'actionId');
  // Said first: no bound, role or round makes a plan rememberable.
  if (action.tool === PLAN_TOOL) throw invalidField('tool', PLAN_NOT_GRANTABLE);
  const round = action.approvals[0];
  if (!round) throw await explainRefusal(deps.db, input.actionId, operator.userId, new DecisionRejectedError('the action is not awaiting a decision', true), Date.now());
  if (round.requiredApprovals > 1) {
    throw new OpsError('conflict', `this action needs ${round.requiredApprovals} approvals; a standing approval only covers actions one person may approve`);
  }
  if (!roleAtLeast(operator.role, round.approverRole)) {
    throw new OpsError('forbidden', `approving this action needs the ${round.approverRole} role or higher, and ${operator.userId} is ${operator.role}`);
  }
  if (round.approverGroup) {
    const user = await deps.db.prisma.user.findUnique({ where: { id: operator.userId }, select: { groups: true } });
    if (!user?.groups.includes(round.approverGroup)) throw new OpsError('forbidden', `approving this action needs a member of ${round.approverGroup}`);
  }

  const args = action.args !== null && typeof action.args === 'object' && !Array.isArray(action.args) ? (action.args as Record<string, unknown>) : {};
  const parsedGrant = GrantStandingApprovalInput.safeParse({
    agentId: action.agentId,
    tool: action.tool,
    condition: conditionFromBounds(args, input.bounds),
    reason: input.reason ?? `remembered from action ${input.actionId}`,
    validForHours: input.validForHours,
    maxUses: input.maxUses,
  });
  // The grant's condition is built from the bounds (a long argument bound `same` makes a long one): its limits are the bounds' to say.
  if (!parsedGrant.success) throw grantRefusal(parsedGrant.error);
  const grant = parsedGrant.data;
  // The grant use case's checks, said before deciding: a refused grant decides nothing.
  await inTransaction(deps.db, (tx) => checkGrant(tx, grant, operator));

  const grantId = randomUUID();
  const untilMs = Date.now() + (deps.waitMs ?? DEFAULT_DECISION_WAIT_MS);
  const accepted = { stored: false, actionId: input.actionId, grantId } as const;
  let decided: DecideResult;
  const sentAtMs = Date.now();
  try {
    decided = await sendDecision(deps, operator, input.actionId, {
      decision: 'approve',
      argsHash: input.argsHash,
      ...(input.comment ? { comment: input.comment } : {}),
      standingApproval: { grantId, ...grant },
    });
  } catch (error) {
    // The wait ran out while the writer was still at it: the workflow holds the approval, so it stands (deciding
    // again is refused as already approved) and so will the grant. Said as accepted, not as "no worker".
    if (error instanceof OpsError && error.code === 'unavailable' && (await approvalHeld(deps.temporal, input.actionId, operator.userId, sentAtMs))) return accepted;
    throw error;
  }
  const standingApproval = await grantWritten(deps.db, grantId, untilMs);
  return standingApproval ? { stored: true, decision: decided, standingApproval } : accepted;
}

/** What every channel says of an approval accepted but not stored within the wait. */
export function rememberAccepted(grantId: string): string {
  return `Approved: the workflow holds your approval, but a worker had not stored it within the wait. Your approval and standing approval ${grantId} are stored when the run records them; there is nothing to decide again.`;
}

/** The grant this approval would give, refused before anything is decided: what the condition breaks is named as `bounds`. */
function grantRefusal(error: z.ZodError): OpsError {
  const refused = fromZodError(error);
  const issues = refused.issues.map((issue) =>
    issue.path === 'condition' ? { path: 'bounds', message: `the standing approval's condition these bounds make is too long: ${issue.message}` } : issue,
  );
  return new OpsError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}
