import { DecisionRejectedError } from '@airlock/core/gateway';
import { OpsError, approveAndRemember, rememberAccepted, userOperator } from '@airlock/ops';
import { WorkflowNotFoundError } from '@temporalio/client';
import { decisionDeps } from '../../api/decision-deps.js';
import { apiContext } from '../../api/runtime-context.js';
import { consoleLogger } from '../../api/telemetry.js';
import { failed, ok, type Notice } from '../forms/notice.js';
import { ConsoleRememberForm, boundsFromForm } from './remember-form.js';
import type { Decider } from './decider.js';

/**
 * Approves an action and remembers it as a standing approval, from the console
 * (channel 'console'), through the one use case; the caller has checked origin and session, the use case the role.
 */
export async function consoleApproveAndRemember(user: Decider, fields: Record<string, unknown>): Promise<Notice> {
  const parsed = ConsoleRememberForm.safeParse(fields);
  if (!parsed.success) return failed(`The form was incomplete: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { actionId, argsHash, comment, maxUses, validForHours, reason } = parsed.data;
  const bounds = boundsFromForm(fields);
  try {
    const ctx = apiContext();
    const remembered = await approveAndRemember(decisionDeps(ctx), userOperator({ id: user.userId, role: user.role }, 'console'), {
      actionId,
      argsHash,
      bounds,
      maxUses,
      validForHours,
      ...(comment ? { comment } : {}),
      ...(reason ? { reason } : {}),
    });
    if (!remembered.stored) return ok(rememberAccepted(remembered.grantId));
    const { decision, standingApproval } = remembered;
    const runs = decision.approvalStatus === 'approved' ? 'The action runs now' : 'Waiting for more approvers';
    return ok(
      `Approved and remembered. ${runs}; standing approval ${standingApproval.id} covers up to ${standingApproval.maxUses} more when ${standingApproval.condition}, until ${standingApproval.validUntil.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    );
  } catch (error) {
    if (error instanceof DecisionRejectedError) return failed(`Not recorded, nothing remembered: ${error.message}.`);
    if (error instanceof WorkflowNotFoundError) return failed('Not recorded: that action no longer exists.');
    if (error instanceof OpsError) return failed(`Not recorded, nothing remembered: ${error.message}.`);
    consoleLogger().error({ err: error, actionId }, 'approve and remember failed');
    return failed('Not recorded: something went wrong on the server. Try again; the details are in the server log.');
  }
}
