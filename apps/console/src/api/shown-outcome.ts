import type { ActionOutcome, ActionStatusView } from '@airlock/core';
import type { Principal } from './auth.js';
import type { ApiContext } from './context.js';
import { withStoredArgs } from './shown-authorization.js';
import { storedOutcome } from './views.js';

/**
 * The workflow's live view as its caller may see it. The workflow holds the agent's arguments and its tool's output,
 * error or reason as they were: the agent's own key gets them so. A person's key gets what the database holds in
 * their place, redacted: the authorization's arguments as stored (shownAuthorization) and the outcome as recorded,
 * none while it is being recorded (phase `completing`). Reasons and plan steps are already redacted at admission.
 */
export async function shownStatus(ctx: ApiContext, principal: Principal, status: ActionStatusView): Promise<ActionStatusView> {
  if (principal.kind === 'agent') return status;
  const row = await ctx.db.prisma.action.findUnique({ where: { id: status.actionId }, select: { args: true, outcome: true } });
  const { outcome, authorization, ...rest } = status;
  // No row: refused before admission (an unknown agent), nothing ran; the outcome is Airlock's own words.
  const shown = row ? storedOutcome(row.outcome) : (outcome ?? null);
  return {
    ...rest,
    ...(authorization ? { authorization: withStoredArgs(authorization, status.actionId, row?.args) } : {}),
    ...(shown ? { outcome: shown } : {}),
  };
}

/**
 * The outcome a wait on the workflow's result answered, as its caller may see it: the agent's own key gets it as
 * the workflow returned it, a person's key as recorded (redacted). The workflow returns only once its outcome is
 * recorded; none is when it was refused before admission or ended without its completion step (terminated):
 * then the answer is Airlock's own words, no tool's.
 */
export async function shownOutcome(ctx: ApiContext, principal: Principal, actionId: string, answer: ActionOutcome): Promise<ActionOutcome> {
  if (principal.kind === 'agent') return answer;
  const row = await ctx.db.prisma.action.findUnique({ where: { id: actionId }, select: { outcome: true } });
  return (row && storedOutcome(row.outcome)) ?? answer;
}
