import { DecisionRejectedError } from '@airlock/core/gateway';
import { WorkflowNotFoundError } from '@temporalio/client';
import { OpsError, decide, userOperator } from '@airlock/ops';
import { ApiError } from '../../api/errors.js';
import { decisionDeps } from '../../api/decision-deps.js';
import { apiContext } from '../../api/runtime-context.js';
import { consoleLogger } from '../../api/telemetry.js';
import { ConsoleDecisionForm } from './decision-form.js';
import { parseEditedArgs } from './edit-check.js';
import { failed, ok, type Notice } from '../forms/notice.js';
import type { Decider } from './decider.js';

/**
 * Records a person's decision from the console (channel 'console'); the caller has checked origin and session, the
 * use case checks the role (auditing a refusal) and then the edit against the tool's schema.
 */
export async function consoleDecision(user: Decider, fields: Record<string, unknown>): Promise<Notice> {
  const parsed = ConsoleDecisionForm.safeParse(fields);
  if (!parsed.success) return failed(`The form was incomplete: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { actionId, decision, argsHash, comment } = parsed.data;
  // Feedback is guidance for the model after a denial; with an approval it would go nowhere.
  const feedback = decision === 'deny' ? parsed.data.feedback : undefined;
  try {
    const editedArgs = decision === 'approve' ? parseEditedArgs(parsed.data.editedArgs) : undefined;
    const ctx = apiContext();
    const result = await decide(decisionDeps(ctx), userOperator({ id: user.userId, role: user.role }, 'console'), {
      actionId,
      decision,
      argsHash,
      comment,
      feedback,
      ...(editedArgs ? { editedArgs } : {}),
    });
    if (decision === 'deny') return ok('Denied. The agent receives your reason and feedback.');
    if (result.approvalStatus === 'approved') return ok(`Approved (${result.approvalsSoFar} of ${result.requiredApprovals}). The action runs now.`);
    if (editedArgs && result.approvalsSoFar === 0) return ok('Your edit opened a new approval round: the edited arguments need a fresh decision.');
    return ok(`Approval recorded (${result.approvalsSoFar} of ${result.requiredApprovals}); waiting for more approvers.`);
  } catch (error) {
    if (error instanceof DecisionRejectedError) return failed(`Not recorded: ${error.message}.`);
    if (error instanceof WorkflowNotFoundError) return failed('Not recorded: that action no longer exists.');
    if (error instanceof ApiError || error instanceof OpsError) return failed(`Not recorded: ${error.message}.`);
    consoleLogger().error({ err: error, actionId }, 'decision failed');
    return failed('Not recorded: something went wrong on the server. Try again; the details are in the server log.');
  }
}
